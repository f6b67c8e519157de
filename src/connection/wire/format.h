// Byte-level constants of the Vigil device <-> CPAN protocol. The prose twin of this
// header is docs/protocol.md; the two change together.
//
// Every protocol message is the MAC payload of one IEEE 802.15.4-2006 data frame:
//   MHR (frame control 2, sequence 1, PAN id 2, destination 8 or 2, source 8) | payload | FCS 2
// The first payload byte is the protocol header: version in the high nibble, message type
// in the low nibble.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::wire {

// ---- IEEE 802.15.4 framing ----
inline constexpr size_t kMaxPhyPayload = 127;  // aMaxPHYPacketSize: MPDU incl. MHR and FCS
inline constexpr size_t kFcsSize = 2;
inline constexpr size_t kMhrUnicast = 21;    // FC 2, seq 1, PAN 2, dst ext 8, src ext 8
inline constexpr size_t kMhrBroadcast = 15;  // FC 2, seq 1, PAN 2, dst short 2, src ext 8
inline constexpr size_t kMaxUnicastPayload = kMaxPhyPayload - kMhrUnicast - kFcsSize;      // 104
inline constexpr size_t kMaxBroadcastPayload = kMaxPhyPayload - kMhrBroadcast - kFcsSize;  // 110
inline constexpr uint64_t kBroadcastUid = ~uint64_t{0};  // short address 0xffff on the air
inline constexpr uint16_t kDefaultPanId = 0x1a4e;

// ---- protocol header ----
enum class Version : uint8_t {
  kV1 = 1,        // seed 000 v1: device authentication by OTP, HMAC integrity
  kV2 = 2,        // v2: mutual authentication, both nonces, hidden broadcast key Kb
  kV3Paper = 3,   // v3 exactly as written: duplicate answers + static R3 confirmation
  kHardened = 4,  // v3 with every binding the paper leaves open (deployment default)
};

enum class MsgType : uint8_t {
  kAssocReq = 1,
  kAuthReq = 2,
  kAuthResp = 3,
  kConfirmReq = 4,
  kConfirmResp = 5,
  kAssocResp = 6,
  kData = 7,
  kBroadcast = 8,
  kKeyUpdate = 9,
};
inline constexpr uint8_t kMaxMsgType = 9;

inline constexpr uint8_t Header(Version v, MsgType t) {
  return static_cast<uint8_t>(static_cast<uint8_t>(v) << 4 | static_cast<uint8_t>(t));
}

// ---- field sizes ----
inline constexpr size_t kNonceSize = 8;      // Nd, Nc, Ncf: 64-bit fresh randoms
inline constexpr size_t kCpanProofSize = 8;  // v2/v3 CPAN proof, hardened request tags
inline constexpr size_t kDeviceTagSize = 8;  // hardened AUTH_RESP tag
inline constexpr size_t kOtpSize = 4;        // paper OTP: 8 decimal digits, big-endian
inline constexpr int kOtpDigits = 8;
inline constexpr size_t kR3Size = 32;            // paper CONFIRM_RESP carries R3 whole
inline constexpr size_t kConfirmProofSize = 16;  // hardened CONFIRM_RESP
inline constexpr size_t kKbSize = 16;            // hidden broadcast key
inline constexpr size_t kAssocRespTagSize = 8;   // AES-CCM tag over the ASSOC_RESP
inline constexpr size_t kCounterSize = 4;
inline constexpr size_t kSignatureSize = 64;  // Ed25519, hardened broadcast
inline constexpr size_t kMinDataTag = 8;      // never below 64 bits
inline constexpr size_t kMaxDataTag = 16;

// ---- flags ----
// ASSOC_REQ
inline constexpr uint8_t kAssocFlagAuthenticate = 0x01;  // clear: Table 1's "without auth"
// AUTH_RESP / CONFIRM_RESP
inline constexpr uint8_t kAnswerFlagUnsolicited = 0x01;  // "I did not ask for this" (v3)
// DATA / BROADCAST
inline constexpr uint8_t kDataFlagEncrypted = 0x01;  // AES-CCM; clear: HMAC only
inline constexpr uint8_t kDataFlagPlain = 0x80;      // no tag: unauthenticated association only
// DATA, hardened only, empty body: not application data but the device's word that it
// holds the session keys and has stored the R3 its grant moved to (protocol.md 9.5).
inline constexpr uint8_t kDataFlagKeyConfirm = 0x02;

// ---- ASSOC_RESP status ----
enum class AssocStatus : uint8_t {
  kAccepted = 0,
  kRefused = 1,        // authentication failed or policy
  kUnknownDevice = 2,  // not enrolled (or revoked)
  kBusy = 3,           // rate limited; retry later
  kIntrusion = 4,      // refused after an intrusion verdict (v3)
};

// ---- directions, bound into hardened MACs and into every CCM nonce ----
enum class Direction : uint8_t { kDeviceToCpan = 0x01, kCpanToDevice = 0x02, kBroadcast = 0x03 };

}  // namespace vigil::wire
