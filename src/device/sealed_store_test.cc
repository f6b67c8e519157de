#include "device/sealed_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/bytes.h"
#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

using testing::FileMode;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

bool Exists(const std::string& p) { return std::filesystem::exists(p); }

DeviceSecrets MakeSecrets() {
  SeededRandom rng(3);
  DeviceSecrets s;
  s.uid = 0x00124b0001a2b3c4;
  s.cpan_uid = 0x00124b0000000001;
  EXPECT_EQ(rng.Fill(s.kd), Error::kOk);
  EXPECT_EQ(rng.Fill(s.secretkey2), Error::kOk);
  EXPECT_EQ(rng.Fill(s.cpan_sign_pub), Error::kOk);
  const uint8_t user[] = {'d', 'e', 'v'};
  const uint8_t pass[] = {'s', '3', 'c', 'r', 'e', 't', 0x00, 0xff};
  EXPECT_TRUE(s.username.Set(user));
  EXPECT_TRUE(s.password.Set(pass));
  return s;
}

void ExpectSame(const DeviceSecrets& a, const DeviceSecrets& b) {
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.cpan_uid, b.cpan_uid);
  EXPECT_EQ(a.kd, b.kd);
  EXPECT_EQ(a.secretkey2, b.secretkey2);
  EXPECT_EQ(a.cpan_sign_pub, b.cpan_sign_pub);
  EXPECT_EQ(a.username.size, b.username.size);
  EXPECT_EQ(a.username.bytes, b.username.bytes);
  EXPECT_EQ(a.password.size, b.password.size);
  EXPECT_EQ(a.password.bytes, b.password.bytes);
}

class SealedStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string sealed_ = dir_.File("keys.sealed");
  std::string key_ = dir_.File("device.key");
  OpenSslCrypto crypto_;
  OsRandom rng_;
};

TEST_F(SealedStoreTest, SealedStoreRoundTripsAcrossRestart) {
  {
    SealedFileStore store(crypto_, rng_, sealed_, key_);
    ASSERT_EQ(store.Open(), Error::kOk) << store.last_error();
    EXPECT_EQ(FileMode(key_), 0600u);
    EXPECT_EQ(ReadAll(key_).size(), kDeviceKeySize);
    DeviceSecrets none;
    EXPECT_EQ(store.Load(&none), Error::kNotFound);  // factory-fresh
    ASSERT_EQ(store.Seal(MakeSecrets()), Error::kOk) << store.last_error();
    EXPECT_EQ(FileMode(sealed_), 0600u);
    PersistedCounters c{1000, 77, 3, 12};
    ASSERT_EQ(store.SaveCounters(c), Error::kOk);
  }
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  ASSERT_EQ(store.Open(), Error::kOk);
  DeviceSecrets got;
  ASSERT_EQ(store.Load(&got), Error::kOk) << store.last_error();
  ExpectSame(got, MakeSecrets());
  PersistedCounters c;
  ASSERT_EQ(store.LoadCounters(&c), Error::kOk);
  EXPECT_EQ(c, (PersistedCounters{1000, 77, 3, 12}));
  // Sealing again starts a new counter space.
  ASSERT_EQ(store.Seal(MakeSecrets()), Error::kOk);
  ASSERT_EQ(store.LoadCounters(&c), Error::kOk);
  EXPECT_EQ(c, PersistedCounters{});
}

TEST_F(SealedStoreTest, SealedFileDoesNotContainSecretsInClear) {
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  ASSERT_EQ(store.Open(), Error::kOk);
  DeviceSecrets s = MakeSecrets();
  ASSERT_EQ(store.Seal(s), Error::kOk);
  std::vector<uint8_t> file = ReadAll(sealed_);
  auto contains = [&](ByteSpan needle) {
    return std::search(file.begin(), file.end(), needle.begin(), needle.end()) != file.end();
  };
  EXPECT_FALSE(contains(s.kd));
  EXPECT_FALSE(contains(s.secretkey2));
  EXPECT_FALSE(contains(s.password.span()));
  // A fresh nonce per write: sealing the same secrets twice gives different files.
  ASSERT_EQ(store.Seal(s), Error::kOk);
  EXPECT_NE(ReadAll(sealed_), file);
}

