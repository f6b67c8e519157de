// Transport attacks against the real gateway over loopback UDP (docs/flood.md), each a
// regression test named after the attack: an attacker who holds no secret sends forged
// frames in enrolled devices' names from many source ports while associated devices keep
// sending data, and restarted devices associate through it. Bounded: a handful of
// devices, a flood of at most a few seconds and tens of thousands of packets, 127.0.0.1
// only, everything in a private temporary directory. What is asserted is the outcome for
// the honest devices, not a speed: the attacker is paced (10,000 packets a second, well
// below what the gateway refuses on one core), so that a loaded test machine does not
// turn the test into a measure of kernel drops; `vigil flood` measures the full rate.
#include <gtest/gtest.h>

#include <string>

#include "common/test_temp_dir.h"
#include "daemon/flood_harness.h"

namespace vigil {
namespace {

FloodOptions UnderAttack(const std::string& parent) {
  FloodOptions o;
  o.devices = 8;   // enrolled: every one of them is a target
  o.honest = 5;    // associated and sending
  o.restarts = 2;  // of them: restarted during the flood (a new source port each)
  o.report_interval_ms = 20;
  o.assoc_deadline = 5 * kSeconds;  // generous: a loaded test machine is not a failure
  o.baseline_spacing = 50 * kMillis;
  o.sockets = 64;
  o.batch = 16;
  o.duration = 2 * kSeconds;
  o.max_packets = 30'000;
  o.rate = 10'000;  // paced: the flood lasts its two seconds, the gateway keeps up
  o.temp_parent = parent;
  return o;
}

// What every transport attack must leave intact.
void ExpectHonestDevicesUntouched(const FloodOptions& o, const FloodModeReport& r) {
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.attacked);
  EXPECT_GT(r.attack.sent, 1000u) << "the attack did not run";
  EXPECT_EQ(r.honest_ready, o.honest);
  // Restarted devices associate through the flood (a new port each: never blocked).
  EXPECT_EQ(r.loaded.attempts, o.restarts);
  EXPECT_EQ(r.loaded.succeeded, o.restarts);
  // Associated devices keep their sessions and at least 99% of their data verified: a
  // device whose endpoint was blocked, or whose session was ended, loses all of it.
  EXPECT_GT(r.data_sent, 100u);
  EXPECT_GE(r.verified_share(), 0.99)
      << r.data_verified << " of " << r.data_sent << "; kernel drops " << r.rx_drops << ", blocked "
      << r.stats.blocked_dropped << ", load " << r.load_average;
  EXPECT_GE(r.min_device_share, 0.99);
  EXPECT_EQ(r.steady_below_half, 0);
  EXPECT_EQ(r.steady_reassociated, 0) << "a steady device lost its session";
  // No alert calls an honest device an impostor (the attacker's own sources may be
  // blocked and named: that is right).
  EXPECT_FALSE(r.honest_ports.empty());
  EXPECT_EQ(r.identity_alerts_on_honest, 0u);
}

TEST(TransportAttack, ForgedRequestsForAnEnrolledUidFromManyPortsNeverCutOffTheDevice) {
  testing::TempDir parent;
  FloodOptions o = UnderAttack(parent.path());
  o.ports = 3000;  // sockets replaced over the flood: ever new source ports
  const FloodModeReport r = RunFloodMode(o, FloodMode::kPorts);
  ExpectHonestDevicesUntouched(o, r);
  EXPECT_GT(r.attack.distinct_ports, static_cast<uint64_t>(o.sockets));
}

TEST(TransportAttack, ForgedAnswersInEnrolledDevicesNamesNeverCutOffTheDevice) {
  testing::TempDir parent;
  const FloodOptions o = UnderAttack(parent.path());
  const FloodModeReport r = RunFloodMode(o, FloodMode::kEnrolledUids);
  ExpectHonestDevicesUntouched(o, r);
}

TEST(TransportAttack, ForgedDataInAssociatedDevicesNamesNeverCostsThemAFrame) {
  testing::TempDir parent;
  const FloodOptions o = UnderAttack(parent.path());
  const FloodModeReport r = RunFloodMode(o, FloodMode::kData);
  ExpectHonestDevicesUntouched(o, r);
}

}  // namespace
}  // namespace vigil
