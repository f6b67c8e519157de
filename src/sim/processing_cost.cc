#include "sim/processing_cost.h"

#include <cmath>

namespace vigil::sim {
namespace {

using wire::Message;
using wire::MsgType;
using wire::Version;

constexpr size_t kImplicit = 17;  // direction | src uid | dst uid (hardened MACs)

uint32_t Hmac(size_t message_bytes) {
  return static_cast<uint32_t>(HmacSha256Blocks(message_bytes));
}
uint32_t Ccm(size_t payload, size_t aad) {
  return static_cast<uint32_t>(AesCcmBlocks(payload, aad));
}
bool Hardened(const Message& m) { return m.version == Version::kHardened; }

// DeriveSessionKeys: PRK = HMAC(secret, label | ids | nonces), Kenc = HMAC(PRK, "enc"),
// then the two keys are imported.
Work DeriveSession(const Message& m) {
  Work w;
  const size_t prk_msg =
      Hardened(m) ? 13 + 8 + 8 + 8 + 8 : (m.version == Version::kV1 ? 2 + 8 : 2 + 16);
  w.sha256_blocks += Hmac(prk_msg) + Hmac(3) + 2;
  w.aes_blocks += 1;
  return w;
}

// DeriveBroadcastKeys: two HMACs of a 15-byte label and two imports.
Work DeriveBroadcast() {
  Work w;
  w.sha256_blocks += 2 * Hmac(15) + 2;
  w.aes_blocks += 1;
  return w;
}

// Protect / verify a data-bearing message: CCM over the body with the header as
// associated data, or HMAC over the prefix (plus implicit data when hardened).
Work Protect(const Message& m, bool force_encrypt = false) {
  Work w;
  const size_t header = m.prefix.size() - m.body.size();
  const size_t aad = header + (Hardened(m) ? kImplicit : 0);
  if (force_encrypt || (m.flags & wire::kDataFlagEncrypted)) {
    w.aes_blocks += Ccm(m.body.size(), aad);
  } else if (!(m.flags & wire::kDataFlagPlain)) {
    w.sha256_blocks += Hmac(m.prefix.size() + (Hardened(m) ? kImplicit : 0));
  }
  return w;
}

// CPAN proof of an AUTH_REQ (v2+): HMAC over "cpan" | Nd | Nc, or hardened
// "vigil/auth-req" | prefix | implicit.
uint32_t CpanProofBlocks(const Message& m) {
  if (m.version == Version::kV1) return 0;
  return Hmac(Hardened(m) ? 14 + m.prefix.size() + kImplicit : 4 + 16);
}

// AUTH_RESP answer: HOTP over Nc (| Nd), or hardened "vigil/auth-resp" | prefix | Nd |
// Nc | implicit.
uint32_t AnswerBlocks(const Message& m) {
  if (Hardened(m)) return Hmac(15 + m.prefix.size() + 16 + kImplicit);
  return Hmac(m.version == Version::kV1 ? 8 : 16);
}

// Hardened CONFIRM_REQ tag and CONFIRM_RESP proof; the paper's answer is R3 itself
// (computed once at boot), so it costs nothing per message.
uint32_t ConfirmReqBlocks(const Message& m) {
  return Hardened(m) ? Hmac(17 + m.prefix.size() + 16 + kImplicit) : 0;
}
uint32_t ConfirmRespBlocks(const Message& m) {
  return Hardened(m) ? Hmac(18 + m.prefix.size() + 24 + kImplicit) : 0;
}

}  // namespace

Work& Work::operator+=(const Work& o) {
  sha256_blocks += o.sha256_blocks;
  aes_blocks += o.aes_blocks;
  ed25519_sign += o.ed25519_sign;
  ed25519_verify += o.ed25519_verify;
  messages += o.messages;
  return *this;
}

TimeUs CostOf(const DeviceProfile& profile, const Work& w) {
  const PrimitiveCostsNs& c = profile.costs();
  const double ns = w.sha256_blocks * c.sha256_block + w.aes_blocks * c.aes128_block +
                    w.ed25519_sign * c.ed25519_sign + w.ed25519_verify * c.ed25519_verify +
                    w.messages * c.message_overhead;
  return DeviceProfile::CeilUs(ns);
}

Work DeviceRxWork(const Message& m, bool own_attempt) {
  Work w;
  w.messages = 1;
  switch (m.type) {
    case MsgType::kAuthReq:
      w.sha256_blocks += CpanProofBlocks(m);
      if (own_attempt) w += DeriveSession(m);
      break;
    case MsgType::kConfirmReq:
      w.sha256_blocks += ConfirmReqBlocks(m);
      break;
    case MsgType::kAssocResp:
      if (m.status == wire::AssocStatus::kAccepted && !m.body.empty()) {
        w += Protect(m, /*force_encrypt=*/true);
        w += DeriveBroadcast();
      }
      break;
    case MsgType::kData:
      w += Protect(m);
      break;
    case MsgType::kKeyUpdate:
      w += Protect(m, true);
      w += DeriveBroadcast();
      break;
    case MsgType::kBroadcast:
      if (Hardened(m)) w.ed25519_verify += 1;
      w += Protect(m);
      break;
    default:
      break;
  }
  return w;
}

Work DeviceTxWork(const Message& m) {
  Work w;
  w.messages = 1;
  switch (m.type) {
    case MsgType::kAuthResp:
      w.sha256_blocks += AnswerBlocks(m);
      break;
    case MsgType::kConfirmResp:
      w.sha256_blocks += ConfirmRespBlocks(m);
      break;
    case MsgType::kData:
      w += Protect(m);
      break;
    default:
      break;
  }
  return w;
}

// Checking a device's message costs the coordinator what making it cost the device.
Work CoordinatorRxWork(const Message& m) { return DeviceTxWork(m); }

Work CoordinatorTxWork(const Message& m, bool authenticated) {
  Work w;
  w.messages = 1;
  switch (m.type) {
    case MsgType::kAuthReq:
      w.sha256_blocks += CpanProofBlocks(m);
      break;
    case MsgType::kConfirmReq:
      w.sha256_blocks += ConfirmReqBlocks(m);
      break;
    case MsgType::kAssocResp:
      if (m.status == wire::AssocStatus::kAccepted && authenticated) {
        // A grant: session keys, then (v2+) the key block sealed under them.
        w += DeriveSession(m);
        if (!m.body.empty()) w += Protect(m, true);
      }
      break;
    case MsgType::kData:
    case MsgType::kKeyUpdate:
      w += Protect(m, m.type == MsgType::kKeyUpdate);
      break;
    case MsgType::kBroadcast:
      w += Protect(m);
      if (Hardened(m)) w.ed25519_sign += 1;
      break;
    default:
      break;
  }
  return w;
}

}  // namespace vigil::sim