TEST_F(SealedStoreTest, SealedStoreTamperedByteIsCorruptAndOldCopyKept) {
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  ASSERT_EQ(store.Open(), Error::kOk);
  ASSERT_EQ(store.Seal(MakeSecrets()), Error::kOk);
  ASSERT_EQ(store.SaveCounters({500, 400, 1, 2}), Error::kOk);
  const std::vector<uint8_t> good = ReadAll(sealed_);
  // Every byte: format tag, uid (bound by the AAD), nonce, length, ciphertext, tag.
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x01;
    WriteAll(sealed_, bad);
    DeviceSecrets got;
    ASSERT_EQ(store.Load(&got), Error::kCorrupt) << "byte " << i;
    EXPECT_EQ(got.uid, 0u) << "byte " << i;
    ASSERT_FALSE(store.last_error().empty());
    PersistedCounters c;
    ASSERT_EQ(store.LoadCounters(&c), Error::kCorrupt) << "byte " << i;
    // A write on top of a damaged store is refused and does not replace it.
    ASSERT_EQ(store.SaveCounters({900, 900, 9, 9}), Error::kCorrupt) << "byte " << i;
    ASSERT_EQ(ReadAll(sealed_), bad) << "byte " << i;
  }
  WriteAll(sealed_, good);
  DeviceSecrets got;
  ASSERT_EQ(store.Load(&got), Error::kOk);
  ExpectSame(got, MakeSecrets());
  PersistedCounters c;
  ASSERT_EQ(store.LoadCounters(&c), Error::kOk);
  EXPECT_EQ(c, (PersistedCounters{500, 400, 1, 2}));
}

TEST_F(SealedStoreTest, TruncatedSealedFileIsCorrupt) {
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  ASSERT_EQ(store.Open(), Error::kOk);
  ASSERT_EQ(store.Seal(MakeSecrets()), Error::kOk);
  const std::vector<uint8_t> good = ReadAll(sealed_);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    WriteAll(sealed_, std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(cut)));
    DeviceSecrets got;
    ASSERT_EQ(store.Load(&got), Error::kCorrupt) << "cut at " << cut;
  }
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  WriteAll(sealed_, longer);
  DeviceSecrets got;
  EXPECT_EQ(store.Load(&got), Error::kCorrupt);
}

TEST_F(SealedStoreTest, WrongDeviceKeyCannotUnseal) {
  SealedFileStore a(crypto_, rng_, sealed_, key_);
  ASSERT_EQ(a.Open(), Error::kOk);
  ASSERT_EQ(a.Seal(MakeSecrets()), Error::kOk);
  const std::vector<uint8_t> sealed_bytes = ReadAll(sealed_);
  // A second device's key (created by its own factory-fresh store).
  std::string other_key = dir_.File("other.key");
  {
    SealedFileStore b(crypto_, rng_, dir_.File("other.sealed"), other_key);
    ASSERT_EQ(b.Open(), Error::kOk);
  }
  SealedFileStore thief(crypto_, rng_, sealed_, other_key);
  ASSERT_EQ(thief.Open(), Error::kOk);
  DeviceSecrets got;
  EXPECT_EQ(thief.Load(&got), Error::kCorrupt);
  EXPECT_NE(thief.last_error().find("another device key"), std::string::npos) << thief.last_error();
  EXPECT_EQ(got.uid, 0u);
  EXPECT_EQ(thief.SaveCounters({1, 1, 1, 1}), Error::kCorrupt);
  EXPECT_EQ(ReadAll(sealed_), sealed_bytes);  // nothing lost for the rightful key
  DeviceSecrets mine;
  ASSERT_EQ(a.Load(&mine), Error::kOk);
  ExpectSame(mine, MakeSecrets());
}

TEST_F(SealedStoreTest, MissingDeviceKeyIsClearError) {
  {
    SealedFileStore store(crypto_, rng_, sealed_, key_);
    ASSERT_EQ(store.Open(), Error::kOk);
    ASSERT_EQ(store.Seal(MakeSecrets()), Error::kOk);
  }
  ASSERT_EQ(::unlink(key_.c_str()), 0);
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  EXPECT_EQ(store.Open(), Error::kNotFound);
  EXPECT_NE(store.last_error().find("re-provision"), std::string::npos) << store.last_error();
  EXPECT_FALSE(Exists(key_));  // no new key is invented for an existing sealed file
  DeviceSecrets got;
  EXPECT_EQ(store.Load(&got), Error::kInvalidState);
}

