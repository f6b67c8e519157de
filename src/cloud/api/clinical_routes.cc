// The dashboard's patient and ward data (docs/api.md, "Clinical routes").
#include <algorithm>
#include <cmath>

#include "cloud/api/api_call.h"
#include "cloud/api/partial_news2.h"
#include "cloud/auth/secrets.h"
#include "cloud/store/clinical_views.h"
#include "cloud/store/patient_records.h"
#include "common/hex.h"

namespace vigil::cloud::api {
namespace {

using nlohmann::json;

json ReadingJson(const StoredReading& r) {
  json j = {{"vital", r.vital},          {"value", r.value},     {"time_ms", r.time_ms},
            {"quality", r.quality},      {"gateway", r.gateway}, {"id", r.row_id},
            {"message_id", r.message_id}};
  if (auto v = VitalFromName(r.vital)) j["unit"] = VitalUcumUnit(*v);
  return j;
}

json AlarmJson(const AlarmView& v) {
  json detail = json::parse(v.alarm.detail_json, nullptr, false);
  if (detail.is_discarded()) detail = nullptr;
  json j = {{"alarm_id", v.alarm.alarm_key},
            {"ref", RefOf(v.alarm.alarm_key)},
            {"state", v.alarm.state},
            {"priority", v.alarm.priority},
            {"raised_ms", v.alarm.raised_ms},
            {"last_ms", v.alarm.last_ms},
            {"acknowledged", v.acknowledged},
            {"silenced", v.silenced},
            {"detail", detail}};
  if (v.alarm.patient_id) j["patient_id"] = *v.alarm.patient_id;
  if (v.ack) {
    j["ack"] = {{"user", v.ack->user_id}, {"time_ms", v.ack->time_ms}};
    if (v.ack->silence_until_ms > 0) j["ack"]["silence_until_ms"] = v.ack->silence_until_ms;
  }
  return j;
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

}  // namespace

HttpResponse WardLatest(ApiService::Impl& api, Call& call) {
  std::vector<Admission> adm;
  if (Status s = WardAdmissions(*api.deps.db, call.ward, &adm); !s.ok())
    return StoreFailure(api, "ward admissions", s);
  json beds = json::array();
  std::vector<int64_t> shown;
  for (const Admission& a : adm) {
    PatientIdentity who;
    if (Status s = ReadIdentity(*api.deps.db, *api.deps.keys, a.patient_id, &who); !s.ok())
      return StoreFailure(api, "identity", s);
    std::vector<StoredReading> latest;
    if (Status s = LatestVitals(*api.deps.db, *api.deps.keys, a.patient_id, &latest); !s.ok())
      return StoreFailure(api, "latest vitals", s);
    json vitals = json::object();
    for (const StoredReading& r : latest) vitals[r.vital] = ReadingJson(r);
    beds.push_back({{"patient_id", a.patient_id},
                    {"name", who.name},
                    {"bed", a.bed},
                    {"device_kind", a.device_kind},
                    {"vitals", vitals},
                    {"news2", PartialNews2(latest, call.now_ms())}});
    shown.push_back(a.patient_id);
  }
  // One record for the view, naming every patient it showed.
  call.reason = "ward " + call.ward + ": patients " + IdList(shown);
  return JsonResponse(200, {{"ward", call.ward}, {"time_ms", call.now_ms()}, {"beds", beds}});
}

HttpResponse WardAlarms(ApiService::Impl& api, Call& call) {
  std::vector<AlarmView> views;
  if (Status s = WardAlarmViews(*api.deps.db, *api.deps.keys, call.ward, call.now_ms(), &views);
      !s.ok())
    return StoreFailure(api, "ward alarms", s);
  json out = json::array();
  std::vector<int64_t> patients;
  for (const AlarmView& v : views) {
    out.push_back(AlarmJson(v));
    if (v.alarm.patient_id &&
        std::find(patients.begin(), patients.end(), *v.alarm.patient_id) == patients.end())
      patients.push_back(*v.alarm.patient_id);
  }
  call.reason = "ward " + call.ward + ": patients " + IdList(patients);
  return JsonResponse(200, {{"ward", call.ward}, {"alarms", out}});
}

HttpResponse PatientVitals(ApiService::Impl& api, Call& call) {
  if (!call.patient) return ErrorResponse(404, "not_found");
  const int64_t patient = *call.patient;
  if (!call.HasQuery("vital")) {
    std::vector<StoredReading> latest;
    if (Status s = LatestVitals(*api.deps.db, *api.deps.keys, patient, &latest); !s.ok())
      return StoreFailure(api, "latest vitals", s);
    json vitals = json::object();
    for (const StoredReading& r : latest) vitals[r.vital] = ReadingJson(r);
    return JsonResponse(200, {{"patient_id", patient},
                              {"vitals", vitals},
                              {"news2", PartialNews2(latest, call.now_ms())}});
  }
  const std::string vital = call.Query("vital");
  if (!VitalFromName(vital)) return ErrorResponse(400, "bad_request", "unknown vital");
  const int64_t to = call.HasQuery("to") ? ParseInt(call.Query("to")).value_or(-1) : call.now_ms();
  const int64_t from =
      call.HasQuery("from") ? ParseInt(call.Query("from")).value_or(-1) : to - 3600 * 1000;
  if (from < 0 || to < 0 || from >= to)
    return ErrorResponse(400, "bad_request", "from and to: ms since the epoch, from < to");
  if (to - from > api.config.max_trend_ms)
    return ErrorResponse(400, "bad_request", "window longer than the raw trend allows");
  std::vector<StoredReading> rows;
  if (Status s = Trend(*api.deps.db, *api.deps.keys, patient, vital, from, to, &rows); !s.ok())
    return StoreFailure(api, "trend", s);
  const bool truncated = rows.size() > api.config.max_trend_rows;
  if (truncated) rows.resize(api.config.max_trend_rows);
  json points = json::array();
  for (const StoredReading& r : rows) points.push_back({r.time_ms, r.value, r.quality});
  call.reason = vital;
  return JsonResponse(200, {{"patient_id", patient},
                            {"vital", vital},
                            {"unit", VitalUcumUnit(*VitalFromName(vital))},
                            {"from_ms", from},
                            {"to_ms", to},
                            {"points", points},
                            {"truncated", truncated}});
}

HttpResponse PatientAlarms(ApiService::Impl& api, Call& call) {
  if (!call.patient) return ErrorResponse(404, "not_found");
  const int64_t to =
      call.HasQuery("to") ? ParseInt(call.Query("to")).value_or(-1) : call.now_ms() + 1;
  const int64_t from =
      call.HasQuery("from") ? ParseInt(call.Query("from")).value_or(-1) : to - 24LL * 3600 * 1000;
  if (from < 0 || to < 0 || from >= to)
    return ErrorResponse(400, "bad_request", "from and to: ms since the epoch, from < to");
  std::vector<AlarmView> views;
  if (Status s = PatientAlarmViews(*api.deps.db, *api.deps.keys, *call.patient, from, to, 500,
                                   call.now_ms(), &views);
      !s.ok())
    return StoreFailure(api, "patient alarms", s);
  json out = json::array();
  for (const AlarmView& v : views) out.push_back(AlarmJson(v));
  return JsonResponse(200, {{"patient_id", *call.patient}, {"alarms", out}});
}

HttpResponse AcknowledgeAlarmRoute(ApiService::Impl& api, Call& call) {
  json body;
  HttpResponse err;
  if (!ParseJsonBody(call, true, &body, &err)) return err;
  int64_t silence_ms = 0;
  if (body.contains("silence_minutes")) {
    if (!body["silence_minutes"].is_number_integer())
      return ErrorResponse(400, "bad_request", "silence_minutes: an integer");
    const int64_t m = body["silence_minutes"].get<int64_t>();
    if (m < 0 || m * 60000 > kMaxSilenceMs)
      return ErrorResponse(400, "bad_request", "silence_minutes: 0 to 30");
    silence_ms = m * 60000;
  }
  const std::optional<std::string> key = IdOfRef(call.match.target_id);
  if (!key) return ErrorResponse(404, "not_found");
  const std::string alarm = *key;
  AlarmAck ack;
  const Status s =
      AcknowledgeAlarm(*api.deps.db, alarm, call.subject->id, call.now_ms(), silence_ms, &ack);
  if (s.code == StoreError::kNotFound) return ErrorResponse(404, "not_found");
  if (s.code == StoreError::kMisuse) return ErrorResponse(409, "conflict", s.message);
  if (!s.ok()) return StoreFailure(api, "acknowledge", s);
  call.reason = "alarm " + alarm +
                (silence_ms > 0 ? ", silenced " + std::to_string(silence_ms / 60000) + " min" : "");
  json out = {{"alarm_id", alarm}, {"acknowledged", true}, {"time_ms", ack.time_ms}};
  if (ack.silence_until_ms > 0) out["silence_until_ms"] = ack.silence_until_ms;
  return JsonResponse(200, out);
}

HttpResponse PatientRecordRoute(ApiService::Impl& api, Call& call) {
  if (!call.patient) return ErrorResponse(404, "not_found");
  PatientIdentity who;
  const Status s = ReadIdentity(*api.deps.db, *api.deps.keys, *call.patient, &who);
  if (s.code == StoreError::kNotFound) return ErrorResponse(404, "not_found");
  if (!s.ok()) return StoreFailure(api, "identity", s);
  std::vector<Admission> adm;
  if (Status a = PatientAdmissions(*api.deps.db, *call.patient, &adm); !a.ok())
    return StoreFailure(api, "admissions", a);
  json admissions = json::array();
  for (const Admission& a : adm)
    admissions.push_back({{"admission_id", a.admission_id},
                          {"ward", a.ward},
                          {"bed", a.bed},
                          {"device_kind", a.device_kind},
                          {"start_ms", a.start_ms}});
  std::vector<std::string> teams;
  if (Status t = api.deps.directory->CareTeamsOf(*call.patient, &teams); !t.ok())
    return StoreFailure(api, "care teams", t);
  return JsonResponse(200, {{"patient_id", *call.patient},
                            {"name", who.name},
                            {"mrn", who.mrn},
                            {"birth_date", who.birth_date},
                            {"admissions", admissions},
                            {"care_teams", teams}});
}

HttpResponse PatientNotes(ApiService::Impl& api, Call& call) {
  if (!call.patient) return ErrorResponse(404, "not_found");
  std::vector<Note> notes;
  if (Status s = api.deps.notes->ForPatient(*call.patient, 200, &notes); !s.ok())
    return StoreFailure(api, "notes", s);
  json out = json::array();
  for (const Note& n : notes)
    out.push_back(
        {{"note_id", n.note_id}, {"author", n.author}, {"time_ms", n.time_ms}, {"text", n.text}});
  return JsonResponse(200, {{"patient_id", *call.patient}, {"notes", out}});
}

inline constexpr size_t kMaxNoteBytes = 8000;

HttpResponse AddPatientNote(ApiService::Impl& api, Call& call) {
  if (!call.patient) return ErrorResponse(404, "not_found");
  json body;
  HttpResponse err;
  if (!ParseJsonBody(call, true, &body, &err)) return err;
  if (!body.contains("text") || !body["text"].is_string())
    return ErrorResponse(400, "bad_request", "text: required");
  const std::string text = body["text"].get<std::string>();
  if (text.empty() || text.size() > kMaxNoteBytes)
    return ErrorResponse(400, "bad_request", "text: 1 to 8000 bytes");
  if (audit::ClampText(text, kMaxNoteBytes) != text)
    return ErrorResponse(400, "bad_request", "text: not UTF-8");
  Note n{0, *call.patient, call.subject->id, call.now_ms(), text};
  Note stored;
  if (Status s = api.deps.notes->Add(n, &stored); !s.ok()) return StoreFailure(api, "note", s);
  call.reason = "note " + std::to_string(stored.note_id);
  return JsonResponse(201, {{"note_id", stored.note_id}, {"time_ms", stored.time_ms}});
}

HttpResponse OpenBreakGlassRoute(ApiService::Impl& api, Call& call) {
  if (!call.patient) return ErrorResponse(404, "not_found");
  json body;
  HttpResponse err;
  if (!ParseJsonBody(call, true, &body, &err)) return err;
  if (!body.contains("reason") || !body["reason"].is_string())
    return ErrorResponse(400, "bad_request", "reason: required, text");
  TimeUs duration = policy::kBreakGlassDefaultDuration;
  if (body.contains("minutes")) {
    if (!body["minutes"].is_number_integer())
      return ErrorResponse(400, "bad_request", "minutes: an integer");
    duration = body["minutes"].get<int64_t>() * 60 * kSeconds;
  }
  const std::optional<std::string> grant_id = auth::RandomToken(16);
  if (!grant_id) return ErrorResponse(503, "unavailable");
  const policy::BreakGlassOpen open = policy::OpenBreakGlass(
      *call.subject, std::to_string(*call.patient), body["reason"].get<std::string>(), duration,
      "bg-" + *grant_id, call.now);
  if (open.error != policy::BreakGlassError::kOk)
    return ErrorResponse(400, "bad_request", policy::BreakGlassErrorName(open.error));
  if (api.deps.grants->Add(open.grant) != Error::kOk)
    return StoreFailure(api, "break-glass grant", Fail(StoreError::kQuery, "grant not stored"));
  call.reason = open.grant.reason + " (grant " + open.grant.id + ", until " +
                std::to_string(open.grant.expires / 1000) + " ms)";
  api.RaiseAlerts({api.deps.detectors->OnBreakGlassOpened(open.grant, call.http.remote)}, &call);
  return JsonResponse(201, {{"grant", open.grant.id},
                            {"patient_id", *call.patient},
                            {"opened_ms", open.grant.opened / 1000},
                            {"expires_ms", open.grant.expires / 1000}});
}

}  // namespace vigil::cloud::api
