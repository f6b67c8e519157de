// Every tag, proof and key derivation of the protocol, in one place, so that the device
// core, the coordinator core, the test vectors and the fuzzers agree byte for byte.
// docs/protocol.md gives the same formulas in prose.
//
// The long-term association secret differs by version:
//  - paper versions (v1, v2, v3-paper) key the handshake with the credential key
//    Kc = R1 = HMAC(username, password): this is what makes the paper's Figure 1 attack
//    (a stolen Uid, username and password) work against v1 and v2;
//  - hardened keys it with the per-device key Kd; credentials alone are worth nothing.
// Hardened MACs also bind direction and both identities (implicit associated data), so
// a frame cannot be reflected or moved to another session.
#pragma once

#include <concepts>
#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"
#include "connection/crypto/provider.h"
#include "connection/wire/codec.h"

namespace vigil {

// The public values of one association attempt.
struct Transcript {
  wire::Version version = wire::Version::kHardened;
  uint64_t device_uid = 0;
  uint64_t cpan_uid = 0;
  wire::Nonce nd{};
  wire::Nonce nc{};
  wire::Nonce ncf{};  // hardened confirmation challenge
};

// Keys of one session (unicast) or one broadcast epoch, held as provider handles.
// REQUIRES: Release() with the same provider before destruction. Deriving into valid
// handles re-keys them in place (the keys they held are gone).
struct SessionKeys {
  KeyHandle mac;   // HMAC-SHA256 key (integrity-only frames)
  KeyHandle aead;  // AES-128-CCM key (encrypted frames, key blocks)
  bool valid() const { return mac.valid() && aead.valid(); }
  void Release(CryptoProvider& c) {
    c.Release(&mac);
    c.Release(&aead);
  }
};

// A long-term MAC key: its bytes, and optionally the same key prepared in the provider
// (MacImport), which spares each tag below HMAC's key set-up.
// REQUIRES: `prepared`, when valid, holds exactly `bytes`.
struct MacKey {
  ByteSpan bytes;
  KeyHandle prepared;
  MacKey(const std::convertible_to<ByteSpan> auto& b, KeyHandle h = {}) : bytes(b), prepared(h) {}
};

// Session keys from the association secret and the transcript (docs/protocol.md, "Keys").
// Handles of `out` that are valid are re-keyed in place (MacRekey, AeadRekey): a
// re-association hands the old session's handles over instead of wiping them.
Error DeriveSessionKeys(CryptoProvider& c, MacKey secret, const Transcript& t, SessionKeys* out);
// Broadcast keys of an epoch from the hidden broadcast key Kb.
Error DeriveBroadcastKeys(CryptoProvider& c, ByteSpan kb, SessionKeys* out);

// ---- handshake tags: `prefix` is Message::prefix of the message carrying the tag ----
// AUTH_REQ proof by the CPAN (v2, v3-paper, hardened).
Error CpanProof(CryptoProvider& c, MacKey secret, const Transcript& t, ByteSpan prefix,
                MutableByteSpan out);
// AUTH_RESP answer: the 8-digit OTP (paper versions, 4 bytes big-endian) or the
// hardened tag (8 bytes).
Error DeviceAnswer(CryptoProvider& c, MacKey secret, const Transcript& t, ByteSpan prefix,
                   MutableByteSpan out);
// Hardened CONFIRM_REQ tag (keyed with Kd).
Error ConfirmRequestTag(CryptoProvider& c, MacKey kd, const Transcript& t, ByteSpan prefix,
                        MutableByteSpan out);
// CONFIRM_RESP: v3-paper sends R3 itself (static, so a sniffed answer replays: the hole
// the hardened variant closes); hardened sends HMAC(R3, transcript | Ncf)[0:16].
Error ConfirmAnswer(CryptoProvider& c, MacKey r3, const Transcript& t, ByteSpan prefix,
                    MutableByteSpan out);
// Hardened's synchronised common function (docs/protocol.md 9.5): the R3 both ends use
// after an association that this transcript confirmed,
//   R3' = HMAC-SHA256(R3, "vigil/r3-roll" | Nd | Nc | Ncf | device uid | cpan uid).
// A copy of the device taken before that association holds an R3 the CPAN no longer
// accepts. REQUIRES: out is 32 bytes (else kInvalidArgument).
Error RollCommonFunction(CryptoProvider& c, MacKey r3, const Transcript& t, MutableByteSpan out);

// ---- frame protection ----
struct FrameAddress {
  wire::Direction dir = wire::Direction::kDeviceToCpan;
  uint64_t src = 0;
  uint64_t dst = 0;  // kBroadcastUid for broadcasts
};

// Protects an encoded message in place. `msg` is the whole encoded message (tag bytes
// reserved at the end, before any signature); the body [body_off, body_off + body_len)
// is encrypted when `encrypt` is set, otherwise left in clear and covered by HMAC.
// The CCM nonce is src | counter | direction, so the two directions of a session never
// share a nonce.
Error ProtectMessage(CryptoProvider& c, const SessionKeys& keys, wire::Version v,
                     const FrameAddress& a, uint32_t counter, bool encrypt, MutableByteSpan msg,
                     size_t body_off, size_t body_len, size_t tag_len);

// Verifies a decoded message and writes its plaintext body into `plain` (size >=
// m.body.size()). Returns the plaintext size, or kBadTag.
Result<size_t> VerifyMessage(CryptoProvider& c, const SessionKeys& keys, const wire::Message& m,
                             const FrameAddress& a, uint32_t counter, bool encrypted,
                             MutableByteSpan plain);

// Hardened broadcast signature: Ed25519 over the message bytes before the signature,
// with the PAN id and the CPAN uid bound in.
Error SignBroadcast(CryptoProvider& c, ByteSpan sign_priv, uint16_t pan_id, uint64_t cpan_uid,
                    ByteSpan signed_part, MutableByteSpan sig);
Error VerifyBroadcastSignature(CryptoProvider& c, ByteSpan sign_pub, uint16_t pan_id,
                               uint64_t cpan_uid, ByteSpan signed_part, ByteSpan sig);

}  // namespace vigil
