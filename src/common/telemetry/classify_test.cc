#include "common/telemetry/classify.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

using senml::Artefact;

TelemetryPack Pack(std::initializer_list<DecodedRecord> records) {
  TelemetryPack p;
  for (const DecodedRecord& r : records) p.records[p.count++] = r;
  return p;
}

DecodedRecord Rec(Vital v, double value, Artefact a = Artefact::kNone, TimeUs t = 0) {
  DecodedRecord r;
  r.reading = Reading{v, value, t};
  r.artefact = a;
  return r;
}

TEST(Classify, ProbeOffIsArtefactNotDesaturation) {
  const Classification c = Classify(Pack(
      {Rec(Vital::kSpO2, 0, Artefact::kProbeOff), Rec(Vital::kPulseRate, 0, Artefact::kProbeOff)}));
  ASSERT_EQ(c.count, 2u);
  for (const ClassifiedReading& r : c.view()) {
    EXPECT_EQ(r.value_class, ValueClass::kArtefact);
    EXPECT_EQ(r.artefact, Artefact::kProbeOff);
  }
  EXPECT_EQ(c.clinical, 0u);
}

TEST(Classify, UnflaggedSpO2OfZeroIsNoSignalNotACrisis) {
  const Classification c = Classify(Pack({Rec(Vital::kSpO2, 0), Rec(Vital::kPulseRate, 0)}));
  EXPECT_EQ(c.artefacts, 2u);
  EXPECT_EQ(c.items[0].reason, ClassReason::kNoSignalPattern);
  EXPECT_EQ(c.items[1].artefact, Artefact::kNoSignal);
}

TEST(Classify, LowButRealSaturationStaysClinical) {
  const Classification c = Classify(Pack({Rec(Vital::kSpO2, 72), Rec(Vital::kPulseRate, 0)}));
  EXPECT_EQ(c.items[0].value_class, ValueClass::kClinical);
  // A pulse of 0 beside a real saturation is not the probe-off pattern: it stays clinical
  // (an alarm for someone to look at), never silently dropped.
  EXPECT_EQ(c.items[1].value_class, ValueClass::kClinical);
}

TEST(Classify, HeartRateZeroWithoutLeadOffIsAsystoleNotArtefact) {
  const Classification c = Classify(Pack({Rec(Vital::kHeartRate, 0), Rec(Vital::kRespRate, 0)}));
  EXPECT_EQ(c.clinical, 2u);
  const Classification off = Classify(Pack({Rec(Vital::kHeartRate, 0, Artefact::kLeadOff)}));
  EXPECT_EQ(off.items[0].value_class, ValueClass::kArtefact);
}

TEST(Classify, ImpossibleValueIsImplausibleNeverClinical) {
  const Classification c =
      Classify(Pack({Rec(Vital::kHeartRate, 351), Rec(Vital::kTemperature, 9.9, Artefact::kNone, 1),
                     Rec(Vital::kSpO2, 100.5)}));
  EXPECT_EQ(c.implausible, 3u);
  EXPECT_EQ(c.items[0].reason, ClassReason::kAbovePhysicalRange);
  EXPECT_EQ(c.items[1].reason, ClassReason::kBelowPhysicalRange);
  const Classification edge = Classify(Pack({Rec(Vital::kHeartRate, 350)}));
  EXPECT_EQ(edge.items[0].value_class, ValueClass::kClinical);
}

TEST(Classify, FlaggedValueIsArtefactWhateverItsValue) {
  // A device that says "motion" about 400/min is reporting noise, not a tachycardia.
  const Classification c = Classify(Pack({Rec(Vital::kHeartRate, 400, Artefact::kMotion)}));
  EXPECT_EQ(c.items[0].value_class, ValueClass::kArtefact);
  EXPECT_EQ(c.items[0].reason, ClassReason::kFlagged);
}

TEST(Classify, DiastolicAtOrAboveSystolicIsImplausible) {
  const Classification c = Classify(Pack({Rec(Vital::kSystolic, 90), Rec(Vital::kDiastolic, 90)}));
  EXPECT_EQ(c.implausible, 2u);
  EXPECT_EQ(c.items[1].reason, ClassReason::kDiastolicNotBelowSystolic);
  // Measured at different times, the two are not a pair.
  const Classification apart =
      Classify(Pack({Rec(Vital::kSystolic, 90, Artefact::kNone, 0),
                     Rec(Vital::kDiastolic, 95, Artefact::kNone, -kSeconds)}));
  EXPECT_EQ(apart.clinical, 2u);
}

TEST(Classify, ZeroPressuresAreACuffErrorNotShock) {
  const Classification c = Classify(Pack({Rec(Vital::kSystolic, 0), Rec(Vital::kDiastolic, 0)}));
  EXPECT_EQ(c.artefacts, 2u);
  EXPECT_EQ(c.items[0].artefact, Artefact::kCuffError);
}

TEST(Classify, VitalTheKindDoesNotMeasureIsImplausible) {
  const VitalSet oximeter = VitalBit(Vital::kSpO2) | VitalBit(Vital::kPulseRate);
  const Classification c =
      Classify(Pack({Rec(Vital::kSpO2, 97), Rec(Vital::kSystolic, 120)}), oximeter);
  EXPECT_EQ(c.items[0].value_class, ValueClass::kClinical);
  EXPECT_EQ(c.items[1].value_class, ValueClass::kImplausible);
  EXPECT_EQ(c.items[1].reason, ClassReason::kNotMeasuredByKind);
}

TEST(Classify, EveryReasonAndClassHasAName) {
  for (uint8_t i = 0; i <= static_cast<uint8_t>(ClassReason::kNotMeasuredByKind); ++i)
    EXPECT_NE(ClassReasonName(static_cast<ClassReason>(i)), "?");
  for (uint8_t i = 0; i <= static_cast<uint8_t>(ValueClass::kImplausible); ++i)
    EXPECT_NE(ValueClassName(static_cast<ValueClass>(i)), "?");
}

}  // namespace
}  // namespace vigil
