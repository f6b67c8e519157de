// End to end over real UDP sockets on loopback: a gateway, 20 devices, an external
// intruder holding a device's stolen Uid, username and password, and an internal intruder
// (an enrolled device claiming another's identity), under v3 paper-exact and hardened.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "daemon/udp_demo.h"

namespace vigil {
namespace {

class UdpEndToEnd : public ::testing::TestWithParam<wire::Version> {};

TEST_P(UdpEndToEnd, DevicesAssociateAndIntrudersAreRefusedAndAlerted) {
  char tmpl[] = "/tmp/vigil-e2e-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  UdpDemoOptions o;
  o.protocol.version = GetParam();
  o.protocol.confirm = DefaultConfirmPolicy(GetParam());
  o.devices = 20;
  o.duration = 6 * kSeconds;
  o.intruders_at = 2 * kSeconds;
  o.work_dir = tmpl;
  UdpDemoOutcome r = RunUdpDemo(o);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.devices_associated, 20);
  EXPECT_GE(r.data_frames, 20u * 4);  // every device reported several times
  EXPECT_FALSE(r.external_ever_associated);
  EXPECT_FALSE(r.internal_ever_associated);
  EXPECT_TRUE(r.AlertedFor(r.external_victim));
  EXPECT_TRUE(r.AlertedFor(r.internal_victim));
  // No alert names an honest device that nobody impersonated.
  for (const UdpDemoAlert& a : r.alerts)
    EXPECT_TRUE(a.uid == r.external_victim || a.uid == r.internal_victim) << a.eve;
  // The alert file holds the same alerts as EVE JSON lines with the required fields.
  std::ifstream in(std::string(tmpl) + "/alerts.eve.json");
  std::string line;
  size_t lines = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["event_type"], "alert");
    for (const char* f : {"timestamp", "src", "dest", "device_uid"})
      EXPECT_TRUE(j.contains(f)) << f;
    EXPECT_TRUE(j["alert"].contains("signature"));
    EXPECT_TRUE(j["alert"].contains("severity"));
    ++lines;
  }
  EXPECT_EQ(lines, r.alerts.size());
  std::filesystem::remove_all(tmpl);
}

INSTANTIATE_TEST_SUITE_P(Versions, UdpEndToEnd,
                         ::testing::Values(wire::Version::kV3Paper, wire::Version::kHardened),
                         [](const auto& p) {
                           return p.param == wire::Version::kHardened ? std::string("hardened")
                                                                      : std::string("v3_paper");
                         });

}  // namespace
}  // namespace vigil
