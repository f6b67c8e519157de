// The catalogue of alert signatures: one stable number, name, Suricata classification,
// severity, revision and action per rule. Numbers are part of the log format (SIEM rules
// key on them): never renumber, only append. Vigil uses the 9'100'000 block, which is
// outside the ranges the public Suricata rule sets use.
//
// `category` is the description of a classtype of Suricata's etc/classification.config
// and `severity` is that classtype's priority, as Suricata itself derives it (checked by
// signatures_test.cc against a copy of the classtypes we use). A rule whose category or
// severity changes gets its `rev` bumped.
#pragma once

#include <span>
#include <string_view>

#include "ids/alert.h"

namespace vigil::ids {

struct Signature {
  int id;
  std::string_view name;
  std::string_view category;
  int severity;  // 1 high .. 3 low: the priority of `category`
  int rev = 1;
  // kBlocked when the evidence is an input the core refused or dropped.
  AlertAction action = AlertAction::kAllowed;
};

namespace sig {
// identity_theft (v3 duplicate-answer / confirmation protocol)
inline constexpr Signature kConfirmationFailed{
    9100001,
    "VIGIL IDENTITY impersonation: confirmation (common function) failed",
    "Attempted User Privilege Gain",
    1,
    1,
    AlertAction::kBlocked};
inline constexpr Signature kIdentityConflict{
    9100002,
    "VIGIL IDENTITY cloned device: two parties prove one identity",
    "Successful User Privilege Gain",
    1,
    1,
    AlertAction::kBlocked};
inline constexpr Signature kUnresolvedChallenge{
    9100003, "VIGIL IDENTITY duplicate answer not resolved by confirmation",
    "Potentially Bad Traffic", 2, 2};
// auth_failure
inline constexpr Signature kAuthFailed{9100010,
                                       "VIGIL AUTH device authentication failed",
                                       "Potentially Bad Traffic",
                                       2,
                                       2,
                                       AlertAction::kBlocked};
inline constexpr Signature kRogueCoordinator{9100011,
                                             "VIGIL AUTH coordinator proof failed (rogue CPAN)",
                                             "Misc Attack",
                                             2,
                                             2,
                                             AlertAction::kBlocked};
// replay
inline constexpr Signature kReplay{9100020,
                                   "VIGIL REPLAY replayed or regressed frame counter",
                                   "Potentially Bad Traffic",
                                   2,
                                   1,
                                   AlertAction::kBlocked};
// flooding
inline constexpr Signature kAssociationFloodLink{9100030,
                                                 "VIGIL FLOOD association requests from one source",
                                                 "Detection of a Denial of Service Attack", 2};
inline constexpr Signature kAssociationFloodTotal{9100031,
                                                  "VIGIL FLOOD association requests overall",
                                                  "Detection of a Denial of Service Attack", 2};
inline constexpr Signature kRateLimited{9100032,
                                        "VIGIL FLOOD input dropped by rate limiter",
                                        "Detection of a Denial of Service Attack",
                                        2,
                                        1,
                                        AlertAction::kBlocked};
// brute_force
inline constexpr Signature kBruteForceDevice{9100040,
                                             "VIGIL BRUTEFORCE OTP guessing against one device",
                                             "Attempted User Privilege Gain",
                                             1,
                                             1,
                                             AlertAction::kBlocked};
inline constexpr Signature kBruteForceSource{9100041,
                                             "VIGIL BRUTEFORCE OTP guessing from one source",
                                             "Attempted User Privilege Gain",
                                             1,
                                             1,
                                             AlertAction::kBlocked};
// broadcast_forgery
inline constexpr Signature kBroadcastForgery{9100050,
                                             "VIGIL BROADCAST forged broadcast frame",
                                             "Attempted Administrator Privilege Gain",
                                             1,
                                             2,
                                             AlertAction::kBlocked};
inline constexpr Signature kBroadcastEpochMismatch{
    9100051,
    "VIGIL BROADCAST frame under a stale or future key epoch",
    "Misc activity",
    3,
    2,
    AlertAction::kBlocked};
// malformed
inline constexpr Signature kMalformedBurst{9100060,
                                           "VIGIL ANOMALY burst of malformed frames",
                                           "Generic Protocol Command Decode",
                                           3,
                                           1,
                                           AlertAction::kBlocked};
inline constexpr Signature kUnknownDeviceBurst{9100061,
                                               "VIGIL ANOMALY burst of frames from unknown devices",
                                               "Detection of a Network Scan",
                                               3,
                                               1,
                                               AlertAction::kBlocked};
inline constexpr Signature kFrameTagBurst{9100062,
                                          "VIGIL ANOMALY burst of invalid frame tags",
                                          "Potentially Bad Traffic",
                                          2,
                                          2,
                                          AlertAction::kBlocked};
inline constexpr Signature kProtocolAnomalyBurst{9100063,
                                                 "VIGIL ANOMALY burst of out-of-state messages",
                                                 "Generic Protocol Command Decode",
                                                 3,
                                                 1,
                                                 AlertAction::kBlocked};
// behaviour_anomaly
inline constexpr Signature kImpossibleTravel{
    9100070, "VIGIL BEHAVIOUR impossible travel: device active at two coordinators",
    "Successful User Privilege Gain", 1};
inline constexpr Signature kDataRateAnomaly{
    9100071, "VIGIL BEHAVIOUR data rate far above the device's baseline", "Potentially Bad Traffic",
    2};
inline constexpr Signature kReassociationStorm{
    9100072, "VIGIL BEHAVIOUR re-associations far above the device's baseline",
    "Potentially Bad Traffic", 2};
// dropped input (dropped_input.h)
inline constexpr Signature kDowngrade{
    9100080,
    "VIGIL DOWNGRADE integrity-only frame in an encrypted session",
    "Potentially Bad Traffic",
    2,
    1,
    AlertAction::kBlocked};
inline constexpr Signature kBlockedSourceDropped{
    9100081,
    "VIGIL BLOCKED frames from a blocked source dropped",
    "Misc activity",
    3,
    1,
    AlertAction::kBlocked};
inline constexpr Signature kBadTelemetry{
    9100082,
    "VIGIL TELEMETRY invalid reading pack or impossible value from an authenticated device",
    "Potentially Bad Traffic",
    2,
    1,
    AlertAction::kBlocked};
// the engine's rate limiter (rate_limiter.h): one summary per signature and period
inline constexpr Signature kAlertsSuppressed{
    9100090, "VIGIL IDS alerts suppressed by the rate limit", "Misc activity", 3};
// restored_registry (restored_registry.h): an operator's task, not an intrusion
inline constexpr Signature kReprovisionNeeded{
    9100100, "VIGIL PROVISIONING device behind a restored registry: re-provision it",
    "Misc activity", 3};
}  // namespace sig

// Every signature above, ordered by id (for listings and tests).
std::span<const Signature> AllSignatures();

// The signature with this id, or nullptr.
const Signature* FindSignature(int id);

// An alert pre-filled from a signature (name, category, severity, rev, action); the caller adds
// time, identities and detail.
Alert MakeAlert(const Signature& s);

}  // namespace vigil::ids
