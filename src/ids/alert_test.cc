#include "ids/alert.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ids/eve_schema_check.h"
#include "ids/signatures.h"

namespace vigil::ids {
namespace {

Alert SampleAlert() {
  Alert a = MakeAlert(sig::kConfirmationFailed);
  a.time = 2 * kSeconds + 345678;
  a.uid = 0x00124B0000AA0001;
  a.observer = 0xC0A0000000000001;
  a.link = 7;
  a.detector = "identity_theft";
  a.detail = "confirmation for device 00124b0000aa0001 failed";
  return a;
}

EveContext DaemonContext() {
  EveContext ctx;
  ctx.epoch_offset_us = 1700000000LL * kSeconds;  // 2023-11-14T22:13:20Z
  ctx.link_endpoint = [](uint64_t link) {
    return EveEndpoint{"192.0.2.10", static_cast<uint16_t>(5683 + link), ""};
  };
  ctx.node_endpoint = [](uint64_t uid) {
    return uid == 0xC0A0000000000001 ? EveEndpoint{"198.51.100.1", 47110, ""} : EveEndpoint{};
  };
  return ctx;
}

const nlohmann::json& Vigil(const nlohmann::json& j) {
  return j.at("metadata").at("flowvars").at(0).at("vigil");
}

TEST(EveJson, UdpEndpointsAreSuricataIpFields) {
  const std::string line = FormatEveJson(SampleAlert(), DaemonContext());
  EXPECT_EQ(line.find('\n'), std::string::npos) << "EVE is one object per line";
  EXPECT_EQ(CheckEveAlertLine(line), "") << line;

  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("timestamp"), "2023-11-14T22:13:22.345678+0000");
  EXPECT_EQ(j.at("event_type"), "alert");
  EXPECT_EQ(j.at("src_ip"), "192.0.2.10");
  EXPECT_EQ(j.at("src_port"), 5690);
  EXPECT_EQ(j.at("dest_ip"), "198.51.100.1");
  EXPECT_EQ(j.at("dest_port"), 47110);
  EXPECT_EQ(j.at("proto"), "UDP");
  EXPECT_TRUE(j.at("flow_id").is_number_integer());
  EXPECT_FALSE(j.contains("src")) << "the old combined field is gone";
  const auto& alert = j.at("alert");
  EXPECT_EQ(alert.at("action"), "blocked");
  EXPECT_EQ(alert.at("gid"), 1);
  EXPECT_EQ(alert.at("signature_id"), 9100001);
  EXPECT_EQ(alert.at("rev"), 1);
  EXPECT_EQ(alert.at("signature"), sig::kConfirmationFailed.name);
  EXPECT_EQ(alert.at("severity"), 1);
  EXPECT_EQ(alert.at("category"), "Attempted User Privilege Gain");
  const auto& v = Vigil(j);
  EXPECT_EQ(v.at("device_uid"), "00124b0000aa0001");
  EXPECT_EQ(v.at("observer"), "c0a0000000000001");
  EXPECT_EQ(v.at("detector"), "identity_theft");
  EXPECT_EQ(v.at("detail"), "confirmation for device 00124b0000aa0001 failed");
  EXPECT_FALSE(v.contains("src_node"));
}

TEST(EveJson, FieldOrderFollowsSuricata) {
  const std::string line = FormatEveJson(SampleAlert(), DaemonContext());
  size_t at = 0;
  for (const char* key :
       {"\"timestamp\"", "\"flow_id\"", "\"event_type\"", "\"src_ip\"", "\"src_port\"",
        "\"dest_ip\"", "\"dest_port\"", "\"proto\"", "\"alert\"", "\"metadata\""}) {
    const size_t pos = line.find(std::string(key) + ":");
    ASSERT_NE(pos, std::string::npos) << key;
    EXPECT_GT(pos + 1, at) << key << " out of order in " << line;
    at = pos;
  }
}

TEST(EveJson, RadioNodesWithoutIpAreNamedInTheVigilObject) {
  EveContext ctx;
  ctx.link_endpoint = [](uint64_t link) {
    return EveEndpoint{"", 0, "node-" + std::to_string(link)};
  };
  ctx.node_endpoint = [](uint64_t) { return EveEndpoint{"", 0, "gw-ward-a"}; };
  const std::string line = FormatEveJson(SampleAlert(), ctx);
  EXPECT_EQ(CheckEveAlertLine(line), "") << line;
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_FALSE(j.contains("src_ip"));
  EXPECT_FALSE(j.contains("dest_ip"));
  EXPECT_FALSE(j.contains("proto")) << "a radio link is not UDP";
  EXPECT_EQ(Vigil(j).at("src_node"), "node-7");
  EXPECT_EQ(Vigil(j).at("dest_node"), "gw-ward-a");
}

TEST(EveJson, ResolverReturningANonAddressIsKeptAsANodeName) {
  EveContext ctx;
  ctx.link_endpoint = [](uint64_t) { return EveEndpoint{"not-an-ip", 5683, ""}; };
  const nlohmann::json j = nlohmann::json::parse(FormatEveJson(SampleAlert(), ctx));
  EXPECT_FALSE(j.contains("src_ip"));
  EXPECT_FALSE(j.contains("src_port"));
  EXPECT_EQ(Vigil(j).at("src_node"), "not-an-ip");
}

TEST(EveJson, MissingResolversLeaveEndpointsOutAndKeepUids) {
  const std::string line = FormatEveJson(SampleAlert(), EveContext{});
  EXPECT_EQ(CheckEveAlertLine(line), "") << line;
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_FALSE(j.contains("src_ip"));
  EXPECT_FALSE(j.contains("proto"));
  EXPECT_EQ(Vigil(j).at("device_uid"), "00124b0000aa0001");
  EXPECT_EQ(Vigil(j).at("observer"), "c0a0000000000001");
  EXPECT_EQ(j.at("timestamp"), "1970-01-01T00:00:02.345678+0000");
}

TEST(EveJson, AlertWithoutLinkUsesNodeEndpointForSource) {
  Alert a = SampleAlert();
  a.link = 0;
  EveContext ctx;
  ctx.link_endpoint = [](uint64_t) { return EveEndpoint{"", 0, "must-not-be-used"}; };
  ctx.node_endpoint = [](uint64_t uid) {
    return EveEndpoint{"", 0, "node-" + std::to_string(uid & 0xff)};
  };
  const nlohmann::json j = nlohmann::json::parse(FormatEveJson(a, ctx));
  EXPECT_EQ(Vigil(j).at("src_node"), "node-1");
  EXPECT_EQ(Vigil(j).at("dest_node"), "node-1");
}

TEST(EveJson, FlowIdIsStablePerPairAndFitsIn51Bits) {
  const EveEndpoint a{"192.0.2.1", 5683, ""};
  const EveEndpoint b{"192.0.2.1", 5684, ""};
  const EveEndpoint gw{"198.51.100.1", 47110, ""};
  EXPECT_EQ(EveFlowId(a, gw), EveFlowId(a, gw));
  EXPECT_NE(EveFlowId(a, gw), EveFlowId(b, gw)) << "another source port is another flow";
  EXPECT_NE(EveFlowId(a, gw), EveFlowId(gw, a));
  EXPECT_NE(EveFlowId({"", 0, "ab"}, {"", 0, "c"}), EveFlowId({"", 0, "a"}, {"", 0, "bc"}));
  for (const auto& e : {a, b, gw}) {
    EXPECT_GE(EveFlowId(e, gw), 0);
    EXPECT_LT(EveFlowId(e, gw), int64_t{1} << 51);
  }
}

TEST(EveEndpointFromHostPort, SplitsIpv4AndBracketedIpv6) {
  EXPECT_EQ(EveEndpointFromHostPort("192.0.2.7:5683"), (EveEndpoint{"192.0.2.7", 5683, ""}));
  EXPECT_EQ(EveEndpointFromHostPort("[2001:db8::1]:47110"),
            (EveEndpoint{"2001:db8::1", 47110, ""}));
  EXPECT_EQ(EveEndpointFromHostPort("node-3"), (EveEndpoint{"", 0, "node-3"}));
  EXPECT_EQ(EveEndpointFromHostPort("localhost:80"), (EveEndpoint{"", 0, "localhost:80"}));
  EXPECT_EQ(EveEndpointFromHostPort("192.0.2.7:70000"), (EveEndpoint{"", 0, "192.0.2.7:70000"}));
  EXPECT_EQ(EveEndpointFromHostPort("192.0.2.7:"), (EveEndpoint{"", 0, "192.0.2.7:"}));
}

TEST(EveJson, SummaryCarriesWhatWasSuppressed) {
  Alert a = MakeAlert(sig::kAlertsSuppressed);
  a.time = 60 * kSeconds;
  a.detector = "rate_limit";
  a.detail = "suppressed 12 alert(s)";
  a.suppressed = SuppressedAlerts{9100032, 12, 60 * kSeconds, {0x00124B0000AA0001}, 3};
  const std::string line = FormatEveJson(a, EveContext{});
  EXPECT_EQ(CheckEveAlertLine(line), "") << line;
  const nlohmann::json j = nlohmann::json::parse(line);
  const auto& s = Vigil(j).at("suppressed");
  EXPECT_EQ(s.at("signature_id"), 9100032);
  EXPECT_EQ(s.at("count"), 12);
  EXPECT_EQ(s.at("seconds"), 60);
  EXPECT_EQ(s.at("devices"), nlohmann::json::array({"00124b0000aa0001"}));
  EXPECT_EQ(s.at("unlisted"), 3);
}

TEST(EveJson, InvalidUtf8InDetailIsReplacedNotThrown) {
  Alert a = SampleAlert();
  a.detail = std::string("bad \xff\xfe bytes \"quoted\"\n");
  std::string line;
  ASSERT_NO_THROW(line = FormatEveJson(a, EveContext{}));
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_NE(Vigil(j).at("detail").get<std::string>().find("\"quoted\""), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(EveTimestamp, CalendarEdgesAreExact) {
  EXPECT_EQ(FormatEveTimestamp(0), "1970-01-01T00:00:00.000000+0000");
  EXPECT_EQ(FormatEveTimestamp(-1), "1969-12-31T23:59:59.999999+0000");
  // 2024-02-29 (leap day) 23:59:59.5
  EXPECT_EQ(FormatEveTimestamp(1709251199LL * kSeconds + 500000),
            "2024-02-29T23:59:59.500000+0000");
  EXPECT_EQ(FormatEveTimestamp(4102444800LL * kSeconds), "2100-01-01T00:00:00.000000+0000");
}

TEST(EveTimestamp, OffsetOverflowSaturatesInsteadOfWrapping) {
  Alert a = SampleAlert();
  a.time = INT64_MAX - 5;
  EveContext ctx;
  ctx.epoch_offset_us = 1000;
  const nlohmann::json j = nlohmann::json::parse(FormatEveJson(a, ctx));
  EXPECT_EQ(j.at("timestamp").get<std::string>().substr(0, 6), "294247");
}

TEST(FormatDuration, OneDecimalSeconds) {
  EXPECT_EQ(FormatDuration(2500 * kMillis), "2.5 s");
  EXPECT_EQ(FormatDuration(60 * kSeconds), "60.0 s");
  EXPECT_EQ(FormatDuration(-3), "0.0 s");
}

}  // namespace
}  // namespace vigil::ids