TEST_F(SealedStoreTest, DeviceKeyTooOpenOrWrongSizeIsRefused) {
  {
    SealedFileStore store(crypto_, rng_, sealed_, key_);
    ASSERT_EQ(store.Open(), Error::kOk);
  }
  ASSERT_EQ(::chmod(key_.c_str(), 0644), 0);
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  EXPECT_EQ(store.Open(), Error::kInvalidState);
  EXPECT_NE(store.last_error().find("too open"), std::string::npos) << store.last_error();
  WriteAll(key_, std::vector<uint8_t>(15, 7));
  EXPECT_EQ(store.Open(), Error::kCorrupt);
}

TEST_F(SealedStoreTest, ZeroizeRemovesSecrets) {
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  ASSERT_EQ(store.Open(), Error::kOk);
  ASSERT_EQ(store.Seal(MakeSecrets()), Error::kOk);
  ASSERT_TRUE(Exists(sealed_));
  ASSERT_TRUE(Exists(key_));
  ASSERT_EQ(store.Zeroize(), Error::kOk) << store.last_error();
  EXPECT_FALSE(Exists(sealed_));
  EXPECT_FALSE(Exists(key_));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));  // no temporary copies either
  DeviceSecrets got;
  EXPECT_EQ(store.Load(&got), Error::kNotFound);
  EXPECT_EQ(got.uid, 0u);
  EXPECT_EQ(store.Seal(MakeSecrets()), Error::kInvalidState);  // the key is gone
  EXPECT_EQ(store.Zeroize(), Error::kOk);                      // idempotent
  // After a reboot the device is factory-fresh: a new key, nothing sealed.
  SealedFileStore fresh(crypto_, rng_, sealed_, key_);
  ASSERT_EQ(fresh.Open(), Error::kOk);
  EXPECT_EQ(fresh.Load(&got), Error::kNotFound);
}

TEST_F(SealedStoreTest, CallsBeforeOpenAreRefused) {
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  DeviceSecrets got;
  EXPECT_EQ(store.Load(&got), Error::kInvalidState);
  EXPECT_EQ(store.Seal(MakeSecrets()), Error::kInvalidState);
  EXPECT_FALSE(Exists(sealed_));
  DeviceSecrets reserved = MakeSecrets();
  reserved.uid = 0;
  ASSERT_EQ(store.Open(), Error::kOk);
  EXPECT_EQ(store.Seal(reserved), Error::kInvalidArgument);
}

// The plaintext of a sealed file, byte by byte as the layout in sealed_store.h gives it,
// so that the tests can write files of another version or a damaged plaintext that still
// authenticates. Version 1 ends after the counters, version 2 after the R3 state.
std::vector<uint8_t> Plaintext(uint8_t version, const DeviceSecrets& s,
                               const PersistedCounters& c) {
  std::vector<uint8_t> buf(512);
  ByteWriter w(buf);
  w.U8(version);
  w.U64Le(s.uid);
  w.U64Le(s.cpan_uid);
  w.Bytes(s.kd);
  w.Bytes(s.secretkey2);
  w.U8(s.username.size);
  w.Bytes(s.username.span());
  w.U8(s.password.size);
  w.Bytes(s.password.span());
  w.Bytes(s.cpan_sign_pub);
  w.U64Le(c.tx_ceiling);
  w.U64Le(c.rx_high);
  w.U64Le(c.broadcast_epoch);
  w.U64Le(c.broadcast_counter);
  if (version >= 2) {
    w.U8(c.has_r3 ? 1 : 0);
    w.U32Le(c.r3_generation);
    w.Bytes(c.r3);
  }
  if (version >= 3) w.U32Le(c.firmware_security_counter);
  EXPECT_TRUE(w.ok());
  buf.resize(w.size());
  return buf;
}

