#include "cloud/ingest/envelope_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace vigil::cloud {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  std::string t = s.str();
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

std::string TopicOf(const json& j) {
  return "vigil/v1/" + j.value("site", "") + "/" + j.value("gateway", "") + "/" +
         j.value("kind", "");
}

const fs::path kUplink = fs::path(VIGIL_SOURCE_DIR) / "testdata/uplink";

TEST(EnvelopeCheck, EveryDocumentedExampleIsAccepted) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kUplink / "examples")) {
    if (e.path().filename() == "eve-alert.json") continue;  // the EVE record, not an envelope
    const std::string text = Read(e.path());
    Envelope env;
    const CheckResult r = CheckEnvelope(TopicOf(json::parse(text)), text, &env);
    EXPECT_TRUE(r.ok()) << e.path().filename() << ": " << RejectName(r.reason) << " " << r.field;
    ++n;
  }
  EXPECT_GE(n, 5);
}

TEST(EnvelopeCheck, EveryCounterExampleOfTheSchemaIsRefused) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kUplink / "invalid")) {
    const std::string text = Read(e.path());
    const json j = json::parse(text, nullptr, false);
    const CheckResult r = CheckEnvelope(j.is_object() ? TopicOf(j) : "", text, nullptr);
    EXPECT_FALSE(r.ok()) << e.path().filename();
    ++n;
  }
  EXPECT_GE(n, 10);
}

const char kTelemetry[] =
    R"({"v":1,"id":"gw-01/5f3a9c0d12e4b781/42","kind":"telemetry","site":"site-a","gateway":"gw-01","stream":"5f3a9c0d12e4b781","seq":42,"time":"2024-05-01T12:00:00.123Z","time_ms":1714564800123,"pseudonym":"p-7f3a91c2","ward":"icu","device_kind":"thermometer","vital":"temperature","value":37.4,"unit":"Cel","quality":"valid"})";
const char kTopic[] = "vigil/v1/site-a/gw-01/telemetry";

struct Case {
  const char* name;
  Reject reason;
  const char* field;
  void (*mutate)(json&);
};

class EachReason : public ::testing::TestWithParam<Case> {};

TEST_P(EachReason, IsReportedWithItsField) {
  json j = json::parse(kTelemetry);
  GetParam().mutate(j);
  const CheckResult r = CheckEnvelope(kTopic, j.dump(), nullptr);
  EXPECT_EQ(RejectName(r.reason), RejectName(GetParam().reason));
  EXPECT_EQ(r.field, GetParam().field);
}

