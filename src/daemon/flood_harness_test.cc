// The flood harness's own accounting, with small counts (a few seconds): without an
// attacker every restart associates and every data frame sent is verified; the attacker
// sends exactly the packets asked for; nothing but 127.0.0.1 is accepted. Not a speed
// test: no figure here depends on how fast the machine is.
#include "daemon/flood_harness.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/test_temp_dir.h"

namespace vigil {
namespace {

FloodOptions Small(const std::string& parent) {
  FloodOptions o;
  o.devices = 5;
  o.honest = 4;
  o.restarts = 2;
  o.report_interval_ms = 50;
  o.assoc_deadline = 5 * kSeconds;  // generous: a loaded test machine is not a failure
  o.baseline_spacing = 50 * kMillis;
  o.sockets = 8;
  o.batch = 8;
  o.duration = 600 * kMillis;
  o.max_packets = 2000;
  o.temp_parent = parent;
  return o;
}

bool Empty(const std::string& dir) { return std::filesystem::is_empty(std::filesystem::path(dir)); }

TEST(FloodHarness, WithoutAnAttackerEveryRestartAssociatesAndEveryFrameIsVerified) {
  testing::TempDir parent;
  const FloodOptions o = Small(parent.path());
  const FloodModeReport r = RunFloodMode(o, FloodMode::kNone);
  ASSERT_EQ(r.error, "");
  EXPECT_FALSE(r.attacked);
  EXPECT_EQ(r.honest_ready, o.honest);
  EXPECT_EQ(r.unloaded.attempts, o.restarts);
  EXPECT_EQ(r.unloaded.succeeded, o.restarts);
  EXPECT_EQ(r.loaded.attempts, o.restarts);
  EXPECT_EQ(r.loaded.succeeded, o.restarts);
  EXPECT_EQ(r.loaded.success_share(), 1.0);
  EXPECT_GT(r.loaded.median_ms, 0);
  EXPECT_GE(r.loaded.p95_ms, r.loaded.median_ms);
  EXPECT_EQ(r.steady, o.honest - o.restarts);
  EXPECT_GT(r.data_sent, 0u);
  EXPECT_EQ(r.data_verified, r.data_sent);
  EXPECT_EQ(r.verified_share(), 1.0);
  EXPECT_EQ(r.min_device_share, 1.0);
  EXPECT_EQ(r.steady_below_half, 0);
  EXPECT_EQ(r.steady_reassociated, 0);
  EXPECT_GT(r.data_sent_before, 0u);
  EXPECT_EQ(r.data_verified_before, r.data_sent_before);
  EXPECT_EQ(r.alert_lines, 0u);
  EXPECT_GT(r.log_lines, 0u);
  EXPECT_GT(r.peak_rss_kb, 0u);
  EXPECT_GT(r.cpu_total_seconds, 0.0);
  EXPECT_TRUE(Empty(parent.path())) << "the temporary directory is removed";
}

TEST(FloodHarness, AttackerSendsExactlyThePacketsAskedAndStopsByItself) {
  testing::TempDir parent;
  FloodOptions o = Small(parent.path());
  o.duration = 1500 * kMillis;  // the packet bound ends it long before
  const FloodModeReport r = RunFloodMode(o, FloodMode::kRandomUids);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.attacked);
  EXPECT_EQ(r.attack.sent, o.max_packets);
  EXPECT_EQ(r.attack.sockets_opened, static_cast<uint64_t>(o.sockets));
  EXPECT_EQ(r.attack.distinct_ports, static_cast<uint64_t>(o.sockets));
  EXPECT_LT(r.attack.elapsed, o.duration);
  // Every datagram sent was read by the gateway or dropped by its socket.
  EXPECT_GE(r.stats.frames_in + r.rx_drops, r.attack.sent);
  // The JSON names every mode it ran, with the same count.
  const auto j = nlohmann::json::parse(FloodReportJson(o, {r}));
  EXPECT_EQ(j["modes"][0]["mode"], "random-uids");
  EXPECT_EQ(j["modes"][0]["attack"]["packets_sent"], o.max_packets);
  EXPECT_NE(FormatFloodTable(o, {r}).find("random-uids"), std::string::npos);
  EXPECT_TRUE(Empty(parent.path()));
}

TEST(FloodHarness, AttackerAloneCountsWhatItSentAndWhatCameBack) {
  // A plain socket stands in for the gateway and echoes every datagram.
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  AttackPlan plan;
  plan.kind = AttackKind::kEnrolledUids;
  plan.target.len = sizeof(a);
  std::memcpy(&plan.target.addr, &a, sizeof(a));
  plan.cpan_uid = 0x00124b0000c0ffee;
  plan.targets = {1, 2, 3};
  plan.enrolled = plan.targets;
  plan.sockets = 4;
  plan.batch = 9;
  plan.max_packets = 300;
  std::atomic<bool> stop{false};
  const AttackResult r = RunAttack(plan, stop);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.sent, 300u);
  EXPECT_EQ(r.sockets_opened, 4u);
  close(fd);
}

TEST(FloodHarness, AnyAddressButLoopbackIsRefused) {
  FloodOptions o = Small("");
  o.address = "10.0.0.5";
  const FloodModeReport r = RunFloodMode(o, FloodMode::kRandomUids);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
  AttackPlan plan;
  auto ep = Endpoint::Parse("10.0.0.5:47110");
  ASSERT_TRUE(ep.ok());
  plan.target = *ep;
  std::atomic<bool> stop{false};
  EXPECT_NE(RunAttack(plan, stop).error.find("refused"), std::string::npos);
  auto v6 = Endpoint::Parse("[::1]:47110");
  ASSERT_TRUE(v6.ok());
  plan.target = *v6;
  EXPECT_NE(RunAttack(plan, stop).error.find("refused"), std::string::npos);
}

TEST(FloodHarness, PercentileIsNearestRank) {
  std::vector<double> v = {5, 1, 4, 2, 3};
  EXPECT_EQ(Percentile(v, 50), 3);
  EXPECT_EQ(Percentile(v, 95), 5);
  EXPECT_EQ(Percentile(v, 0), 1);
  std::vector<double> none;
  EXPECT_EQ(Percentile(none, 50), -1);
}

}  // namespace
}  // namespace vigil
