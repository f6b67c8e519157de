#include "ids/alert.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

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

TEST(EveJson, EveJsonHasRequiredFields) {
  EveContext ctx;
  ctx.epoch_offset_us = 1700000000LL * kSeconds;  // 2023-11-14T22:13:20Z
  ctx.link_name = [](uint64_t link) { return "192.0.2.10:" + std::to_string(5683 + link); };
  ctx.node_name = [](uint64_t uid) {
    return uid == 0xC0A0000000000001 ? std::string("gw-ward-a") : std::string();
  };
  const std::string line = FormatEveJson(SampleAlert(), ctx);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "EVE is one object per line";

  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("timestamp"), "2023-11-14T22:13:22.345678+0000");
  EXPECT_EQ(j.at("event_type"), "alert");
  EXPECT_EQ(j.at("src"), "192.0.2.10:5690");
  EXPECT_EQ(j.at("dest"), "gw-ward-a");
  EXPECT_EQ(j.at("device_uid"), "00124b0000aa0001");
  const auto& alert = j.at("alert");
  EXPECT_EQ(alert.at("signature"), sig::kConfirmationFailed.name);
  EXPECT_EQ(alert.at("signature_id"), 9100001);
  EXPECT_EQ(alert.at("severity"), 1);
  EXPECT_EQ(alert.at("category"), "Attempted User Privilege Gain");
  EXPECT_EQ(j.at("detector"), "identity_theft");
  EXPECT_EQ(j.at("detail"), "confirmation for device 00124b0000aa0001 failed");
}

TEST(EveJson, MissingResolversFallBackToHexUids) {
  Alert a = SampleAlert();
  const nlohmann::json j = nlohmann::json::parse(FormatEveJson(a, EveContext{}));
  EXPECT_EQ(j.at("src"), "00124b0000aa0001");  // link unknown to the resolver: claimed uid
  EXPECT_EQ(j.at("dest"), "c0a0000000000001");
  EXPECT_EQ(j.at("timestamp"), "1970-01-01T00:00:02.345678+0000");
}

TEST(EveJson, AlertWithoutLinkUsesNodeNameForSource) {
  Alert a = SampleAlert();
  a.link = 0;
  EveContext ctx;
  ctx.link_name = [](uint64_t) { return std::string("must-not-be-used"); };
  ctx.node_name = [](uint64_t uid) { return "node-" + std::to_string(uid & 0xff); };
  const nlohmann::json j = nlohmann::json::parse(FormatEveJson(a, ctx));
  EXPECT_EQ(j.at("src"), "node-1");
  EXPECT_EQ(j.at("dest"), "node-1");
}

TEST(EveJson, InvalidUtf8InDetailIsReplacedNotThrown) {
  Alert a = SampleAlert();
  a.detail = std::string("bad \xff\xfe bytes \"quoted\"\n");
  std::string line;
  ASSERT_NO_THROW(line = FormatEveJson(a, EveContext{}));
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_NE(j.at("detail").get<std::string>().find("\"quoted\""), std::string::npos);
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
