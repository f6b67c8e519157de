// The standard detector set, registered apart from the engine so that a deployment (or a
// test) can run any subset, or add its own detectors beside them.
#pragma once

#include <string>

#include "ids/engine.h"
#include "ids/ids_config.h"

namespace vigil::ids {

// Registers every detector enabled in `config`, in a fixed order (so alert order is
// reproducible): identity_theft, auth_failure, brute_force, replay, flooding,
// broadcast_forgery, malformed, behaviour_anomaly; and sets the engine's rate limit to
// config.rate_limit (Engine::SetRateLimit).
// Returns an empty string on success; if config.Validate() fails, registers nothing and
// returns its message.
std::string RegisterDefaultDetectors(Engine& engine, const IdsConfig& config);

}  // namespace vigil::ids
