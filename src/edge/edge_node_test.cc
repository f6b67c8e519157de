// The edge pipeline as the gateway drives it: verified payloads in; alarms, minimised
// uplink records and quality events out.
#include "edge/edge_node.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "common/hex.h"
#include "common/telemetry/senml_encoder.h"

namespace vigil::edge {
namespace {

constexpr uint64_t kOximeter = 0x00124b0000000001ull;
constexpr uint64_t kStray = 0x00124b00000000ffull;

std::vector<uint8_t> Pack(std::initializer_list<vigil::TelemetryRecord> records) {
  std::array<uint8_t, 128> buf{};
  std::vector<vigil::TelemetryRecord> rs(records);
  Result<size_t> n = EncodeTelemetry(rs, MutableByteSpan(buf.data(), buf.size()));
  EXPECT_TRUE(n.ok());
  return std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n.ok() ? *n : 0));
}

std::vector<uint8_t> Oximetry(double spo2, double pr,
                              senml::Artefact art = senml::Artefact::kNone) {
  return Pack({{Vital::kSpO2, spo2, art, 0}, {Vital::kPulseRate, pr, art, 0}});
}

struct Pipeline {
  std::array<uint8_t, privacy::kSiteKeySize> key{};
  std::unique_ptr<privacy::Pseudonymiser> pseudonymiser;
  std::unique_ptr<EdgeNode> node;
  TimeUs now = kSeconds;

  Pipeline() {
    key.fill(0x5a);
    pseudonymiser = std::make_unique<privacy::Pseudonymiser>(key);
    EdgeNode::Options o;
    o.ward = "icu";
    o.unix_offset_us = 1'700'000'000'000'000;
    clinical::PatientConfig p;
    p.id = "MRN-0042";
    p.bed = "icu-3";
    p.ward = "icu";
    p.devices.push_back({kOximeter, DeviceKind::kPulseOximeter, {Vital::kSpO2, Vital::kPulseRate}});
    p.vitals = clinical::SiteVitalsFor(o.clinical, p.spo2_scale);
    o.clinical.patients.push_back(p);
    Error e;
    std::string why;
    node = EdgeNode::Create(o, *pseudonymiser, now, &e, &why);
    EXPECT_NE(node, nullptr) << why;
  }
  void Send(uint64_t uid, DeviceKind kind, const std::vector<uint8_t>& payload) {
    node->OnData(uid, kind, ByteSpan(payload.data(), payload.size()), now);
  }
  std::vector<clinical::AlarmEvent> Alarms() {
    std::vector<clinical::AlarmEvent> out;
    while (auto a = node->PollAlarm()) out.push_back(*a);
    return out;
  }
};

TEST(EdgeNode, DesaturationRaisesOneAlarmWhoseUplinkFormCarriesThePseudonymOnly) {
  Pipeline p;
  for (int i = 0; i < 30; ++i, p.now += kSeconds)
    p.Send(kOximeter, DeviceKind::kPulseOximeter, Oximetry(97, 72));
  EXPECT_TRUE(p.Alarms().empty());
  for (int i = 0; i < 30; ++i, p.now += kSeconds)
    p.Send(kOximeter, DeviceKind::kPulseOximeter, Oximetry(84, 110));
  std::vector<clinical::AlarmEvent> alarms = p.Alarms();
  size_t raised = 0;
  const clinical::AlarmEvent* spo2 = nullptr;
  for (const auto& a : alarms) {
    if (a.kind == clinical::AlarmEventKind::kRaised) ++raised;
    if (a.condition.kind == clinical::ConditionKind::kLow && a.condition.vital == Vital::kSpO2)
      spo2 = &a;
  }
  ASSERT_NE(spo2, nullptr) << "no SpO2-low alarm among " << alarms.size();
  EXPECT_EQ(std::count_if(alarms.begin(), alarms.end(),
                          [](const auto& a) {
                            return a.kind == clinical::AlarmEventKind::kRaised &&
                                   a.condition.vital == Vital::kSpO2 &&
                                   a.condition.kind == clinical::ConditionKind::kLow;
                          }),
            1)
      << "raised once, not on every reading";
  EXPECT_GE(raised, 1u);

  uplink::AlarmRecord up;
  ASSERT_EQ(p.node->ToUplinkAlarm(*spo2, &up), Error::kOk);
  EXPECT_EQ(up.condition, "spo2_low");
  EXPECT_FALSE(up.technical);
  EXPECT_EQ(up.ward, "icu");
  EXPECT_EQ(up.pseudonym.find("MRN"), std::string::npos);
  std::string why;
  EXPECT_EQ(uplink::CheckAlarm(up, &why), Error::kOk) << why;

  const std::vector<uplink::TelemetryRecord> t = p.node->TakeTelemetry();
  ASSERT_EQ(t.size(), 120u);  // two readings per pack
  for (const auto& r : t) {
    EXPECT_EQ(r.pseudonym, up.pseudonym);
    EXPECT_EQ(r.quality, uplink::Quality::kValid);
    EXPECT_EQ(uplink::CheckTelemetry(r, &why), Error::kOk) << why;
  }
  EXPECT_GT(t.front().time_ms, 1'700'000'000'000);
}

