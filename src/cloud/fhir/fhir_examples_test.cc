// The example resources of docs/fhir.md and docs/audit.md live in testdata/fhir/examples/,
// where tests/e2e/fhir_schema.sh validates them against the official FHIR R4 JSON schema.
// These tests make sure the code writes exactly those files; with VIGIL_WRITE_TESTDATA=1
// in the environment they (re)write them instead.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "cloud/audit/audit_test_records.h"
#include "cloud/audit/fhir_audit_event.h"
#include "cloud/fhir/bundle.h"
#include "cloud/fhir/ndjson.h"
#include "cloud/fhir/observation.h"
#include "cloud/fhir/patient.h"

namespace vigil::fhir {
namespace {

constexpr int64_t kTime = 1714564800123;  // 2024-05-01T12:00:00.123Z

std::string Path(const std::string& name) {
  return std::string(VIGIL_SOURCE_DIR) + "/testdata/fhir/examples/" + name;
}

void Matches(const std::string& name, const std::string& bytes) {
  const char* write = std::getenv("VIGIL_WRITE_TESTDATA");
  if (write != nullptr && std::string(write) == "1") {
    std::ofstream(Path(name), std::ios::binary) << bytes;
    return;
  }
  std::ifstream f(Path(name), std::ios::binary);
  ASSERT_TRUE(f.good()) << Path(name) << " is missing (VIGIL_WRITE_TESTDATA=1 writes it)";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), bytes) << name << " differs from what the code writes";
}

std::string Pretty(const Json& j) {
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

StoredVital Reading(int64_t id, Vital v, double value, DeviceKind device) {
  StoredVital s;
  s.id = id;
  s.patient_id = 42;
  s.vital = v;
  s.value = value;
  s.time_ms = kTime;
  s.device_kind = device;
  return s;
}

std::vector<std::pair<std::string, StoredVital>> Vitals() {
  StoredVital questionable = Reading(889, Vital::kHeartRate, 182, DeviceKind::kEcgPatch);
  questionable.quality = uplink::Quality::kQuestionable;
  return {
      {"observation-heart-rate.json", Reading(881, Vital::kHeartRate, 72, DeviceKind::kEcgPatch)},
      {"observation-pulse-rate.json",
       Reading(882, Vital::kPulseRate, 74, DeviceKind::kPulseOximeter)},
      {"observation-spo2.json", Reading(883, Vital::kSpO2, 97, DeviceKind::kPulseOximeter)},
      {"observation-resp-rate.json", Reading(884, Vital::kRespRate, 16, DeviceKind::kEcgPatch)},
      {"observation-temperature.json",
       Reading(885, Vital::kTemperature, 37.4, DeviceKind::kThermometer)},
      {"observation-systolic.json", Reading(886, Vital::kSystolic, 128, DeviceKind::kBpCuff)},
      {"observation-diastolic.json", Reading(887, Vital::kDiastolic, 84, DeviceKind::kBpCuff)},
      {"observation-glucose.json", Reading(888, Vital::kGlucose, 6.1, DeviceKind::kGlucoseMonitor)},
      {"observation-questionable.json", questionable},
  };
}

Json BloodPressure() {
  StoredBloodPressure bp;
  bp.id = 900;
  bp.patient_id = 42;
  bp.systolic = 128;
  bp.diastolic = 84;
  bp.time_ms = kTime;
  Json o;
  EXPECT_EQ(BloodPressurePanel(bp, &o), ObservationError::kOk);
  return o;
}

TEST(FhirExamples, ObservationsAreWrittenAsTheExamples) {
  for (const auto& [name, v] : Vitals()) {
    Json o;
    ASSERT_EQ(ObservationFromVital(v, &o), ObservationError::kOk) << name;
    Matches(name, Pretty(o));
  }
  Matches("observation-blood-pressure.json", Pretty(BloodPressure()));
}

TEST(FhirExamples, PatientIsWrittenAsTheExample) {
  PatientRecord p;
  p.id = 42;
  p.mrn_system = "urn:oid:1.2.36.146.595.217.0.1";
  p.mrn = "MRN-000123";
  p.family = "Nowak";
  p.given = {"Anna", "Maria"};
  p.birth_date = "1961-04-12";
  p.gender = Gender::kFemale;
  Json r;
  ASSERT_EQ(PatientResource(p, &r), PatientError::kOk);
  Matches("patient.json", Pretty(r));
}

TEST(FhirExamples, SearchBundleIsWrittenAsTheExample) {
  const QueryParse q = ParseObservationQuery("patient=42&date=ge2024-05-01&_count=2&_offset=2");
  ASSERT_TRUE(q.ok());
  std::vector<Json> page(2);
  ASSERT_EQ(ObservationFromVital(Vitals()[0].second, &page[0]), ObservationError::kOk);
  page[1] = BloodPressure();
  Matches("bundle-searchset.json",
          Pretty(SearchBundle("https://cloud.example/fhir", q.query, 7, page)));
}

TEST(FhirExamples, BulkExportIsWrittenAsTheExample) {
  std::vector<Json> all;
  for (const auto& [name, v] : Vitals()) {
    Json o;
    ASSERT_EQ(ObservationFromVital(v, &o), ObservationError::kOk);
    all.push_back(o);
  }
  all.push_back(BloodPressure());
  std::string out;
  ASSERT_EQ(ToNdjson(all, &out), NdjsonError::kOk);
  Matches("export-observation.ndjson", out);
}

TEST(FhirExamples, AuditEventsAreWrittenAsTheExamples) {
  using namespace vigil::audit;
  const std::pair<std::string, AuditRecord> records[] = {
      {"auditevent-read.json", testing::NurseRead()},
      {"auditevent-search.json", testing::DoctorSearch()},
      {"auditevent-denied.json", testing::WrongWardDenied()},
      {"auditevent-login-failed.json", testing::FailedLogin()},
      {"auditevent-break-glass.json", testing::BreakGlass()},
      {"auditevent-export.json", testing::ServiceExport()},
      {"auditevent-security-alert.json", testing::Alert()},
  };
  ChainHead tail;
  for (const auto& [name, r] : records) {
    ChainEntry e;
    ASSERT_EQ(Link(tail, r, &e), Error::kOk);
    tail = {e.seq, e.hash};
    Matches(name, Pretty(ToFhirAuditEvent(e, AuditEventSource{"vigil-cloud-1", "site-a"})));
  }
}

}  // namespace
}  // namespace vigil::fhir