class SealedFormatTest : public SealedStoreTest {
 protected:
  // Seals `plain` under the store's device key, as the store itself would.
  void SealRaw(uint64_t uid, const std::vector<uint8_t>& plain) {
    std::vector<uint8_t> key = ReadAll(key_);
    ASSERT_EQ(key.size(), kDeviceKeySize);
    KeyHandle h;
    ASSERT_EQ(crypto_.AeadImport(key, &h), Error::kOk);
    std::vector<uint8_t> file(8 + 8 + kCcmNonceSize + 2 + plain.size() + kSealedTagSize);
    ByteWriter w(file);
    w.Bytes(ByteSpan(reinterpret_cast<const uint8_t*>(kSealedMagic), 8));
    w.U64Le(uid);
    MutableByteSpan nonce = w.Reserve(kCcmNonceSize);
    w.U16Le(static_cast<uint16_t>(plain.size()));
    MutableByteSpan cipher = w.Reserve(plain.size());
    MutableByteSpan tag = w.Reserve(kSealedTagSize);
    ASSERT_TRUE(w.ok());
    ASSERT_EQ(rng_.Fill(nonce), Error::kOk);
    std::array<uint8_t, 16> aad{};
    ByteWriter a(aad);
    a.Bytes(ByteSpan(file.data(), 8));
    a.U64Le(uid);
    ASSERT_EQ(crypto_.AeadSeal(h, nonce, aad, plain, cipher, tag), Error::kOk);
    crypto_.Release(&h);
    WriteAll(sealed_, file);
  }

  void SetUp() override { ASSERT_EQ(store_.Open(), Error::kOk) << store_.last_error(); }

  SealedFileStore store_{crypto_, rng_, sealed_, key_};
};

PersistedCounters RolledCounters() {
  PersistedCounters c{1000, 77, 3, 12};
  c.has_r3 = true;
  c.r3_generation = 0x01020304;
  for (size_t i = 0; i < c.r3.size(); ++i) c.r3[i] = static_cast<uint8_t>(0xc0 + i);
  return c;
}

TEST_F(SealedStoreTest, SealedStoreCommonFunctionRoundTrips) {
  const PersistedCounters rolled = RolledCounters();
  {
    SealedFileStore store(crypto_, rng_, sealed_, key_);
    ASSERT_EQ(store.Open(), Error::kOk);
    ASSERT_EQ(store.Seal(MakeSecrets()), Error::kOk);
    PersistedCounters fresh;
    ASSERT_EQ(store.LoadCounters(&fresh), Error::kOk);
    EXPECT_FALSE(fresh.has_r3);  // a fresh seal: Algorithm 1's R3
    ASSERT_EQ(store.SaveCounters(rolled), Error::kOk) << store.last_error();
  }
  // R3 is a secret: it is sealed, never in clear.
  std::vector<uint8_t> file = ReadAll(sealed_);
  EXPECT_EQ(std::search(file.begin(), file.end(), rolled.r3.begin(), rolled.r3.end()), file.end());
  SealedFileStore store(crypto_, rng_, sealed_, key_);
  ASSERT_EQ(store.Open(), Error::kOk);
  PersistedCounters got;
  ASSERT_EQ(store.LoadCounters(&got), Error::kOk) << store.last_error();
  EXPECT_EQ(got, rolled);
  EXPECT_TRUE(got.has_r3);
  EXPECT_EQ(got.r3_generation, 0x01020304u);
  DeviceSecrets secrets;
  ASSERT_EQ(store.Load(&secrets), Error::kOk);
  ExpectSame(secrets, MakeSecrets());
  // New secrets start again from Algorithm 1.
  ASSERT_EQ(store.Seal(MakeSecrets()), Error::kOk);
  ASSERT_EQ(store.LoadCounters(&got), Error::kOk);
  EXPECT_EQ(got, PersistedCounters{});
}

TEST_F(SealedFormatTest, SealedStoreVersion1FileStillLoads) {
  const DeviceSecrets s = MakeSecrets();
  SealRaw(s.uid, Plaintext(1, s, PersistedCounters{500, 400, 1, 2}));
  DeviceSecrets got;
  ASSERT_EQ(store_.Load(&got), Error::kOk) << store_.last_error();
  ExpectSame(got, s);
  PersistedCounters c;
  ASSERT_EQ(store_.LoadCounters(&c), Error::kOk) << store_.last_error();
  EXPECT_EQ(c, (PersistedCounters{500, 400, 1, 2}));
  EXPECT_FALSE(c.has_r3);
  // The next write is version 3, with the R3 state and the firmware counter.
  ASSERT_EQ(store_.SaveCounters(RolledCounters()), Error::kOk) << store_.last_error();
  ASSERT_EQ(store_.LoadCounters(&c), Error::kOk);
  EXPECT_EQ(c, RolledCounters());
  // Written by the store, the plaintext is exactly the version-3 layout (its length in
  // the header is the plaintext's).
  const std::vector<uint8_t> file = ReadAll(sealed_);
  ASSERT_GE(file.size(), 31u);
  EXPECT_EQ(size_t{file[29]} | size_t{file[30]} << 8, Plaintext(3, s, c).size());
}

