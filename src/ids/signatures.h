// The catalogue of alert signatures: one stable number, name, Suricata classification and
// default severity per rule. Numbers are part of the log format (SIEM rules key on them):
// never renumber, only append. Vigil uses the 9'100'000 block, which is outside the ranges
// the public Suricata rule sets use.
#pragma once

#include <span>
#include <string_view>

#include "ids/alert.h"

namespace vigil::ids {

struct Signature {
  int id;
  std::string_view name;
  std::string_view category;
  int severity;  // 1 high .. 3 low
};

namespace sig {
// identity_theft (v3 duplicate-answer / confirmation protocol)
inline constexpr Signature kConfirmationFailed{
    9100001, "VIGIL IDENTITY impersonation: confirmation (common function) failed",
    "Attempted User Privilege Gain", 1};
inline constexpr Signature kIdentityConflict{
    9100002, "VIGIL IDENTITY cloned device: two parties prove one identity",
    "Successful User Privilege Gain", 1};
inline constexpr Signature kUnresolvedChallenge{
    9100003, "VIGIL IDENTITY duplicate answer not resolved by confirmation",
    "Attempted User Privilege Gain", 2};
// auth_failure
inline constexpr Signature kAuthFailed{9100010, "VIGIL AUTH device authentication failed",
                                       "Attempted User Privilege Gain", 2};
inline constexpr Signature kRogueCoordinator{9100011,
                                             "VIGIL AUTH coordinator proof failed (rogue CPAN)",
                                             "Attempted User Privilege Gain", 2};
// replay
inline constexpr Signature kReplay{9100020, "VIGIL REPLAY replayed or regressed frame counter",
                                   "Potentially Bad Traffic", 2};
// flooding
inline constexpr Signature kAssociationFloodLink{9100030,
                                                 "VIGIL FLOOD association requests from one source",
                                                 "Detection of a Denial of Service Attack", 2};
inline constexpr Signature kAssociationFloodTotal{9100031,
                                                  "VIGIL FLOOD association requests overall",
                                                  "Detection of a Denial of Service Attack", 2};
inline constexpr Signature kRateLimited{9100032, "VIGIL FLOOD input dropped by rate limiter",
                                        "Detection of a Denial of Service Attack", 2};
// brute_force
inline constexpr Signature kBruteForceDevice{9100040,
                                             "VIGIL BRUTEFORCE OTP guessing against one device",
                                             "Attempted User Privilege Gain", 1};
inline constexpr Signature kBruteForceSource{
    9100041, "VIGIL BRUTEFORCE OTP guessing from one source", "Attempted User Privilege Gain", 1};
// broadcast_forgery
inline constexpr Signature kBroadcastForgery{9100050, "VIGIL BROADCAST forged broadcast frame",
                                             "Misc Attack", 1};
inline constexpr Signature kBroadcastEpochMismatch{
    9100051, "VIGIL BROADCAST frame under a stale or future key epoch", "Potentially Bad Traffic",
    3};
// malformed
inline constexpr Signature kMalformedBurst{9100060, "VIGIL ANOMALY burst of malformed frames",
                                           "Generic Protocol Command Decode", 3};
inline constexpr Signature kUnknownDeviceBurst{9100061,
                                               "VIGIL ANOMALY burst of frames from unknown devices",
                                               "Detection of a Network Scan", 3};
inline constexpr Signature kFrameTagBurst{9100062, "VIGIL ANOMALY burst of invalid frame tags",
                                          "Potentially Bad Traffic", 3};
inline constexpr Signature kProtocolAnomalyBurst{
    9100063, "VIGIL ANOMALY burst of out-of-state messages", "Generic Protocol Command Decode", 3};
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
}  // namespace sig

// Every signature above, ordered by id (for listings and tests).
std::span<const Signature> AllSignatures();

// An alert pre-filled from a signature (severity, name, category); the caller adds
// time, identities and detail.
Alert MakeAlert(const Signature& s);

}  // namespace vigil::ids
