// Encoding and decoding of protocol messages (the MAC payload). Byte layouts are in
// docs/protocol.md; sizes in format.h.
//
// Decode checks structure only (lengths, version, type, field ranges); tags are checked by
// the cores, which know the keys. A decoded Message views the input buffer: it is valid
// only as long as that buffer is. Nothing here allocates.
//
// Every authenticated message is laid out as `prefix | tag`: the tag (OTP, proof, MAC,
// AEAD tag, signature) is last, and `Message::prefix` is exactly the bytes it covers on the
// wire (the cores add implicit associated data such as addresses and direction).
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"
#include "connection/wire/format.h"

namespace vigil::wire {

using Nonce = std::array<uint8_t, kNonceSize>;

// Deployment parameters both sides must agree on; they are not sent on the air.
struct WireParams {
  uint8_t data_tag_size = 8;  // DATA / KEY_UPDATE / BROADCAST (v2, v3) tag: 8..16 bytes
};

struct Message {
  Version version = Version::kHardened;
  MsgType type = MsgType::kAssocReq;
  uint8_t flags = 0;
  // Association
  Nonce nd{};        // device nonce (ASSOC_REQ; echoed in v3/hardened AUTH_REQ and CONFIRM)
  Nonce nc{};        // CPAN challenge (AUTH_REQ)
  Nonce ncf{};       // hardened confirmation challenge (CONFIRM_REQ)
  uint32_t otp = 0;  // paper versions: AUTH_RESP one-time password
  AssocStatus status = AssocStatus::kAccepted;
  uint16_t short_addr = 0;
  uint8_t epoch = 0;  // broadcast key epoch
  // Data-bearing messages
  uint32_t counter = 0;
  ByteSpan body;  // DATA/BROADCAST payload or ciphertext, ASSOC_RESP/KEY_UPDATE ciphertext
  // Authentication
  ByteSpan tag;        // the trailing tag / proof / OTP bytes (empty if none)
  ByteSpan signature;  // hardened BROADCAST: Ed25519 over prefix|tag
  ByteSpan prefix;     // the bytes covered by `tag`
};

// Size of the encrypted Kb block in ASSOC_RESP and KEY_UPDATE bodies.
inline constexpr size_t kKeyBlockSize = 1 + kKbSize;  // epoch | Kb

// Decodes a MAC payload. `broadcast` says whether the frame was addressed to 0xffff
// (it changes the size limit only). Errors: kTruncated, kOversized, kMalformed,
// kUnknownVersion, kUnknownType.
Result<Message> Decode(ByteSpan payload, const WireParams& params);

// Encodes `m` into `out`, leaving the tag bytes zero; returns the message size.
// `tag_size` is the size of the trailing tag the caller fills in afterwards with
// TagSpan(); for messages whose tag size is fixed by the format it must match.
// Errors: kInvalidArgument (inconsistent fields), kNoBufs, kOversized.
Result<size_t> Encode(const Message& m, const WireParams& params, MutableByteSpan out);

// Size of the tag for a message type in a version (fixed sizes, or the data tag size).
// For kBroadcast in kHardened this is the CCM tag; the signature follows it.
size_t TagSize(Version v, MsgType t, const WireParams& params);

// Whether a (version, type) pair exists at all.
bool IsDefined(Version v, MsgType t);

const char* MsgTypeName(MsgType t);
const char* VersionName(Version v);

}  // namespace vigil::wire
