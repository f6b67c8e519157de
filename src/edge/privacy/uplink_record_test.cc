#include "edge/privacy/uplink_record.h"

#include <gtest/gtest.h>

#include "common/hex.h"

namespace vigil::privacy {
namespace {

constexpr uint64_t kUid = 0x00124b0001a2b3c4;

clinical::ClinicalConfig OnePatient() {
  clinical::ClinicalConfig c;
  clinical::PatientConfig p;
  p.id = "MRN-0042";
  p.bed = "icu-3";
  p.ward = "icu";
  p.devices = {{kUid, DeviceKind::kPulseOximeter, {Vital::kSpO2, Vital::kPulseRate}}};
  c.patients = {p};
  return c;
}

// Every field of the record as text, the way any serialiser would write it.
std::string AllFields(const UplinkReading& r) {
  return r.pseudonym + "|" + r.ward + "|" + std::string(VitalName(r.vital)) + "|" +
         std::to_string(r.value) + "|" + std::string(r.unit) + "|" + std::to_string(r.time_s) +
         "|" + std::string(DeviceKindName(r.device_kind)) + "|" +
         std::string(clinical::ReadingQualityName(r.quality));
}
std::string AllFields(const UplinkAlarm& a) {
  return a.pseudonym + "|" + a.ward + "|" + std::to_string(a.alarm_id) + "|" +
         std::string(clinical::AlarmEventKindName(a.kind)) + "|" +
         clinical::ConditionName(a.condition) + "|" +
         std::string(clinical::AlarmPriorityName(a.priority)) + "|" +
         std::to_string(a.value.value_or(0)) + "|" + std::to_string(a.time_s);
}

class UplinkRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_EQ(minimiser_.Init(config_, pseudonymiser_, &why), Error::kOk) << why;
  }
  static std::array<uint8_t, kSiteKeySize> Key() {
    std::array<uint8_t, kSiteKeySize> k{};
    k.fill(0x5a);
    return k;
  }
  clinical::ClinicalConfig config_ = OnePatient();
  Pseudonymiser pseudonymiser_{Key()};
  UplinkMinimiser minimiser_;
};

TEST_F(UplinkRecordTest, UplinkRecordCarriesNoIdentifier) {
  UplinkReading r;
  ASSERT_EQ(minimiser_.BuildReading(kUid, Reading{Vital::kSpO2, 93, 123456789},
                                    clinical::ReadingQuality::kValid, 1750000000, &r),
            Error::kOk);
  std::string expected;
  ASSERT_EQ(pseudonymiser_.Pseudonym("MRN-0042", &expected), Error::kOk);
  EXPECT_EQ(r.pseudonym, expected);
  EXPECT_EQ(r.ward, "icu");
  EXPECT_EQ(r.unit, "%");
  EXPECT_EQ(r.time_s, 1750000000);
  EXPECT_EQ(r.device_kind, DeviceKind::kPulseOximeter);
  const std::string text = AllFields(r);
  for (const std::string& secret :
       {std::string("MRN-0042"), std::string("0042"), std::string("icu-3"), UidToString(kUid),
        std::string("123456789")})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;

  clinical::AlarmEvent e;
  e.kind = clinical::AlarmEventKind::kSilenced;
  e.alarm_id = 7;
  e.time = 100 * kSeconds;
  e.silenced_until = 220 * kSeconds;
  e.patient_id = "MRN-0042";
  e.bed = "icu-3";
  e.ward = "icu";
  e.operator_id = "nurse-7";
  e.condition = {clinical::ConditionKind::kLow, Vital::kSpO2};
  e.value = 88;
  UplinkAlarm a;
  ASSERT_EQ(minimiser_.BuildAlarm(e, 1750000001, &a), Error::kOk);
  EXPECT_EQ(a.pseudonym, expected);  // links with the readings
  EXPECT_EQ(a.silenced_for_s, 120);
  const std::string atext = AllFields(a);
  for (const char* secret : {"MRN-0042", "icu-3", "nurse-7"})
    EXPECT_EQ(atext.find(secret), std::string::npos) << secret << " in " << atext;
}

TEST_F(UplinkRecordTest, DeviceOnNoPatientIsNotFound) {
  UplinkReading r;
  EXPECT_EQ(minimiser_.BuildReading(0x00124b00000000ff, Reading{Vital::kSpO2, 93, 0},
                                    clinical::ReadingQuality::kValid, 0, &r),
            Error::kNotFound);
}

TEST(UplinkUnits, EveryVitalHasAUcumUnit) {
  for (Vital v : kAllVitals) EXPECT_FALSE(VitalUcumUnit(v).empty()) << VitalName(v);
  EXPECT_EQ(VitalUcumUnit(Vital::kTemperature), "Cel");
  EXPECT_EQ(VitalUcumUnit(Vital::kSystolic), "mm[Hg]");
}

}  // namespace
}  // namespace vigil::privacy
