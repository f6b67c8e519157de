#include "common/telemetry/vital_units.h"

#include <gtest/gtest.h>

namespace vigil::senml {
namespace {

TEST(VitalUnits, EveryAcceptedUnitIsARegisteredSenmlUnit) {
  for (Vital v : kAllVitals) {
    ASSERT_FALSE(SpecOf(v).accepted.empty()) << VitalName(v);
    EXPECT_EQ(SpecOf(v).vital, v);
    for (const UnitConversion& c : SpecOf(v).accepted)
      EXPECT_TRUE(IsRegisteredUnit(c.unit)) << VitalName(v) << " " << c.unit;
    EXPECT_EQ(FindConversion(v, WireUnit(v).unit), &WireUnit(v));
  }
}

TEST(VitalUnits, ClinicalUnitsThatAreNotRegisteredAreNotMistakenForUnits) {
  for (const char* u : {"mmHg", "mmol/L", "mL/h", "mL", "bpm", "degC", "/100", "cel"})
    EXPECT_FALSE(IsRegisteredUnit(u)) << u;
}

TEST(VitalUnits, PressureTravelsInPascal) {
  const UnitConversion& pa = WireUnit(Vital::kSystolic);
  EXPECT_EQ(pa.unit, "Pa");
  EXPECT_NEAR(ToWire(pa, 120), 15998.69, 0.01);
  EXPECT_EQ(ToClinical(Vital::kSystolic, pa, 15999), 120);
}

TEST(VitalUnits, GlucoseTravelsAsMassConcentration) {
  // 5.5 mmol/L = 99.1 mg/dL = 0.991 kg/m3 (glucose: 180.156 g/mol).
  const UnitConversion& kgm3 = WireUnit(Vital::kGlucose);
  EXPECT_EQ(kgm3.unit, "kg/m3");
  EXPECT_NEAR(ToWire(kgm3, 5.5), 0.990858, 1e-6);
  EXPECT_EQ(ToClinical(Vital::kGlucose, kgm3, 0.990858), 5.5);
}

TEST(VitalUnits, SaturationIsARatioNotAPercent) {
  EXPECT_EQ(WireUnit(Vital::kSpO2).unit, "/");
  EXPECT_EQ(FindConversion(Vital::kSpO2, "%"), nullptr);  // registered, but a ratio in disguise
  EXPECT_EQ(ToClinical(Vital::kSpO2, WireUnit(Vital::kSpO2), 0.97), 97);
}

TEST(VitalUnits, KelvinAndHertzAreAcceptedFromOtherProducers) {
  EXPECT_EQ(ToClinical(Vital::kTemperature, *FindConversion(Vital::kTemperature, "K"), 310.05),
            36.9);
  EXPECT_EQ(ToClinical(Vital::kHeartRate, *FindConversion(Vital::kHeartRate, "1/s"), 1.2), 72);
  EXPECT_EQ(FindConversion(Vital::kRespRate, "beat/min"), nullptr);  // breaths are not beats
}

TEST(VitalUnits, RoundingGivesTheDecimalALiteralDenotes) {
  EXPECT_EQ(RoundClinical(Vital::kTemperature, 36.94999), 36.9);
  EXPECT_EQ(RoundClinical(Vital::kTemperature, 36.95), 37.0);
  EXPECT_EQ(RoundClinical(Vital::kGlucose, 5.55000001), 5.6);
  EXPECT_EQ(RoundClinical(Vital::kHeartRate, 71.5), 72);
}

}  // namespace
}  // namespace vigil::senml
