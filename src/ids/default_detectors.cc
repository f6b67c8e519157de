#include "ids/default_detectors.h"

#include <memory>

#include "ids/detectors/auth_failure.h"
#include "ids/detectors/behaviour_anomaly.h"
#include "ids/detectors/broadcast_forgery.h"
#include "ids/detectors/brute_force.h"
#include "ids/detectors/dropped_input.h"
#include "ids/detectors/flooding.h"
#include "ids/detectors/identity_theft.h"
#include "ids/detectors/malformed.h"
#include "ids/detectors/replay.h"
#include "ids/detectors/restored_registry.h"

namespace vigil::ids {

std::string RegisterDefaultDetectors(Engine& engine, const IdsConfig& config) {
  std::string error = config.Validate();
  if (!error.empty()) return error;
  const size_t keys = config.max_tracked_keys;
  engine.SetRateLimit(config.rate_limit, keys);
  if (config.identity_theft.enabled) {
    engine.Register(std::make_unique<IdentityTheftDetector>(config.identity_theft, keys));
  }
  if (config.auth_failure.enabled) {
    engine.Register(std::make_unique<AuthFailureDetector>(config.auth_failure, keys));
  }
  if (config.brute_force.enabled) {
    engine.Register(std::make_unique<BruteForceDetector>(config.brute_force, keys));
  }
  if (config.replay.enabled) {
    engine.Register(std::make_unique<ReplayDetector>(config.replay, keys));
  }
  if (config.flooding.enabled) {
    engine.Register(std::make_unique<FloodingDetector>(config.flooding, keys));
  }
  if (config.broadcast_forgery.enabled) {
    engine.Register(std::make_unique<BroadcastForgeryDetector>(config.broadcast_forgery, keys));
  }
  if (config.dropped_input.enabled) {
    engine.Register(std::make_unique<DroppedInputDetector>(config.dropped_input, keys));
  }
  if (config.malformed.enabled) {
    engine.Register(std::make_unique<MalformedDetector>(config.malformed, keys));
  }
  if (config.behaviour.enabled) {
    engine.Register(std::make_unique<BehaviourAnomalyDetector>(config.behaviour, keys));
  }
  if (config.restored_registry.enabled) {
    engine.Register(std::make_unique<RestoredRegistryDetector>(config.restored_registry, keys));
  }
  return {};
}

}  // namespace vigil::ids
