#include "device/sealed_store.h"

#include <sys/stat.h>

#include <array>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/hex.h"
#include "common/private_file.h"
#include "connection/device_identity.h"

namespace vigil {
namespace {

// Version 2 appended the common function's state, version 3 the firmware security
// counter; version 1 and 2 files still load.
constexpr uint8_t kPlainVersion = 3;
constexpr uint8_t kPlainVersionNoFirmware = 2;
constexpr uint8_t kPlainVersionNoR3 = 1;
constexpr size_t kR3StateSize = 1 + 4 + 32;
constexpr size_t kMaxPlainSize = 1 + 8 + 8 + kKdSize + kSecretKey2Size +
                                 2 * (1 + kMaxCredentialSize) + kEd25519PublicKeySize + 4 * 8 +
                                 kR3StateSize + 4;
constexpr size_t kHeaderSize = sizeof kSealedMagic + 8 + kCcmNonceSize + 2;
constexpr size_t kMaxSealedFileSize = kHeaderSize + kMaxPlainSize + kSealedTagSize;

ByteSpan Magic() { return ByteSpan(reinterpret_cast<const uint8_t*>(kSealedMagic), 8); }

std::array<uint8_t, 16> Aad(uint64_t uid) {
  std::array<uint8_t, 16> aad{};
  ByteWriter w(aad);
  w.Bytes(Magic());
  w.U64Le(uid);
  return aad;
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Wipes a stack buffer of plaintext when leaving scope, on every path.
template <typename T>
class WipeOnExit {
 public:
  explicit WipeOnExit(T* p) : p_(p) {}
  ~WipeOnExit() { SecureZero(p_, sizeof(T)); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  T* p_;
};

void WriteCredential(ByteWriter& w, const Credential& c) {
  w.U8(c.size);
  w.Bytes(c.span());
}

bool ReadCredential(ByteReader& r, Credential* c) {
  uint8_t n = r.U8();
  ByteSpan b = r.View(n);
  return r.ok() && c->Set(b);
}

}  // namespace

SealedFileStore::SealedFileStore(CryptoProvider& crypto, RandomSource& rng, std::string sealed_path,
                                 std::string device_key_path)
    : crypto_(crypto),
      rng_(rng),
      sealed_path_(std::move(sealed_path)),
      device_key_path_(std::move(device_key_path)) {}

SealedFileStore::~SealedFileStore() {
  if (key_.valid()) crypto_.Release(&key_);
}

Error SealedFileStore::Fail(Error e, std::string message) {
  last_error_ = std::move(message);
  return e;
}

Error SealedFileStore::Open() {
  if (key_.valid()) crypto_.Release(&key_);
  std::vector<uint8_t> key;
  std::string why;
  Error e = ReadPrivateFile(device_key_path_, 64, &key, &why);
  if (e == Error::kNotFound) {
    if (FileExists(sealed_path_))
      return Fail(Error::kNotFound, "device key " + device_key_path_ +
                                        " is missing, so sealed store " + sealed_path_ +
                                        " can never be opened: re-provision the device");
    // Factory-fresh: "fuse" a new device-unique key.
    key.assign(kDeviceKeySize, 0);
    if (rng_.Fill(key) != Error::kOk) {
      SecureZero(key.data(), key.size());
      return Fail(Error::kCrypto, "random source failed while creating the device key");
    }
    e = WritePrivateFileAtomic(device_key_path_, key, /*overwrite=*/false, &why);
  }
  if (e != Error::kOk) {
    SecureZero(key.data(), key.size());
    return Fail(e, "device key " + why);
  }
  if (key.size() != kDeviceKeySize) {
    SecureZero(key.data(), key.size());
    return Fail(Error::kCorrupt, "device key " + device_key_path_ + " must be exactly " +
                                     std::to_string(kDeviceKeySize) + " bytes");
  }
  e = crypto_.AeadImport(key, &key_);
  SecureZero(key.data(), key.size());
  if (e != Error::kOk) return Fail(e, "cannot import the device key");
  zeroized_ = false;
  return Error::kOk;
}

Error SealedFileStore::ReadState(State* out) {
  if (zeroized_) return Fail(Error::kNotFound, "the key store was zeroized");
  if (!key_.valid()) return Fail(Error::kInvalidState, "key store is not open");
  std::vector<uint8_t> file;
  std::string why;
  Error e = ReadPrivateFile(sealed_path_, kMaxSealedFileSize, &file, &why);
  if (e == Error::kNotFound)
    return Fail(e, "nothing is sealed in " + sealed_path_ + " (import a bundle first)");
  if (e != Error::kOk) return Fail(e, "sealed store " + why);

  ByteReader r(file);
  ByteSpan magic = r.View(sizeof kSealedMagic);
  uint64_t uid = r.U64Le();
  ByteSpan nonce = r.View(kCcmNonceSize);
  uint16_t len = r.U16Le();
  ByteSpan cipher = r.View(len);
  ByteSpan tag = r.View(kSealedTagSize);
  if (!r.ok() || !ConstantTimeEqual(magic, Magic()))
    return Fail(Error::kCorrupt, "sealed store " + sealed_path_ +
                                     " is not a Vigil sealed store "
                                     "(wrong format tag, or truncated)");
  if (r.remaining() != 0 || len > kMaxPlainSize)
    return Fail(Error::kCorrupt, "sealed store " + sealed_path_ + " has a bad length");

  std::array<uint8_t, kMaxPlainSize> plain{};
  WipeOnExit wipe(&plain);
  std::array<uint8_t, 16> aad = Aad(uid);
  MutableByteSpan plain_span(plain.data(), len);
  e = crypto_.AeadOpen(key_, nonce, aad, cipher, tag, plain_span);
  if (e == Error::kBadTag)
    return Fail(Error::kCorrupt, "sealed store " + sealed_path_ +
                                     " failed authentication (modified, or sealed under "
                                     "another device key); it was left as it is");
  if (e != Error::kOk) return Fail(e, "cannot unseal " + sealed_path_);

  ByteReader p(plain_span);
  uint8_t version = p.U8();
  DeviceSecrets& s = out->secrets;
  s.uid = p.U64Le();
  s.cpan_uid = p.U64Le();
  p.Bytes(s.kd);
  p.Bytes(s.secretkey2);
  bool creds = ReadCredential(p, &s.username) && ReadCredential(p, &s.password);
  p.Bytes(s.cpan_sign_pub);
  PersistedCounters& c = out->counters;
  c.tx_ceiling = p.U64Le();
  c.rx_high = p.U64Le();
  c.broadcast_epoch = p.U64Le();
  c.broadcast_counter = p.U64Le();
  uint8_t has_r3 = 0;
  if (version == kPlainVersion || version == kPlainVersionNoFirmware) {
    has_r3 = p.U8();
    c.r3_generation = p.U32Le();
    p.Bytes(c.r3);
  }
  if (version == kPlainVersion) c.firmware_security_counter = p.U32Le();
  c.has_r3 = has_r3 == 1;
  if (version != kPlainVersion && version != kPlainVersionNoFirmware &&
      version != kPlainVersionNoR3) {
    SecureZero(out, sizeof *out);
    // Authenticated yet unparseable: written by a newer version.
    return Fail(Error::kCorrupt, "sealed store " + sealed_path_ +
                                     " has an unknown content version " + std::to_string(version));
  }
  if (!p.ok() || !creds || p.remaining() != 0 || has_r3 > 1 || s.uid != uid) {
    SecureZero(out, sizeof *out);
    // Authenticated, so written under this device key, yet not a whole plaintext of its
    // version: refused rather than read in part (a lost R3 locks the device out).
    return Fail(Error::kCorrupt, "sealed store " + sealed_path_ + " has damaged content (version " +
                                     std::to_string(version) + ")");
  }
  return Error::kOk;
}

Error SealedFileStore::WriteState(const State& state) {
  if (zeroized_ || !key_.valid()) return Fail(Error::kInvalidState, "key store is not open");
  std::array<uint8_t, kMaxPlainSize> plain{};
  WipeOnExit wipe(&plain);
  ByteWriter p(plain);
  const DeviceSecrets& s = state.secrets;
  p.U8(kPlainVersion);
  p.U64Le(s.uid);
  p.U64Le(s.cpan_uid);
  p.Bytes(s.kd);
  p.Bytes(s.secretkey2);
  WriteCredential(p, s.username);
  WriteCredential(p, s.password);
  p.Bytes(s.cpan_sign_pub);
  p.U64Le(state.counters.tx_ceiling);
  p.U64Le(state.counters.rx_high);
  p.U64Le(state.counters.broadcast_epoch);
  p.U64Le(state.counters.broadcast_counter);
  const std::array<uint8_t, 32> no_r3{};
  p.U8(state.counters.has_r3 ? 1 : 0);
  p.U32Le(state.counters.r3_generation);
  p.Bytes(state.counters.has_r3 ? ByteSpan(state.counters.r3) : ByteSpan(no_r3));
  p.U32Le(state.counters.firmware_security_counter);
  if (!p.ok()) return Fail(Error::kInvalidArgument, "secrets do not fit the sealed format");

  std::array<uint8_t, kMaxSealedFileSize> file{};
  ByteWriter w(file);
  w.Bytes(Magic());
  w.U64Le(s.uid);
  MutableByteSpan nonce = w.Reserve(kCcmNonceSize);
  w.U16Le(static_cast<uint16_t>(p.size()));
  MutableByteSpan cipher = w.Reserve(p.size());
  MutableByteSpan tag = w.Reserve(kSealedTagSize);
  if (!w.ok()) return Fail(Error::kInvalidArgument, "secrets do not fit the sealed format");
  if (rng_.Fill(nonce) != Error::kOk)
    return Fail(Error::kCrypto, "random source failed while sealing");
  std::array<uint8_t, 16> aad = Aad(s.uid);
  if (Error e = crypto_.AeadSeal(key_, nonce, aad, p.written(), cipher, tag); e != Error::kOk)
    return Fail(e, "cannot seal " + sealed_path_);
  std::string why;
  if (Error e = WritePrivateFileAtomic(sealed_path_, w.written(), /*overwrite=*/true, &why);
      e != Error::kOk)
    return Fail(e, "sealed store " + why);
  return Error::kOk;
}

Error SealedFileStore::Load(DeviceSecrets* out) {
  State st;
  WipeOnExit wipe(&st);
  if (Error e = ReadState(&st); e != Error::kOk) return e;
  *out = st.secrets;
  return Error::kOk;
}

Error SealedFileStore::Seal(const DeviceSecrets& secrets) {
  if (!IsAssignableUid(secrets.uid))
    return Fail(Error::kInvalidArgument,
                "uid " + UidToString(secrets.uid) + " cannot be sealed (reserved value)");
  if (secrets.username.size == 0 || secrets.password.size == 0)
    return Fail(Error::kInvalidArgument, "username and password must not be empty");
  State st;
  WipeOnExit wipe(&st);
  st.secrets = secrets;
  return WriteState(st);
}

Error SealedFileStore::LoadCounters(PersistedCounters* out) {
  State st;
  WipeOnExit wipe(&st);
  if (Error e = ReadState(&st); e != Error::kOk) return e;
  *out = st.counters;
  return Error::kOk;
}

Error SealedFileStore::SaveCounters(const PersistedCounters& counters) {
  // Read-modify-write: a store that cannot be read (kCorrupt) is not overwritten.
  State st;
  WipeOnExit wipe(&st);
  if (Error e = ReadState(&st); e != Error::kOk) return e;
  st.counters = counters;
  return WriteState(st);
}

Error SealedFileStore::Zeroize() {
  zeroized_ = true;
  if (key_.valid()) crypto_.Release(&key_);  // the provider wipes its copy
  std::string why_sealed, why_key;
  Error a = ShredFile(sealed_path_, &why_sealed);
  Error b = ShredFile(device_key_path_, &why_key);
  if (a != Error::kOk) return Fail(a, "zeroize: " + why_sealed);
  if (b != Error::kOk) return Fail(b, "zeroize: " + why_key);
  return Error::kOk;
}

}  // namespace vigil