TEST_F(SealedFormatTest, SealedStoreTruncatedVersion2PlaintextIsCorrupt) {
  const DeviceSecrets s = MakeSecrets();
  const std::vector<uint8_t> full = Plaintext(2, s, RolledCounters());
  const size_t v1_size = Plaintext(1, s, {}).size();
  ASSERT_EQ(full.size(), v1_size + 1 + 4 + 32);
  SealRaw(s.uid, full);
  PersistedCounters c;
  ASSERT_EQ(store_.LoadCounters(&c), Error::kOk) << store_.last_error();
  EXPECT_EQ(c, RolledCounters());
  // Authentic (sealed under the device key) but cut short, down to a version-1 length
  // that claims version 2: never read in part.
  for (size_t cut = v1_size; cut < full.size(); ++cut) {
    SealRaw(s.uid, std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(cut)));
    PersistedCounters got;
    ASSERT_EQ(store_.LoadCounters(&got), Error::kCorrupt) << "cut at " << cut;
    EXPECT_EQ(got, PersistedCounters{}) << "cut at " << cut;
    EXPECT_NE(store_.last_error().find("damaged content"), std::string::npos)
        << store_.last_error();
    DeviceSecrets secrets;
    ASSERT_EQ(store_.Load(&secrets), Error::kCorrupt) << "cut at " << cut;
    EXPECT_EQ(secrets.uid, 0u);
    // Nor is it overwritten by a counter update.
    ASSERT_EQ(store_.SaveCounters(RolledCounters()), Error::kCorrupt) << "cut at " << cut;
  }
  // A has_r3 byte other than 0 or 1, and a version this build does not know.
  std::vector<uint8_t> bad = full;
  bad[v1_size] = 2;
  SealRaw(s.uid, bad);
  EXPECT_EQ(store_.LoadCounters(&c), Error::kCorrupt);
  bad = full;
  bad[0] = 4;
  SealRaw(s.uid, bad);
  EXPECT_EQ(store_.LoadCounters(&c), Error::kCorrupt);
  EXPECT_NE(store_.last_error().find("unknown content version 4"), std::string::npos)
      << store_.last_error();
}

TEST_F(SealedFormatTest, SealedStoreVersion2FileLoadsWithFirmwareCounterZero) {
  const DeviceSecrets s = MakeSecrets();
  PersistedCounters rolled = RolledCounters();
  rolled.firmware_security_counter = 9;  // not in a version-2 file
  SealRaw(s.uid, Plaintext(2, s, rolled));
  PersistedCounters c;
  ASSERT_EQ(store_.LoadCounters(&c), Error::kOk) << store_.last_error();
  EXPECT_EQ(c, RolledCounters());
  EXPECT_EQ(c.firmware_security_counter, 0u);
}

TEST_F(SealedFormatTest, SealedStoreFirmwareCounterRoundTripsAndTruncationIsCorrupt) {
  const DeviceSecrets s = MakeSecrets();
  PersistedCounters rolled = RolledCounters();
  rolled.firmware_security_counter = 0x0a0b0c0d;
  ASSERT_EQ(store_.Seal(s), Error::kOk);
  ASSERT_EQ(store_.SaveCounters(rolled), Error::kOk) << store_.last_error();
  PersistedCounters c;
  ASSERT_EQ(store_.LoadCounters(&c), Error::kOk);
  EXPECT_EQ(c.firmware_security_counter, 0x0a0b0c0du);
  // A version-3 plaintext cut inside the counter never loads as counter 0: a lost
  // counter would let an older image boot again.
  const std::vector<uint8_t> full = Plaintext(3, s, rolled);
  for (size_t cut = full.size() - 4; cut < full.size(); ++cut) {
    SealRaw(s.uid, std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(cut)));
    EXPECT_EQ(store_.LoadCounters(&c), Error::kCorrupt) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace vigil
