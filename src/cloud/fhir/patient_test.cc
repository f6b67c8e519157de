#include "cloud/fhir/patient.h"

#include <gtest/gtest.h>

namespace vigil::fhir {
namespace {

PatientRecord Anna() {
  PatientRecord p;
  p.id = 42;
  p.mrn_system = "urn:oid:1.2.36.146.595.217.0.1";
  p.mrn = "MRN-000123";
  p.family = "Nowak";
  p.given = {"Anna", "Maria"};
  p.birth_date = "1961-04-12";
  p.gender = Gender::kFemale;
  return p;
}

TEST(Patient, CarriesIdMrnNameBirthDateAndGender) {
  Json r;
  ASSERT_EQ(PatientResource(Anna(), &r), PatientError::kOk);
  EXPECT_EQ(r["resourceType"], "Patient");
  EXPECT_EQ(r["id"], "42");
  EXPECT_EQ(r["identifier"][0]["system"], "urn:oid:1.2.36.146.595.217.0.1");
  EXPECT_EQ(r["identifier"][0]["value"], "MRN-000123");
  EXPECT_EQ(r["identifier"][0]["type"]["coding"][0]["code"], "MR");
  EXPECT_EQ(r["name"][0]["family"], "Nowak");
  EXPECT_EQ(r["name"][0]["given"], Json::array({"Anna", "Maria"}));
  EXPECT_EQ(r["birthDate"], "1961-04-12");
  EXPECT_EQ(r["gender"], "female");
}

TEST(Patient, UnknownBirthDateIsLeftOut) {
  PatientRecord p = Anna();
  p.birth_date.clear();
  Json r;
  ASSERT_EQ(PatientResource(p, &r), PatientError::kOk);
  EXPECT_FALSE(r.contains("birthDate"));
}

TEST(Patient, BadValuesAreRefusedAndNothingIsWritten) {
  struct Case {
    void (*change)(PatientRecord&);
    PatientError want;
  };
  const Case cases[] = {
      {[](PatientRecord& p) { p.id = 0; }, PatientError::kBadId},
      {[](PatientRecord& p) { p.mrn_system = "hospital mrn"; }, PatientError::kBadSystem},
      {[](PatientRecord& p) { p.mrn_system = ""; }, PatientError::kBadSystem},
      {[](PatientRecord& p) { p.mrn = ""; }, PatientError::kBadMrn},
      {[](PatientRecord& p) { p.mrn = std::string(65, '1'); }, PatientError::kBadMrn},
      {[](PatientRecord& p) {
         p.family = "";
         p.given = {""};
       },
       PatientError::kNoName},
      {[](PatientRecord& p) { p.family = "No\nwak"; }, PatientError::kNotText},
      {[](PatientRecord& p) { p.given = {"\xC0\xAF"}; }, PatientError::kNotText},
      {[](PatientRecord& p) { p.birth_date = "1961-02-29"; }, PatientError::kBadBirthDate},
      {[](PatientRecord& p) { p.birth_date = "12.04.1961"; }, PatientError::kBadBirthDate},
  };
  for (const Case& c : cases) {
    PatientRecord p = Anna();
    c.change(p);
    Json r = "untouched";
    EXPECT_EQ(PatientResource(p, &r), c.want) << PatientErrorName(c.want);
    EXPECT_EQ(r, "untouched");
  }
}

}  // namespace
}  // namespace vigil::fhir
