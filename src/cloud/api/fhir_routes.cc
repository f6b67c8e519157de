// FHIR R4 reads and searches (docs/fhir.md, docs/api.md "FHIR").
#include "cloud/api/api_call.h"
#include "cloud/audit/fhir_audit_event.h"
#include "cloud/fhir/bundle.h"
#include "cloud/fhir/fhir_date.h"
#include "cloud/fhir/ndjson.h"
#include "cloud/fhir/observation.h"
#include "cloud/fhir/patient.h"
#include "cloud/fhir/search_query.h"
#include "cloud/store/clinical_views.h"
#include "cloud/store/patient_records.h"
#include "connection/device_identity.h"

namespace vigil::cloud::api {
namespace {

using fhir::Json;

constexpr std::string_view kFhirJson = "application/fhir+json; charset=utf-8";

HttpResponse FhirResponse(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::string(kFhirJson);
  r.body = fhir::Dump(body) + "\n";
  return r;
}

// An OperationOutcome: FHIR's form of an error (R4 section 3.1.0.7).
HttpResponse Outcome(int status, std::string_view code, std::string_view text) {
  Json o = {{"resourceType", "OperationOutcome"}};
  o["issue"] = Json::array({Json{{"severity", "error"}, {"code", code}, {"diagnostics", text}}});
  return FhirResponse(status, o);
}

uplink::Quality QualityOf(std::string_view q) {
  if (q == "questionable") return uplink::Quality::kQuestionable;
  if (q == "invalid") return uplink::Quality::kInvalid;
  return uplink::Quality::kValid;
}

DeviceKind DeviceOf(Database& db, int64_t patient) {
  std::optional<Admission> adm;
  if (!CurrentAdmission(db, patient, &adm).ok() || !adm) return DeviceKind::kOther;
  return DeviceKindFromName(adm->device_kind).value_or(DeviceKind::kOther);
}

// The Observations of a page of readings (blood pressure as one panel).
std::vector<Json> Observations(int64_t patient, DeviceKind device,
                               const std::vector<StoredReading>& rows,
                               const std::vector<StoredReading>& partners) {
  std::vector<Json> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const StoredReading& r = rows[i];
    const std::optional<Vital> v = VitalFromName(r.vital);
    if (!v) continue;
    Json j;
    if (*v == Vital::kSystolic && i < partners.size() && partners[i].row_id != 0) {
      fhir::StoredBloodPressure bp;
      bp.id = r.row_id;
      bp.patient_id = patient;
      bp.systolic = r.value;
      bp.diastolic = partners[i].value;
      const uplink::Quality q1 = QualityOf(r.quality), q2 = QualityOf(partners[i].quality);
      bp.quality = static_cast<uint8_t>(q1) > static_cast<uint8_t>(q2) ? q1 : q2;
      bp.time_ms = r.time_ms;
      if (fhir::BloodPressurePanel(bp, &j) != fhir::ObservationError::kOk) continue;
    } else {
      fhir::StoredVital sv;
      sv.id = r.row_id;
      sv.patient_id = patient;
      sv.vital = *v;
      sv.value = r.value;
      sv.quality = QualityOf(r.quality);
      sv.time_ms = r.time_ms;
      sv.device_kind = device;
      if (fhir::ObservationFromVital(sv, &j) != fhir::ObservationError::kOk) continue;
    }
    out.push_back(std::move(j));
  }
  return out;
}

void SplitName(const std::string& name, fhir::PatientRecord* p) {
  const size_t sp = name.rfind(' ');
  if (sp == std::string::npos) {
    p->family = name;
    return;
  }
  p->family = name.substr(sp + 1);
  size_t i = 0;
  const std::string given = name.substr(0, sp);
  while (i < given.size()) {
    const size_t j = given.find(' ', i);
    const std::string part = given.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!part.empty()) p->given.push_back(part);
    if (j == std::string::npos) break;
    i = j + 1;
  }
}

}  // namespace

HttpResponse FhirObservationSearch(ApiService::Impl& api, Call& call) {
  const fhir::QueryParse qp = fhir::ParseObservationQuery(call.http.query);
  if (!qp.ok())
    return Outcome(400, "invalid",
                   std::string(fhir::QueryErrorName(qp.error)) +
                       (qp.parameter.empty() ? "" : ": " + qp.parameter));
  const fhir::ObservationQuery& q = qp.query;
  if (!call.patient || q.patient_id != *call.patient) return Outcome(404, "not-found", "patient");
  std::vector<StoredReading> rows, partners;
  uint64_t total = 0;
  if (!q.empty_range()) {
    if (Status s = ReadingsPage(*api.deps.db, *api.deps.keys, q.patient_id, q.from_ms, q.to_ms,
                                q.count, q.offset, &total, &rows, &partners);
        !s.ok())
      return StoreFailure(api, "observation search", s);
  }
  const std::vector<Json> resources =
      Observations(q.patient_id, DeviceOf(*api.deps.db, q.patient_id), rows, partners);
  return FhirResponse(200,
                      fhir::SearchBundle(api.config.public_base + "/fhir", q, total, resources));
}

