// Events that the protocol cores hand to their driver (PollEvent).
//
// One flat, fixed-size record so that the device core can queue them without a heap.
// Two kinds share it: protocol progress (associated, data received, ...) and *security
// events*: remote misbehaviour a core observed. Security events are what the IDS engine
// (src/ids) consumes; they carry event time, never wall time.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "common/time.h"

namespace vigil {

enum class EventKind : uint8_t {
  // ---- protocol progress ----
  kAssociated,          // session established (uid, short_addr)
  kAssociationFailed,   // device side: gave up or was refused (error says why)
  kAssociationRefused,  // coordinator side: refused an attempt (error says why)
  kDisassociated,       // session torn down (revocation, reboot, re-association)
  kDataReceived,        // an authenticated unicast payload (data, data_len)
  kBroadcastReceived,   // an authenticated broadcast payload
  kKeyUpdated,          // broadcast key epoch changed (counter = new epoch)
  kPersist,             // state must be written to stable storage before what follows is sent
  kAssociationAttempt,  // coordinator: an association request was received
  kConfirmationPassed,  // coordinator: a confirmation answer verified
  // ---- security events: remote misbehaviour ----
  kMalformedFrame,          // undecodable frame (error: malformed/truncated/oversized/...)
  kUnknownDevice,           // a Uid that is not enrolled
  kAuthFailed,              // OTP / authentication tag wrong (coordinator side)
  kCpanAuthFailed,          // device side: the coordinator's proof failed (rogue CPAN)
  kFrameTagInvalid,         // unicast data frame MAC / AEAD tag wrong
  kReplay,                  // counter already seen or below the window
  kUnexpectedMessage,       // well-formed but out of state (e.g. stray auth answer)
  kUnsolicitedAuthRequest,  // device side: auth request it did not ask for (v3)
  kUnsolicitedAnswer,       // coordinator: an answer flagged "I did not ask" (v3)
  kDuplicateAnswer,         // coordinator: two distinct answers for one identity (v3)
  kConfirmationFailed,      // coordinator: wrong or missing confirmation answer
  kIdentityConflict,        // coordinator: two parties both prove the identity (clone)
  kBroadcastForgery,        // broadcast frame whose tag/signature fails
  kRateLimited,             // input dropped by a limiter (flooding, battery drain)
  kBlockedSource,           // frame from a source blocked after an intrusion verdict
  kDowngrade,               // a data frame with less protection than its session requires
  // coordinator: a confirmation failed for a device whose directory entry may be older
  // than the device (restored from a backup): re-provision it (not an impostor verdict)
  kReprovisionNeeded,
  kBadTelemetry,            // edge: an authenticated payload that is not a valid reading pack, or a
                            // value no body or device of its kind can give (error: kMalformed, ...)
};

std::string_view EventKindName(EventKind k);
bool IsSecurityEvent(EventKind k);

inline constexpr size_t kMaxEventData = 104;

struct Event {
  EventKind kind = EventKind::kAssociated;
  Error error = Error::kOk;
  TimeUs time = 0;
  uint64_t uid = 0;       // identity concerned (as claimed on the air)
  uint64_t observer = 0;  // uid of the node that observed it (CPAN or device)
  uint64_t link = 0;      // driver's opaque source token (UDP endpoint, radio node); 0 = none
  uint8_t version = 0;    // protocol version byte of the frame, if any
  uint8_t msg_type = 0;   // message type of the frame, if any
  uint16_t short_addr = 0;
  uint32_t counter = 0;  // frame counter / epoch where relevant
  uint8_t data_len = 0;
  std::array<uint8_t, kMaxEventData> data{};
};

}  // namespace vigil
