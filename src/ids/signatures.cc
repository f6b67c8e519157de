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
  };
  return kAll;
}

Alert MakeAlert(const Signature& s) {
  Alert a;
  a.signature = std::string(s.name);
  a.signature_id = s.id;
  a.severity = s.severity;
  a.category = std::string(s.category);
  return a;
}

}  // namespace vigil::ids
