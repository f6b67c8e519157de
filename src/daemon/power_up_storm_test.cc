// A ward switched on at once, against the real gateway over loopback UDP (`vigil flood
// --mode storm` with a few hundred devices, a few seconds): every device associates and
// the gateway raises no alert. Bounded: 127.0.0.1 only, a private temporary directory,
// a deadline; what is asserted does not depend on the machine's speed (a slow machine
// makes devices retry, and retries are not an attack).
#include <gtest/gtest.h>

#include <string>

#include "common/test_temp_dir.h"
#include "daemon/flood_harness.h"

namespace vigil {
namespace {

// Before: a 1,000-device storm raised "burst of out-of-state messages" (late copies of
// the devices' own answers) and "association requests overall" (their retransmitted
// requests), and blocked devices whose late answer met their next request.
TEST(PowerUpStorm, WardOfDevicesSwitchedOnAtOnceAssociatesWithoutAnyAlert) {
  testing::TempDir parent;
  FloodOptions o;
  o.storm_devices = 200;
  o.storm_deadline = 30 * kSeconds;
  o.temp_parent = parent.path();
  o.device_store_parent = parent.path();  // the test's own directory, removed after
  const FloodModeReport r = RunFloodMode(o, FloodMode::kStorm);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.storm_associated, o.storm_devices);
  EXPECT_GT(r.storm_all_ms, 0);
  EXPECT_GT(r.storm_floor_ms, 0);
  EXPECT_EQ(r.alert_lines, 0u);
  for (const auto& [signature, n] : r.alerts_by_signature) ADD_FAILURE() << signature << ": " << n;
  EXPECT_EQ(r.stats.blocked_dropped, 0u);
}

}  // namespace
}  // namespace vigil