INSTANTIATE_TEST_SUITE_P(
    Telemetry, EachReason,
    ::testing::Values(
        Case{"UnknownVersion", Reject::kUnknownVersion, "v", [](json& j) { j["v"] = 2; }},
        Case{"VersionAsText", Reject::kUnknownVersion, "v", [](json& j) { j["v"] = "1"; }},
        Case{"UnknownKind", Reject::kUnknownKind, "kind", [](json& j) { j["kind"] = "x"; }},
        Case{"MissingPseudonym", Reject::kMissingField, "pseudonym",
             [](json& j) { j.erase("pseudonym"); }},
        Case{"ExtraField", Reject::kUnknownField, "name", [](json& j) { j["name"] = "Ada"; }},
        Case{"ValueAsText", Reject::kWrongType, "value", [](json& j) { j["value"] = "37.4"; }},
        Case{"SeqAsFloat", Reject::kWrongType, "seq", [](json& j) { j["seq"] = 42.0; }},
        Case{"SeqZero", Reject::kOutOfRange, "seq", [](json& j) { j["seq"] = 0; }},
        Case{"TimeMsBeyond9999", Reject::kOutOfRange, "time_ms",
             [](json& j) { j["time_ms"] = int64_t{253402300800000}; }},
        Case{"PseudonymTooLong", Reject::kOutOfRange, "pseudonym",
             [](json& j) { j["pseudonym"] = std::string(129, 'p'); }},
        Case{"EmptyPseudonym", Reject::kOutOfRange, "pseudonym",
             [](json& j) { j["pseudonym"] = ""; }},
        Case{"GatewayWithSlash", Reject::kBadFormat, "gateway",
             [](json& j) { j["gateway"] = "gw/01"; }},
        Case{"StreamUpperCase", Reject::kBadFormat, "stream",
             [](json& j) { j["stream"] = "5F3A9C0D12E4B781"; }},
        Case{"UnknownVital", Reject::kBadFormat, "vital", [](json& j) { j["vital"] = "mood"; }},
        Case{"UnknownQuality", Reject::kBadFormat, "quality",
             [](json& j) { j["quality"] = "great"; }},
        Case{"TimeNotUtc", Reject::kBadFormat, "time",
             [](json& j) { j["time"] = "2024-05-01T12:00:00.123+02:00"; }},
        Case{"IdOfAnotherSeq", Reject::kIdMismatch, "id",
             [](json& j) { j["id"] = "gw-01/5f3a9c0d12e4b781/43"; }},
        Case{"TimeNotTimeMs", Reject::kTimeMismatch, "time",
             [](json& j) { j["time"] = "2024-05-01T12:00:00.124Z"; }},
        Case{"SiteNotTheTopics", Reject::kTopicMismatch, "topic",
             [](json& j) { j["site"] = "site-b"; }},
        Case{"UnitOfAnotherVital", Reject::kUnitMismatch, "unit",
             [](json& j) { j["unit"] = "%"; }}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(EnvelopeCheck, NonJsonNonObjectAndOversizeHaveTheirOwnReasons) {
  EXPECT_EQ(CheckEnvelope(kTopic, "{\"v\":1,", nullptr).reason, Reject::kNotJson);
  EXPECT_EQ(CheckEnvelope(kTopic, "[1,2]", nullptr).reason, Reject::kNotObject);
  EXPECT_EQ(CheckEnvelope(kTopic, std::string(kMaxEnvelopeBytes + 1, ' '), nullptr).reason,
            Reject::kTooLarge);
  EXPECT_EQ(CheckEnvelope(kTopic, "\xff\xfe", nullptr).reason, Reject::kNotJson);
}

TEST(EnvelopeCheck, AlarmValueWithoutUnitIsADependencyError) {
  json j = json::parse(Read(kUplink / "examples/alarm.json"));
  j.erase("unit");
  const CheckResult r = CheckEnvelope(TopicOf(j), j.dump(), nullptr);
  EXPECT_EQ(r.reason, Reject::kDependency);
}

TEST(EnvelopeCheck, AcceptedTelemetryIsTyped) {
  Envelope e;
  ASSERT_TRUE(CheckEnvelope(kTopic, kTelemetry, &e).ok());
  EXPECT_EQ(e.kind, Kind::kTelemetry);
  EXPECT_EQ(e.seq, 42);
  const auto& t = std::get<TelemetryBody>(e.body);
  EXPECT_EQ(t.vital, Vital::kTemperature);
  EXPECT_DOUBLE_EQ(t.value, 37.4);
  EXPECT_EQ(t.pseudonym, "p-7f3a91c2");
}

}  // namespace
}  // namespace vigil::cloud

namespace vigil::cloud {
namespace {

TEST(EnvelopeCheck, DeviceAnswerIsTypedAndAResultWithoutItsCommandIsADependencyError) {
  const std::string text = Read(kUplink / "examples/device.json");
  Envelope e;
  ASSERT_TRUE(CheckEnvelope("vigil/v1/site-a/gw-01/device", text, &e).ok());
  EXPECT_EQ(e.kind, Kind::kDevice);
  const auto& d = std::get<DeviceBody>(e.body);
  EXPECT_EQ(d.device_uid, "00124b0001a2b3c4");
  EXPECT_EQ(d.state, "revoked");
  EXPECT_EQ(d.command_id, "cmd-8f2a61c09d3b7e45");
  EXPECT_EQ(d.command_result, "done");
  EXPECT_EQ(d.last_seen_ms, 1714564795123);
  EXPECT_EQ(CheckEnvelope("vigil/v1/site-a/gw-01/status", text, nullptr).reason,
            Reject::kTopicMismatch);
  const CheckResult r =
      CheckEnvelope("", Read(kUplink / "invalid/device-result-without-command-id.json"), nullptr);
  EXPECT_EQ(r.reason, Reject::kDependency);
  EXPECT_EQ(r.field, "command_id");
}

}  // namespace
}  // namespace vigil::cloud
