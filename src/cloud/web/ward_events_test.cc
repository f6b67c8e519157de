// The ward event bus fed by a real ingester over SQLite: what a committed batch shows,
// on which ward's stream, and what it must never show.
#include "cloud/web/ward_events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloud/api/api_call.h"
#include "cloud/api/api_test_harness.h"
#include "cloud/ingest/test_messages.h"

namespace vigil::cloud::web {
namespace {

using api::testing::ApiHarness;
using api::testing::kNowMs;
using nlohmann::json;

struct Published {
  std::string stream, event;
  json data;
};

struct Fixture {
  ApiHarness h;
  std::vector<Published> out;
  WardEvents events{[this](std::string_view s, std::string_view e, std::string_view d) {
    out.push_back({std::string(s), std::string(e), json::parse(d)});
  }};
  Ingester ingester{*h.db_, h.keys_};
  Fixture() {
    ingester.set_observer([this](const CommittedBatch& b) { events.OnCommitted(b); });
  }
  void Ingest(std::vector<IngestMessage> batch) {
    IngestCounters c;
    ASSERT_TRUE(ingester.IngestBatch(batch, &c).ok());
  }
};

TEST(WardEvents, ReadingOfAnAdmittedPatientGoesToTheWardOfTheAdmissionWithItsBed) {
  Fixture f;
  f.Ingest({cloud::testing::TelemetryMessage(900, kNowMs, "pseu-ada", 88.0, Vital::kSpO2,
                                             DeviceKind::kPulseOximeter)});
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].stream, "ward/icu");
  EXPECT_EQ(f.out[0].event, "reading");
  EXPECT_EQ(f.out[0].data["patient_id"], 1);
  EXPECT_EQ(f.out[0].data["bed"], "bed-1");
  EXPECT_EQ(f.out[0].data["vital"], "spo2");
  EXPECT_DOUBLE_EQ(f.out[0].data["value"].get<double>(), 88.0);
  EXPECT_EQ(f.out[0].data["unit"], "%");
  // SpO2 88 on scale 1 scores 3, and a 3 in one parameter makes the band at least medium.
  EXPECT_EQ(f.out[0].data["news2"]["terms"]["spo2"], 3);
  EXPECT_EQ(f.out[0].data["news2"]["complete"], false);
}

TEST(WardEvents, ReadingOfAPseudonymNotAdmittedIsNeverPublished) {
  Fixture f;
  f.Ingest({cloud::testing::TelemetryMessage(901, kNowMs, "pseu-nobody", 37.0)});
  EXPECT_TRUE(f.out.empty()) << "no ward may see a patient the database does not place";
}

TEST(WardEvents, ADuplicateIsNotPublishedTwice) {
  Fixture f;
  auto m = cloud::testing::TelemetryMessage(902, kNowMs, "pseu-alan", 38.1);
  f.Ingest({m});
  f.Ingest({m});
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].stream, "ward/cardio");
}

TEST(WardEvents, AlarmIsPublishedWithTheRefTheAckRouteTakes) {
  Fixture f;
  f.Ingest({f.h.AlarmMessage(903, kNowMs, "alarm-99", uplink::AlarmState::kRaised,
                             uplink::AlarmPriority::kHigh)});
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].event, "alarm");
  EXPECT_EQ(f.out[0].stream, "ward/icu");
  EXPECT_EQ(f.out[0].data["alarm_id"], "gw-01/alarm-99");
  EXPECT_EQ(f.out[0].data["ref"], api::RefOf("gw-01/alarm-99"));
  EXPECT_EQ(f.out[0].data["priority"], "high");
  EXPECT_EQ(f.out[0].data["state"], "raised");
}

TEST(WardEvents, News2CombinesTheNewestValueOfEachVital) {
  Fixture f;
  f.Ingest({cloud::testing::TelemetryMessage(904, kNowMs, "pseu-ada", 88.0, Vital::kSpO2,
                                             DeviceKind::kPulseOximeter),
            cloud::testing::TelemetryMessage(905, kNowMs + 1, "pseu-ada", 135.0, Vital::kPulseRate,
                                             DeviceKind::kPulseOximeter)});
  ASSERT_EQ(f.out.size(), 2u);
  const json& n = f.out[1].data["news2"];
  EXPECT_EQ(n["terms"]["spo2"], 3);
  EXPECT_EQ(n["terms"]["pulse"], 3);
  EXPECT_EQ(n["score"], 6);
}

}  // namespace
}  // namespace vigil::cloud::web
