#include "connection/session_crypto.h"

#include <array>
#include <cstring>

#include "connection/keys.h"
#include "connection/otp.h"

namespace vigil {
namespace {

using wire::Direction;
using wire::Version;

ByteSpan Str(const char* s) { return ByteSpan(reinterpret_cast<const uint8_t*>(s), strlen(s)); }

// The implicit associated data of hardened MACs: direction and both identities.
struct Implicit {
  std::array<uint8_t, 17> bytes{};
  Implicit(Direction d, uint64_t src, uint64_t dst) {
    bytes[0] = static_cast<uint8_t>(d);
    for (int i = 0; i < 8; ++i) {
      bytes[1 + static_cast<size_t>(i)] = static_cast<uint8_t>(src >> (8 * i));
      bytes[9 + static_cast<size_t>(i)] = static_cast<uint8_t>(dst >> (8 * i));
    }
  }
  ByteSpan span() const { return bytes; }
};

struct UidBytes {
  std::array<uint8_t, 8> b{};
  explicit UidBytes(uint64_t u) {
    for (int i = 0; i < 8; ++i) b[static_cast<size_t>(i)] = static_cast<uint8_t>(u >> (8 * i));
  }
};

void CcmNonce(const FrameAddress& a, uint32_t counter, std::array<uint8_t, kCcmNonceSize>& n) {
  for (int i = 0; i < 8; ++i) n[static_cast<size_t>(i)] = static_cast<uint8_t>(a.src >> (8 * i));
  n[8] = static_cast<uint8_t>(counter >> 24);
  n[9] = static_cast<uint8_t>(counter >> 16);
  n[10] = static_cast<uint8_t>(counter >> 8);
  n[11] = static_cast<uint8_t>(counter);
  n[12] = static_cast<uint8_t>(a.dir);
}

bool Hardened(Version v) { return v == Version::kHardened; }

Error MacParts(CryptoProvider& c, const MacKey& key, std::initializer_list<ByteSpan> parts,
               MutableByteSpan out) {
  const std::span<const ByteSpan> p(parts.begin(), parts.size());
  if (key.prepared.valid()) return c.MacCompute(key.prepared, p, out);
  return c.Hmac(HashAlg::kSha256, key.bytes, p, out);
}

// Builds associated data = header | implicit (hardened) into a stack buffer.
ByteSpan BuildAad(Version v, ByteSpan header, const FrameAddress& a,
                  std::array<uint8_t, 160>& buf) {
  size_t n = header.size();
  std::memcpy(buf.data(), header.data(), n);
  if (Hardened(v)) {
    Implicit imp(a.dir, a.src, a.dst);
    std::memcpy(buf.data() + n, imp.bytes.data(), imp.bytes.size());
    n += imp.bytes.size();
  }
  return ByteSpan(buf.data(), n);
}

}  // namespace

Error DeriveSessionKeys(CryptoProvider& c, MacKey secret, const Transcript& t, SessionKeys* out) {
  std::array<uint8_t, kSha256Size> prk{};
  Error e;
  if (Hardened(t.version)) {
    UidBytes d(t.device_uid), p(t.cpan_uid);
    e = MacParts(c, secret, {Str("vigil/session"), d.b, p.b, t.nd, t.nc}, prk);
  } else if (t.version == Version::kV1) {
    e = MacParts(c, secret, {Str("Ku"), t.nc}, prk);
  } else {
    e = MacParts(c, secret, {Str("Ku"), t.nc, t.nd}, prk);
  }
  std::array<uint8_t, kAes128KeySize> enc{};
  if (e == Error::kOk) e = MacParts(c, prk, {Str("enc")}, enc);
  if (e == Error::kOk)
    e = out->mac.valid() ? c.MacRekey(&out->mac, prk) : c.MacImport(prk, &out->mac);
  if (e == Error::kOk)
    e = out->aead.valid() ? c.AeadRekey(&out->aead, enc) : c.AeadImport(enc, &out->aead);
  SecureZero(prk.data(), prk.size());
  SecureZero(enc.data(), enc.size());
  return e;
}

Error DeriveBroadcastKeys(CryptoProvider& c, ByteSpan kb, SessionKeys* out) {
  std::array<uint8_t, kSha256Size> mac{};
  std::array<uint8_t, kAes128KeySize> enc{};
  Error e = MacParts(c, kb, {Str("vigil/bcast-mac")}, mac);
  if (e == Error::kOk) e = MacParts(c, kb, {Str("vigil/bcast-enc")}, enc);
  if (e == Error::kOk) e = c.MacImport(mac, &out->mac);
  if (e == Error::kOk) e = c.AeadImport(enc, &out->aead);
  SecureZero(mac.data(), mac.size());
  SecureZero(enc.data(), enc.size());
  return e;
}

Error CpanProof(CryptoProvider& c, MacKey secret, const Transcript& t, ByteSpan prefix,
                MutableByteSpan out) {
  if (Hardened(t.version)) {
    Implicit imp(Direction::kCpanToDevice, t.cpan_uid, t.device_uid);
    return MacParts(c, secret, {Str("vigil/auth-req"), prefix, imp.span()}, out);
  }
  return MacParts(c, secret, {Str("cpan"), t.nd, t.nc}, out);
}

Error DeviceAnswer(CryptoProvider& c, MacKey secret, const Transcript& t, ByteSpan prefix,
                   MutableByteSpan out) {
  if (Hardened(t.version)) {
    Implicit imp(Direction::kDeviceToCpan, t.device_uid, t.cpan_uid);
    return MacParts(c, secret, {Str("vigil/auth-resp"), prefix, t.nd, t.nc, imp.span()}, out);
  }
  if (out.size() != wire::kOtpSize) return Error::kInvalidArgument;
  // The paper's one-time password: HOTP dynamic truncation (RFC 4226) over HMAC-SHA256,
  // moving factor = the challenge (and, from v2 on, the device nonce).
  std::array<uint8_t, 2 * wire::kNonceSize> factor{};
  std::memcpy(factor.data(), t.nc.data(), wire::kNonceSize);
  size_t n = wire::kNonceSize;
  if (t.version != Version::kV1) {
    std::memcpy(factor.data() + n, t.nd.data(), wire::kNonceSize);
    n += wire::kNonceSize;
  }
  Result<uint32_t> otp =
      Hotp(c, HashAlg::kSha256, secret.bytes, ByteSpan(factor.data(), n), wire::kOtpDigits);
  if (!otp.ok()) return otp.error();
  ByteWriter w(out);
  w.U32Be(*otp);
  return Error::kOk;
}

Error ConfirmRequestTag(CryptoProvider& c, MacKey kd, const Transcript& t, ByteSpan prefix,
                        MutableByteSpan out) {
  Implicit imp(Direction::kCpanToDevice, t.cpan_uid, t.device_uid);
  return MacParts(c, kd, {Str("vigil/confirm-req"), prefix, t.nd, t.nc, imp.span()}, out);
}

Error ConfirmAnswer(CryptoProvider& c, MacKey r3, const Transcript& t, ByteSpan prefix,
                    MutableByteSpan out) {
  if (!Hardened(t.version)) {
    if (out.size() != r3.bytes.size()) return Error::kInvalidArgument;
    std::memcpy(out.data(), r3.bytes.data(), r3.bytes.size());
    return Error::kOk;
  }
  Implicit imp(Direction::kDeviceToCpan, t.device_uid, t.cpan_uid);
  return MacParts(c, r3, {Str("vigil/confirm-resp"), prefix, t.nd, t.nc, t.ncf, imp.span()}, out);
}

Error RollCommonFunction(CryptoProvider& c, MacKey r3, const Transcript& t, MutableByteSpan out) {
  if (out.size() != kSha256Size) return Error::kInvalidArgument;
  Implicit imp(Direction::kDeviceToCpan, t.device_uid, t.cpan_uid);
  return MacParts(c, r3, {Str("vigil/r3-roll"), t.nd, t.nc, t.ncf, imp.span()}, out);
}

Error ProtectMessage(CryptoProvider& c, const SessionKeys& keys, Version v, const FrameAddress& a,
                     uint32_t counter, bool encrypt, MutableByteSpan msg, size_t body_off,
                     size_t body_len, size_t tag_len) {
  if (body_off + body_len + tag_len > msg.size()) return Error::kInvalidArgument;
  MutableByteSpan body = msg.subspan(body_off, body_len);
  MutableByteSpan tag = msg.subspan(body_off + body_len, tag_len);
  if (encrypt) {
    std::array<uint8_t, kCcmNonceSize> nonce{};
    CcmNonce(a, counter, nonce);
    std::array<uint8_t, 160> aad_buf{};
    ByteSpan aad = BuildAad(v, msg.first(body_off), a, aad_buf);
    std::array<uint8_t, wire::kMaxBroadcastPayload> tmp{};
    Error e = c.AeadSeal(keys.aead, nonce, aad, body, MutableByteSpan(tmp.data(), body_len), tag);
    if (e != Error::kOk) return e;
    std::memcpy(body.data(), tmp.data(), body_len);
    return Error::kOk;
  }
  const ByteSpan covered = msg.first(body_off + body_len);
  if (Hardened(v)) {
    Implicit imp(a.dir, a.src, a.dst);
    const ByteSpan parts[] = {covered, imp.span()};
    return c.MacCompute(keys.mac, parts, tag);
  }
  const ByteSpan parts[] = {covered};
  return c.MacCompute(keys.mac, parts, tag);
}

Result<size_t> VerifyMessage(CryptoProvider& c, const SessionKeys& keys, const wire::Message& m,
                             const FrameAddress& a, uint32_t counter, bool encrypted,
                             MutableByteSpan plain) {
  if (plain.size() < m.body.size()) return Error::kInvalidArgument;
  const size_t body_off = m.prefix.size() - m.body.size();
  MutableByteSpan out = plain.first(m.body.size());
  if (encrypted) {
    std::array<uint8_t, kCcmNonceSize> nonce{};
    CcmNonce(a, counter, nonce);
    std::array<uint8_t, 160> aad_buf{};
    ByteSpan aad = BuildAad(m.version, m.prefix.first(body_off), a, aad_buf);
    Error e = c.AeadOpen(keys.aead, nonce, aad, m.body, m.tag, out);
    if (e != Error::kOk) return e;
    return m.body.size();
  }
  std::array<uint8_t, wire::kMaxDataTag> expect{};
  MutableByteSpan exp = MutableByteSpan(expect.data(), m.tag.size());
  Error e;
  if (Hardened(m.version)) {
    Implicit imp(a.dir, a.src, a.dst);
    const ByteSpan parts[] = {m.prefix, imp.span()};
    e = c.MacCompute(keys.mac, parts, exp);
  } else {
    const ByteSpan parts[] = {m.prefix};
    e = c.MacCompute(keys.mac, parts, exp);
  }
  if (e != Error::kOk) return e;
  if (!ConstantTimeEqual(exp, m.tag)) return Error::kBadTag;
  if (!m.body.empty()) std::memcpy(out.data(), m.body.data(), m.body.size());
  return m.body.size();
}

namespace {
// pan(2) | cpan uid(8) | signed part: at most 2 + 8 + 110 bytes.
ByteSpan SignedInput(uint16_t pan_id, uint64_t cpan_uid, ByteSpan part,
                     std::array<uint8_t, 128>& buf, bool* ok) {
  *ok = part.size() + 10 <= buf.size();
  if (!*ok) return {};
  buf[0] = static_cast<uint8_t>(pan_id);
  buf[1] = static_cast<uint8_t>(pan_id >> 8);
  UidBytes u(cpan_uid);
  std::memcpy(buf.data() + 2, u.b.data(), 8);
  std::memcpy(buf.data() + 10, part.data(), part.size());
  return ByteSpan(buf.data(), part.size() + 10);
}
}  // namespace

Error SignBroadcast(CryptoProvider& c, ByteSpan sign_priv, uint16_t pan_id, uint64_t cpan_uid,
                    ByteSpan signed_part, MutableByteSpan sig) {
  std::array<uint8_t, 128> buf{};
  bool ok;
  ByteSpan in = SignedInput(pan_id, cpan_uid, signed_part, buf, &ok);
  if (!ok) return Error::kInvalidArgument;
  return c.Ed25519Sign(sign_priv, in, sig);
}

Error VerifyBroadcastSignature(CryptoProvider& c, ByteSpan sign_pub, uint16_t pan_id,
                               uint64_t cpan_uid, ByteSpan signed_part, ByteSpan sig) {
  std::array<uint8_t, 128> buf{};
  bool ok;
  ByteSpan in = SignedInput(pan_id, cpan_uid, signed_part, buf, &ok);
  if (!ok) return Error::kMalformed;
  return c.Ed25519Verify(sign_pub, in, sig);
}

}  // namespace vigil
