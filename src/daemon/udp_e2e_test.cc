// End to end over real UDP sockets on loopback: a gateway, 20 devices, an external
// intruder holding a device's stolen Uid, username and password, and an internal intruder
// (an enrolled device claiming another's identity), under v3 paper-exact and hardened.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/hex.h"
#include "daemon/udp_demo.h"
#include "ids/eve_schema_check.h"
#include "ids/signatures.h"

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
  // No alert names an honest device that nobody impersonated (a rate-limit summary names
  // the devices of the alerts it stands for).
  auto victim = [&](uint64_t uid) { return uid == r.external_victim || uid == r.internal_victim; };
  for (const UdpDemoAlert& a : r.alerts) {
    if (a.signature == ids::sig::kAlertsSuppressed.name) continue;
    EXPECT_TRUE(victim(a.uid)) << a.eve;
  }
  // The alert file holds the same alerts as EVE JSON lines that Suricata's schema accepts,
  // with the UDP endpoints of the evidence.
  const std::string path = std::string(tmpl) + "/alerts.eve.json";
  size_t lines = 0;
  EXPECT_EQ(ids::CheckEveFile(path, &lines), "");
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    const auto& v = j["metadata"]["flowvars"][0]["vigil"];
    if (j["alert"]["signature_id"] == ids::sig::kAlertsSuppressed.id) {
      for (const auto& d : v["suppressed"]["devices"])
        EXPECT_TRUE(victim(*UidFromString(d.get<std::string>()))) << line;
      continue;
    }
    EXPECT_EQ(j["dest_ip"], "127.0.0.1") << line;
    EXPECT_EQ(j["proto"], "UDP") << line;
    if (j.contains("src_ip")) {
      EXPECT_EQ(j["src_ip"], "127.0.0.1") << line;
    }
  }
  EXPECT_EQ(lines, r.alerts.size());
  EXPECT_GT(lines, 0u);
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
