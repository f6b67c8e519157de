// The alert signatures of the gateway's downlink (docs/uplink.md, "Downlink"), in
// Vigil's 9'100'000 block beside the IDS's (ids/signatures.h) and the API's
// (cloud/guard/api_signatures.h): a command the gateway refused is a security event.
#pragma once

#include "ids/signatures.h"

namespace vigil::downlink_sig {

// A line on the command topic that the cloud's key did not sign (or that no longer says
// what was signed), one signed for another gateway, or one reusing an accepted nonce:
// someone who can publish there is trying to make the gateway act.
inline constexpr ids::Signature kCommandForged{
    9100300,
    "VIGIL DOWNLINK command refused: forged, misaddressed or reused nonce",
    "Attempted Administrator Privilege Gain",
    1,
    1,
    ids::AlertAction::kBlocked};
// A signed command out of its time (expired, or issued in the future beyond the clock
// skew), or one already executed arriving again: a replay, or the cloud re-sending a
// command whose acknowledgement it did not receive (then acknowledged again, never
// executed twice).
inline constexpr ids::Signature kCommandReplayed{
    9100301,
    "VIGIL DOWNLINK command refused: replayed, expired or not yet valid",
    "Potentially Bad Traffic",
    2,
    1,
    ids::AlertAction::kBlocked};

}  // namespace vigil::downlink_sig
