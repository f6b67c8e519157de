// Alert signatures of the cloud API's IDS, in the block 9100200..9100299 of Vigil's
// 9'100'000 range (src/ids/signatures.h holds the gateway's; numbers are never reused).
// Same rules as there: category is a Suricata classtype description, severity its
// priority, action fixed per signature (docs/access-control.md, "Alerts").
#pragma once

#include <span>

#include "ids/signatures.h"

namespace vigil::guard {

namespace sig {
inline constexpr ids::Signature kOutsideAssignment{
    9100200, "VIGIL API user accessed many patients outside their assignment",
    "Attempted Information Leak", 2};
inline constexpr ids::Signature kServiceNewRoute{
    9100201, "VIGIL API service account called a route outside its baseline",
    "Potentially Bad Traffic", 2};
inline constexpr ids::Signature kUnusualHour{
    9100202, "VIGIL API access at an unusual hour for this user", "Misc activity", 3};
inline constexpr ids::Signature kBreakGlassUse{
    9100203, "VIGIL API break-glass access to a patient record", "Attempted Information Leak", 2};
inline constexpr ids::Signature kBreakGlassOpened{9100204, "VIGIL API break-glass grant opened",
                                                  "Attempted Information Leak", 2};
inline constexpr ids::Signature kBruteForceAccount{
    9100205,
    "VIGIL API repeated login failures for one account",
    "Attempted User Privilege Gain",
    1,
    1,
    ids::AlertAction::kBlocked};
inline constexpr ids::Signature kBruteForceSource{
    9100206,
    "VIGIL API repeated login failures from one source",
    "Attempted User Privilege Gain",
    1,
    1,
    ids::AlertAction::kBlocked};
inline constexpr ids::Signature kRateLimited{9100207,
                                             "VIGIL API client over its rate limit",
                                             "Detection of a Denial of Service Attack",
                                             2,
                                             1,
                                             ids::AlertAction::kBlocked};
inline constexpr ids::Signature kForgedToken{9100208,
                                             "VIGIL API forged or algorithm-confused access token",
                                             "Attempted User Privilege Gain",
                                             1,
                                             1,
                                             ids::AlertAction::kBlocked};
}  // namespace sig

std::span<const ids::Signature> AllApiSignatures();

}  // namespace vigil::guard
