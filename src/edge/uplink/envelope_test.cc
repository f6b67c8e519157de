#include "edge/uplink/envelope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "edge/uplink/json_writer.h"

namespace vigil::uplink {
namespace {

// The examples of docs/uplink.md live in testdata/uplink/examples/, where the schema
// check (tests/e2e/uplink_schema.sh) validates them against docs/uplink.schema.json.
// These tests make sure the code writes exactly those examples.
std::string Example(const std::string& name) {
  std::ifstream f(std::string(VIGIL_SOURCE_DIR) + "/testdata/uplink/examples/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

Origin Gw() { return Origin{"site-a", "gw-01", 0x5f3a9c0d12e4b781ULL}; }
constexpr int64_t kTime = 1714564800123;  // 2024-05-01T12:00:00.123Z

TelemetryRecord Temperature() {
  TelemetryRecord r;
  r.pseudonym = "p-7f3a91c2";
  r.ward = "icu";
  r.device_kind = DeviceKind::kThermometer;
  r.vital = Vital::kTemperature;
  r.value = 37.4;
  r.time_ms = kTime;
  return r;
}

AlarmRecord Desaturation() {
  AlarmRecord r;
  r.alarm_id = "1835008017";
  r.state = AlarmState::kRaised;
  r.priority = AlarmPriority::kHigh;
  r.condition = "spo2_low";
  r.pseudonym = "p-7f3a91c2";
  r.ward = "icu";
  r.device_kind = DeviceKind::kPulseOximeter;
  r.vital = Vital::kSpO2;
  r.value = 84;
  r.message = "SpO2 below 85 % for 15 s";
  r.time_ms = kTime;
  return r;
}

SecurityRecord Impersonation() {
  SecurityRecord r;
  r.signature_id = 9100001;
  r.severity = 1;
  r.device_uid = "00124b0000aa0001";
  r.eve = Example("eve-alert.json");
  r.time_ms = kTime;
  return r;
}

TEST(Envelope, TelemetryIsWrittenAsTheDocumentedExample) {
  std::string why;
  ASSERT_EQ(CheckTelemetry(Temperature(), &why), Error::kOk) << why;
  EXPECT_EQ(FormatTelemetry(Gw(), 42, Temperature()), Example("telemetry.json"));
}

TEST(Envelope, AlarmIsWrittenAsTheDocumentedExample) {
  std::string why;
  ASSERT_EQ(CheckAlarm(Desaturation(), &why), Error::kOk) << why;
  EXPECT_EQ(FormatAlarm(Gw(), 43, Desaturation()), Example("alarm.json"));
}

TEST(Envelope, SecurityAlertCarriesTheEveObjectAsIs) {
  std::string why;
  ASSERT_FALSE(Impersonation().eve.empty());
  ASSERT_EQ(CheckSecurity(Impersonation(), &why), Error::kOk) << why;
  EXPECT_EQ(FormatSecurity(Gw(), 44, Impersonation()), Example("security.json"));
}

TEST(Envelope, DeviceAnswerIsWrittenAsTheDocumentedExample) {
  DeviceRecord r;
  r.uid = 0x00124b0001a2b3c4;
  r.kind = DeviceKind::kPulseOximeter;
  r.ward = "icu";
  r.state = DeviceState::kRevoked;
  r.last_seen_ms = kTime - 5000;
  r.pseudonym = "3c1e0b8a5d7f9e2c4b6a8d0f1e3c5a7b";
  r.command_id = "cmd-8f2a61c09d3b7e45";
  r.command_done = true;
  r.time_ms = kTime;
  std::string why;
  ASSERT_EQ(CheckDevice(r, &why), Error::kOk) << why;
  EXPECT_EQ(FormatDevice(Gw(), 45, r), Example("device.json"));
  r.command_id = "not a level/";
  EXPECT_EQ(CheckDevice(r, &why), Error::kInvalidArgument);
  EXPECT_NE(why.find("command_id"), std::string::npos);
}

TEST(Envelope, StatusOnlineAndOfflineAreWrittenAsTheDocumentedExamples) {
  StatusRecord s;
  s.online = true;
  s.version = "0.1.0";
  s.started_ms = kTime - 3600000;
  s.time_ms = kTime;
  s.queued = 12;
  s.dropped = {3, 0, 0};
  EXPECT_EQ(FormatStatus(Gw(), s), Example("status-online.json"));
  s.online = false;
  EXPECT_EQ(FormatStatus(Gw(), s), Example("status-offline.json"));
}

TEST(Envelope, IdsOfOneStreamDifferOnlyBySeq) {
  EXPECT_EQ(MessageId(Gw(), 7), "gw-01/5f3a9c0d12e4b781/7");
  Origin other = Gw();
  other.stream = 1;
  EXPECT_EQ(MessageId(other, 7), "gw-01/0000000000000001/7");
  EXPECT_EQ(Topic(Gw(), "alarm"), "vigil/v1/site-a/gw-01/alarm");
}

TEST(Envelope, UtcTimesKeepTheirMillisecondsAndLeapDays) {
  EXPECT_EQ(UtcIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(UtcIso8601(1709251199999), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(UtcIso8601(kTime), "2024-05-01T12:00:00.123Z");
}

TEST(Envelope, EveryVitalHasAUnit) {
  for (Vital v : kAllVitals) EXPECT_FALSE(VitalUcumUnit(v).empty()) << VitalName(v);
}

TEST(Envelope, NonFiniteValueIsRefused) {
  TelemetryRecord r = Temperature();
  std::string why;
  r.value = std::nan("");
  EXPECT_EQ(CheckTelemetry(r, &why), Error::kInvalidArgument);
  EXPECT_NE(why.find("value"), std::string::npos);
  r.value = INFINITY;
  EXPECT_EQ(CheckTelemetry(r, &why), Error::kInvalidArgument);
}

TEST(Envelope, TextThatIsNotUtf8IsRefusedByField) {
  TelemetryRecord r = Temperature();
  std::string why;
  r.ward = "icu\xff";
  EXPECT_EQ(CheckTelemetry(r, &why), Error::kInvalidArgument);
  EXPECT_EQ(why, "ward: not UTF-8");
  r.ward = "\xc0\xaf";  // an overlong '/'
  EXPECT_EQ(CheckTelemetry(r, &why), Error::kInvalidArgument);
  r.ward = "\xed\xa0\x80";  // a surrogate
  EXPECT_EQ(CheckTelemetry(r, &why), Error::kInvalidArgument);
  r.ward = "\xe2\x82";  // cut short
  EXPECT_EQ(CheckTelemetry(r, &why), Error::kInvalidArgument);
  r.ward = "réanimation";
  EXPECT_EQ(CheckTelemetry(r, &why), Error::kOk);
  r.pseudonym.clear();
  EXPECT_EQ(CheckTelemetry(r, &why), Error::kInvalidArgument);
  EXPECT_EQ(why, "pseudonym: required");
}

TEST(Envelope, ControlCharactersAndQuotesAreEscaped) {
  TelemetryRecord r = Temperature();
  r.ward = "a\"b\\c\n\x01";
  const std::string json = FormatTelemetry(Gw(), 1, r);
  EXPECT_NE(json.find(R"("ward":"a\"b\\c\n\u0001")"), std::string::npos) << json;
}

TEST(Envelope, AlarmContractViolationsAreNamed) {
  std::string why;
  AlarmRecord r = Desaturation();
  r.condition = "SpO2 low";
  EXPECT_EQ(CheckAlarm(r, &why), Error::kInvalidArgument);
  EXPECT_NE(why.find("condition"), std::string::npos);
  r = Desaturation();
  r.vital.reset();
  EXPECT_EQ(CheckAlarm(r, &why), Error::kInvalidArgument);
  EXPECT_EQ(why, "value: given without a vital");
  r.value.reset();
  EXPECT_EQ(CheckAlarm(r, &why), Error::kOk);  // a technical alarm about no quantity
  EXPECT_EQ(FormatAlarm(Gw(), 1, r).find("\"vital\""), std::string::npos);
}

TEST(Envelope, EveLineThatWasCutOrDoubledIsRefused) {
  std::string why;
  SecurityRecord r = Impersonation();
  r.eve = r.eve.substr(0, r.eve.size() - 1);
  EXPECT_EQ(CheckSecurity(r, &why), Error::kInvalidArgument);
  r = Impersonation();
  r.eve += "\n" + r.eve;
  EXPECT_EQ(CheckSecurity(r, &why), Error::kInvalidArgument);
  r = Impersonation();
  r.device_uid = "00124B0000AA0001";
  EXPECT_EQ(CheckSecurity(r, &why), Error::kInvalidArgument);
}

TEST(Envelope, OriginMustBeUsableAsTopicLevels) {
  std::string why;
  EXPECT_EQ(CheckOrigin(Gw(), &why), Error::kOk);
  for (const std::string& bad :
       std::vector<std::string>{"", "a/b", "+", "#", "site a", std::string(65, 'x')}) {
    Origin o = Gw();
    o.site = bad;
    EXPECT_EQ(CheckOrigin(o, &why), Error::kInvalidArgument) << bad;
    EXPECT_EQ(why.rfind("site:", 0), 0u) << why;
    o = Gw();
    o.gateway = bad;
    EXPECT_EQ(CheckOrigin(o, &why), Error::kInvalidArgument) << bad;
  }
}

TEST(JsonWriter, NumbersReadBackToTheSameDouble) {
  for (double v : {0.1, 37.4, 1e-7, 123456789.125, -0.5, 96.0}) {
    JsonObjectWriter w;
    const std::string s = w.Num("x", v).Finish();
    EXPECT_EQ(std::stod(s.substr(5, s.size() - 6)), v) << s;
  }
}

}  // namespace
}  // namespace vigil::uplink
