#include "cloud/fhir/observation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::fhir {
namespace {

StoredVital Reading(Vital v, double value) {
  StoredVital s;
  s.id = 881;
  s.patient_id = 42;
  s.vital = v;
  s.value = value;
  s.time_ms = 1714564800123;
  s.device_kind = DeviceKind::kPulseOximeter;
  return s;
}

std::vector<std::string> Codes(const Json& cc) {
  std::vector<std::string> out;
  for (const Json& c : cc["coding"]) {
    EXPECT_EQ(c["system"], kLoinc);
    out.push_back(c["code"]);
  }
  return out;
}

TEST(Observation, EachVitalCarriesItsLoincCodeProfileAndUcumUnit) {
  struct Row {
    Vital vital;
    std::vector<std::string> codes;
    std::string profile;
    std::string category;
  };
  const Row rows[] = {
      {Vital::kHeartRate,
       {"8867-4"},
       "http://hl7.org/fhir/StructureDefinition/heartrate",
       "vital-signs"},
      {Vital::kPulseRate,
       {"8867-4", "8889-8"},
       "http://hl7.org/fhir/StructureDefinition/heartrate",
       "vital-signs"},
      {Vital::kSpO2,
       {"2708-6", "59408-5"},
       "http://hl7.org/fhir/StructureDefinition/oxygensat",
       "vital-signs"},
      {Vital::kRespRate,
       {"9279-1"},
       "http://hl7.org/fhir/StructureDefinition/resprate",
       "vital-signs"},
      {Vital::kTemperature,
       {"8310-5"},
       "http://hl7.org/fhir/StructureDefinition/bodytemp",
       "vital-signs"},
      {Vital::kSystolic, {"8480-6"}, std::string(kVitalSignsProfile), "vital-signs"},
      {Vital::kDiastolic, {"8462-4"}, std::string(kVitalSignsProfile), "vital-signs"},
      {Vital::kGlucose,
       {"15074-8"},
       "http://hl7.org/fhir/StructureDefinition/Observation",
       "laboratory"},
  };
  for (const Row& row : rows) {
    Json o;
    ASSERT_EQ(ObservationFromVital(Reading(row.vital, 70), &o), ObservationError::kOk)
        << VitalName(row.vital);
    EXPECT_EQ(o["resourceType"], "Observation");
    EXPECT_EQ(o["id"], "881");
    EXPECT_EQ(o["status"], "final");
    EXPECT_EQ(Codes(o["code"]), row.codes) << VitalName(row.vital);
    EXPECT_EQ(o["meta"]["profile"][0], row.profile);
    EXPECT_EQ(o["category"][0]["coding"][0]["code"], row.category);
    EXPECT_EQ(o["valueQuantity"]["system"], kUcum);
    EXPECT_EQ(o["valueQuantity"]["code"], VitalUcumUnit(row.vital));
    EXPECT_EQ(o["valueQuantity"]["value"], 70.0);
    EXPECT_EQ(o["subject"]["reference"], "Patient/42");
    EXPECT_EQ(o["effectiveDateTime"], "2024-05-01T12:00:00.123Z");
    EXPECT_FALSE(o.contains("interpretation"));
  }
}

TEST(Observation, PulseRateFromACuffIsNotCodedAsPulseOximetry) {
  StoredVital s = Reading(Vital::kPulseRate, 64);
  s.device_kind = DeviceKind::kBpCuff;
  Json o;
  ASSERT_EQ(ObservationFromVital(s, &o), ObservationError::kOk);
  EXPECT_EQ(Codes(o["code"]), std::vector<std::string>{"8867-4"});
}

TEST(Observation, InvalidReadingIsNotExportedAsAMeasurement) {
  StoredVital s = Reading(Vital::kSpO2, 12);
  s.quality = uplink::Quality::kInvalid;
  Json o = "untouched";
  EXPECT_EQ(ObservationFromVital(s, &o), ObservationError::kInvalidReading);
  EXPECT_EQ(o, "untouched");
}

TEST(Observation, QuestionableReadingKeepsItsValueAndIsFlagged) {
  StoredVital s = Reading(Vital::kHeartRate, 190);
  s.quality = uplink::Quality::kQuestionable;
  Json o;
  ASSERT_EQ(ObservationFromVital(s, &o), ObservationError::kOk);
  EXPECT_EQ(o["valueQuantity"]["value"], 190.0);
  EXPECT_FALSE(o.contains("dataAbsentReason"));  // obs-6: never beside a value
  EXPECT_EQ(o["interpretation"][0]["coding"][0]["system"], kVigilReadingQuality);
  EXPECT_EQ(o["interpretation"][0]["coding"][0]["code"], "questionable");
}

TEST(Observation, InfusionValuesAreNotObservations) {
  Json o;
  EXPECT_EQ(ObservationFromVital(Reading(Vital::kInfusionRate, 5), &o),
            ObservationError::kNotAnObservation);
  EXPECT_EQ(ObservationFromVital(Reading(Vital::kInfusionVolume, 50), &o),
            ObservationError::kNotAnObservation);
  EXPECT_FALSE(VitalCodingOf(Vital::kInfusionRate).has_value());
}

TEST(Observation, BadValuesAreRefused) {
  Json o;
  EXPECT_EQ(ObservationFromVital(Reading(Vital::kHeartRate, std::nan("")), &o),
            ObservationError::kBadValue);
  EXPECT_EQ(
      ObservationFromVital(Reading(Vital::kHeartRate, std::numeric_limits<double>::infinity()), &o),
      ObservationError::kBadValue);
  StoredVital s = Reading(Vital::kHeartRate, 60);
  s.patient_id = 0;
  EXPECT_EQ(ObservationFromVital(s, &o), ObservationError::kBadId);
  s = Reading(Vital::kHeartRate, 60);
  s.time_ms = -1;
  EXPECT_EQ(ObservationFromVital(s, &o), ObservationError::kBadTime);
}

TEST(Observation, BloodPressureIsAPanelWithBothComponents) {
  StoredBloodPressure bp;
  bp.id = 900;
  bp.patient_id = 42;
  bp.systolic = 128;
  bp.diastolic = 84;
  bp.time_ms = 1714564800123;
  Json o;
  ASSERT_EQ(BloodPressurePanel(bp, &o), ObservationError::kOk);
  EXPECT_EQ(o["meta"]["profile"][0], kBloodPressureProfile);
  EXPECT_EQ(Codes(o["code"]), std::vector<std::string>{"85354-9"});
  EXPECT_FALSE(o.contains("valueQuantity"));  // the values are in the components
  ASSERT_EQ(o["component"].size(), 2u);
  EXPECT_EQ(Codes(o["component"][0]["code"]), std::vector<std::string>{"8480-6"});
  EXPECT_EQ(o["component"][0]["valueQuantity"]["value"], 128.0);
  EXPECT_EQ(o["component"][0]["valueQuantity"]["code"], "mm[Hg]");
  EXPECT_EQ(Codes(o["component"][1]["code"]), std::vector<std::string>{"8462-4"});
  EXPECT_EQ(o["component"][1]["valueQuantity"]["value"], 84.0);
  bp.quality = uplink::Quality::kInvalid;
  EXPECT_EQ(BloodPressurePanel(bp, &o), ObservationError::kInvalidReading);
}

}  // namespace
}  // namespace vigil::fhir