TEST(EdgeNode, GarbagePayloadIsAQualityEventAndNeverAReading) {
  Pipeline p;
  const std::vector<uint8_t> junk = {0x82, 0xa1, 0x00, 0x63, 'S', 'p'};  // truncated
  p.Send(kOximeter, DeviceKind::kPulseOximeter, junk);
  std::optional<QualityEvent> q = p.node->PollQuality();
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->kind, QualityEvent::Kind::kRefusedPack);
  EXPECT_EQ(q->uid, kOximeter);
  EXPECT_NE(q->Describe().find("refused"), std::string::npos);
  EXPECT_TRUE(p.node->TakeTelemetry().empty());
  EXPECT_EQ(p.node->stats().packs_refused, 1u);
  EXPECT_EQ(p.node->stats().clinical, 0u);
}

TEST(EdgeNode, ProbeOffGoesUpAsInvalidAndRaisesATechnicalAlarmNotADesaturation) {
  Pipeline p;
  for (int i = 0; i < 5; ++i, p.now += kSeconds)
    p.Send(kOximeter, DeviceKind::kPulseOximeter, Oximetry(97, 72));
  for (int i = 0; i < 120; ++i, p.now += kSeconds)
    p.Send(kOximeter, DeviceKind::kPulseOximeter, Oximetry(0, 0, senml::Artefact::kProbeOff));
  bool technical = false;
  for (const auto& a : p.Alarms()) {
    EXPECT_FALSE(a.condition.kind == clinical::ConditionKind::kLow) << "a desaturation alarm";
    technical = technical || a.condition.kind == clinical::ConditionKind::kArtefact;
  }
  EXPECT_TRUE(technical);
  size_t invalid = 0;
  for (const auto& r : p.node->TakeTelemetry())
    if (r.quality == uplink::Quality::kInvalid) ++invalid;
  EXPECT_EQ(invalid, 240u);
}

TEST(EdgeNode, ImplausibleValueIsRefusedWithItsReason) {
  Pipeline p;
  // A pulse oximeter does not measure temperature: implausible for its kind.
  p.Send(kOximeter, DeviceKind::kPulseOximeter, Pack({{Vital::kTemperature, 37.0, {}, 0}}));
  std::optional<QualityEvent> q = p.node->PollQuality();
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->kind, QualityEvent::Kind::kImplausible);
  EXPECT_EQ(q->reason, ClassReason::kNotMeasuredByKind);
  EXPECT_TRUE(p.node->TakeTelemetry().empty());
}

TEST(EdgeNode, DeviceOnNoPatientGoesUpUnderItsOwnPseudonymNeverItsUid) {
  Pipeline p;
  p.Send(kStray, DeviceKind::kPulseOximeter, Oximetry(97, 72));
  const std::vector<uplink::TelemetryRecord> t = p.node->TakeTelemetry();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].ward, "icu");
  EXPECT_FALSE(t[0].pseudonym.empty());
  EXPECT_EQ(t[0].pseudonym.find(UidToString(kStray)), std::string::npos);
  EXPECT_EQ(p.node->stats().unassigned, 2u);
}

}  // namespace
}  // namespace vigil::edge
