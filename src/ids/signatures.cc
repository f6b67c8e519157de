#include "ids/signatures.h"

#include <array>

namespace vigil::ids {

std::span<const Signature> AllSignatures() {
  static constexpr std::array kAll{
      sig::kConfirmationFailed,
      sig::kIdentityConflict,
      sig::kUnresolvedChallenge,
      sig::kAuthFailed,
      sig::kRogueCoordinator,
      sig::kReplay,
      sig::kAssociationFloodLink,
      sig::kAssociationFloodTotal,
      sig::kRateLimited,
      sig::kBruteForceDevice,
      sig::kBruteForceSource,
      sig::kBroadcastForgery,
      sig::kBroadcastEpochMismatch,
      sig::kMalformedBurst,
      sig::kUnknownDeviceBurst,
      sig::kFrameTagBurst,
      sig::kProtocolAnomalyBurst,
      sig::kImpossibleTravel,
      sig::kDataRateAnomaly,
      sig::kReassociationStorm,
      sig::kDowngrade,
      sig::kBlockedSourceDropped,
      sig::kBadTelemetry,
      sig::kAlertsSuppressed,
      sig::kReprovisionNeeded,
  };
  return kAll;
}

const Signature* FindSignature(int id) {
  for (const Signature& s : AllSignatures())
    if (s.id == id) return &s;
  return nullptr;
}

Alert MakeAlert(const Signature& s) {
  Alert a;
  a.signature = std::string(s.name);
  a.signature_id = s.id;
  a.severity = s.severity;
  a.category = std::string(s.category);
  a.rev = s.rev;
  a.action = s.action;
  return a;
}

}  // namespace vigil::ids
