#include "connection/events.h"

namespace vigil {

std::string_view EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kAssociated:
      return "associated";
    case EventKind::kAssociationFailed:
      return "association_failed";
    case EventKind::kAssociationRefused:
      return "association_refused";
    case EventKind::kDisassociated:
      return "disassociated";
    case EventKind::kDataReceived:
      return "data_received";
    case EventKind::kBroadcastReceived:
      return "broadcast_received";
    case EventKind::kKeyUpdated:
      return "key_updated";
    case EventKind::kPersist:
      return "persist";
    case EventKind::kMalformedFrame:
      return "malformed_frame";
    case EventKind::kUnknownDevice:
      return "unknown_device";
    case EventKind::kAuthFailed:
      return "auth_failed";
    case EventKind::kCpanAuthFailed:
      return "cpan_auth_failed";
    case EventKind::kFrameTagInvalid:
      return "frame_tag_invalid";
    case EventKind::kReplay:
      return "replay";
    case EventKind::kUnexpectedMessage:
      return "unexpected_message";
    case EventKind::kUnsolicitedAuthRequest:
      return "unsolicited_auth_request";
    case EventKind::kUnsolicitedAnswer:
      return "unsolicited_answer";
    case EventKind::kDuplicateAnswer:
      return "duplicate_answer";
    case EventKind::kConfirmationPassed:
      return "confirmation_passed";
    case EventKind::kConfirmationFailed:
      return "confirmation_failed";
    case EventKind::kIdentityConflict:
      return "identity_conflict";
    case EventKind::kBroadcastForgery:
      return "broadcast_forgery";
    case EventKind::kRateLimited:
      return "rate_limited";
    case EventKind::kBlockedSource:
      return "blocked_source";
    case EventKind::kAssociationAttempt:
      return "association_attempt";
    case EventKind::kDowngrade:
      return "downgrade";
    case EventKind::kReprovisionNeeded:
      return "reprovision_needed";
    case EventKind::kBadTelemetry:
      return "bad_telemetry";
  }
  return "unknown";
}

bool IsSecurityEvent(EventKind k) { return k >= EventKind::kMalformedFrame; }

}  // namespace vigil