HttpResponse FhirPatientRead(ApiService::Impl& api, Call& call) {
  if (!call.patient) return Outcome(404, "not-found", "patient");
  PatientIdentity who;
  const Status s = ReadIdentity(*api.deps.db, *api.deps.keys, *call.patient, &who);
  if (s.code == StoreError::kNotFound) return Outcome(404, "not-found", "patient");
  if (!s.ok()) return StoreFailure(api, "identity", s);
  fhir::PatientRecord p;
  p.id = *call.patient;
  p.mrn_system = api.config.mrn_system;
  p.mrn = who.mrn.empty() ? "unknown" : who.mrn;
  SplitName(who.name, &p);
  p.birth_date = fhir::IsCalendarDate(who.birth_date) ? who.birth_date : "";
  Json j;
  if (fhir::PatientError e = fhir::PatientResource(p, &j); e != fhir::PatientError::kOk)
    return Outcome(500, "exception", fhir::PatientErrorName(e));
  return FhirResponse(200, j);
}

// Synchronous bulk export of one ward's Observations as NDJSON (the FHIR Bulk Data
// format, one resource per line). `_since` (a FHIR date; default the last 24 hours)
// bounds the readings.
HttpResponse FhirExport(ApiService::Impl& api, Call& call) {
  int64_t since = call.now_ms() - 24LL * 3600 * 1000;
  if (call.HasQuery("_since")) {
    fhir::DateRange r;
    if (!fhir::ParseFhirDate(call.Query("_since"), &r))
      return Outcome(400, "invalid", "_since: a FHIR date");
    since = r.start_ms;
  }
  for (const auto& [k, v] : call.match.query)
    if (k != "ward" && k != "_since" && k != "_type")
      return Outcome(400, "invalid", "unknown parameter: " + k.substr(0, 64));
  if (call.HasQuery("_type") && call.Query("_type") != "Observation")
    return Outcome(400, "not-supported", "_type: Observation only");
  std::vector<Admission> adm;
  if (Status s = WardAdmissions(*api.deps.db, call.ward, &adm); !s.ok())
    return StoreFailure(api, "ward admissions", s);
  std::string out;
  std::string patients;
  constexpr uint32_t kPage = 1000;
  for (const Admission& a : adm) {
    patients += (patients.empty() ? "" : ",") + std::to_string(a.patient_id);
    const DeviceKind device = DeviceKindFromName(a.device_kind).value_or(DeviceKind::kOther);
    for (uint64_t offset = 0;; offset += kPage) {
      std::vector<StoredReading> rows, partners;
      uint64_t total = 0;
      if (Status s = ReadingsPage(*api.deps.db, *api.deps.keys, a.patient_id, since,
                                  call.now_ms() + 1, kPage, offset, &total, &rows, &partners);
          !s.ok())
        return StoreFailure(api, "export", s);
      const std::vector<Json> res = Observations(a.patient_id, device, rows, partners);
      std::string lines;
      if (fhir::ToNdjson(res, &lines) != fhir::NdjsonError::kOk)
        return Outcome(500, "exception", "export");
      out += lines;
      if (rows.size() < kPage) break;
    }
  }
  call.reason = "ward " + call.ward + ": patients " + patients;
  HttpResponse r;
  r.status = 200;
  r.content_type = "application/fhir+ndjson";
  r.body = std::move(out);
  return r;
}

HttpResponse FhirAuditEvents(ApiService::Impl& api, Call& call) {
  uint64_t from = 1;
  size_t count = 100;
  if (call.HasQuery("_offset")) {
    auto v = ParseInt(call.Query("_offset"));
    if (!v || *v < 0) return Outcome(400, "invalid", "_offset");
    from = static_cast<uint64_t>(*v) + 1;
  }
  if (call.HasQuery("_count")) {
    auto v = ParseInt(call.Query("_count"));
    if (!v || *v < 1 || *v > 1000) return Outcome(400, "invalid", "_count: 1..1000");
    count = static_cast<size_t>(*v);
  }
  std::vector<audit::ChainEntry> entries;
  if (Status s = api.deps.audit->Read(from, count, &entries); !s.ok())
    return StoreFailure(api, "audit read", s);
  audit::AuditEventSource src;
  src.site = api.config.site;
  Json bundle = {{"resourceType", "Bundle"}, {"type", "searchset"}};
  Json list = Json::array();
  for (const audit::ChainEntry& e : entries) {
    Json entry = {{"fullUrl", api.config.public_base + "/fhir/AuditEvent/" + std::to_string(e.seq)},
                  {"resource", audit::ToFhirAuditEvent(e, src)},
                  {"search", {{"mode", "match"}}}};
    list.push_back(std::move(entry));
  }
  bundle["link"] = Json::array({Json{
      {"relation", "self"},
      {"url", api.config.public_base + "/fhir/AuditEvent?_offset=" + std::to_string(from - 1) +
                  "&_count=" + std::to_string(count)}}});
  if (entries.size() == count)
    bundle["link"].push_back(
        {{"relation", "next"},
         {"url", api.config.public_base + "/fhir/AuditEvent?_offset=" +
                     std::to_string(entries.back().seq) + "&_count=" + std::to_string(count)}});
  bundle["entry"] = std::move(list);
  return FhirResponse(200, bundle);
}

}  // namespace vigil::cloud::api
