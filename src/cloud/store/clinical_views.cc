#include "cloud/store/clinical_views.h"

#include <algorithm>
#include <map>

#include "cloud/ingest/ingester.h"

namespace vigil::cloud {
namespace {

Admission AdmissionOf(const Row& r) {
  // Columns: admission_id, patient_id, ward, bed, device_kind, start_ms.
  Admission a;
  a.admission_id = r.Int(0);
  a.patient_id = r.Int(1);
  a.ward = r.Text(2);
  a.bed = r.Text(3);
  a.device_kind = r.Text(4);
  a.start_ms = r.Int(5);
  return a;
}

constexpr std::string_view kAdmissionColumns =
    "SELECT admission_id, patient_id, ward, bed, device_kind, start_ms FROM admissions ";

int PriorityRank(std::string_view p) {
  if (p == "high") return 0;
  if (p == "medium") return 1;
  if (p == "low") return 2;
  return 3;
}

// Columns: alarm_key, patient_id, pseudonym_hash, state, priority, raised_ms, last_ms,
// detail, then the newest acknowledgement's user_id, time_ms, silence_until_ms,
// alarm_last_ms (NULL without one): one statement per view, not one per alarm.
constexpr std::string_view kAlarmColumns =
    "SELECT a.alarm_key, a.patient_id, a.pseudonym_hash, a.state, a.priority, a.raised_ms, "
    "a.last_ms, a.detail, k.user_id, k.time_ms, k.silence_until_ms, k.alarm_last_ms "
    "FROM alarms a LEFT JOIN alarm_acks k ON k.ack_id = (SELECT ack_id FROM alarm_acks "
    "WHERE alarm_key = a.alarm_key ORDER BY time_ms DESC, ack_id DESC LIMIT 1) ";

Status OpenAlarmRow(const Keyring& keys, const Row& r, StoredAlarm* a) {
  a->alarm_key = r.Text(0);
  if (!r.IsNull(1)) a->patient_id = r.Int(1);
  std::vector<uint8_t> plain;
  if (Status s = keys.Unseal({kAlarmsTable, "detail", PseudonymOwner(r.Bytes(2)), a->alarm_key},
                             r.Bytes(7), &plain);
      !s.ok())
    return s;
  a->state = r.Text(3);
  a->priority = r.Text(4);
  a->raised_ms = r.Int(5);
  a->last_ms = r.Int(6);
  a->detail_json.assign(plain.begin(), plain.end());
  return Status::Ok();
}

Status OpenAlarmView(const Keyring& keys, const Row& r, int64_t now_ms, AlarmView* v) {
  if (Status s = OpenAlarmRow(keys, r, &v->alarm); !s.ok()) return s;
  if (r.IsNull(8)) return Status::Ok();
  AlarmAck a;
  a.user_id = r.Text(8);
  a.time_ms = r.Int(9);
  a.silence_until_ms = r.IsNull(10) ? 0 : r.Int(10);
  a.alarm_last_ms = r.Int(11);
  // An alarm that changed after it was acknowledged (escalated, a new value) is
  // unacknowledged again: the clinician acknowledged what they saw, not what came later.
  v->acknowledged = v->alarm.state != "cleared" && v->alarm.last_ms <= a.alarm_last_ms;
  v->silenced = v->acknowledged && a.silence_until_ms > now_ms;
  v->ack = a;
  return Status::Ok();
}

}  // namespace

Status WardAdmissions(Database& db, std::string_view ward, std::vector<Admission>* out) {
  std::vector<Row> rows;
  // admissions_ward: a partial index of the open admissions.
  if (Status s = db.Execute(std::string(kAdmissionColumns) +
                                "WHERE ward = ? AND end_ms IS NULL ORDER BY bed, admission_id",
                            {Value{std::string(ward)}}, &rows);
      !s.ok())
    return s;
  std::map<int64_t, bool> seen;
  for (const Row& r : rows) {
    Admission a = AdmissionOf(r);
    if (seen.emplace(a.patient_id, true).second) out->push_back(std::move(a));
  }
  return Status::Ok();
}

Status PatientAdmissions(Database& db, int64_t patient_id, std::vector<Admission>* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute(std::string(kAdmissionColumns) +
                                "WHERE patient_id = ? AND end_ms IS NULL ORDER BY start_ms, "
                                "admission_id",
                            {Value{patient_id}}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) out->push_back(AdmissionOf(r));
  return Status::Ok();
}

Status CurrentAdmission(Database& db, int64_t patient_id, std::optional<Admission>* out) {
  std::vector<Admission> all;
  if (Status s = PatientAdmissions(db, patient_id, &all); !s.ok()) return s;
  if (all.empty()) {
    out->reset();
  } else {
    *out = all.front();
  }
  return Status::Ok();
}

Status AlarmPatient(Database& db, std::string_view alarm_key, std::optional<int64_t>* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT patient_id FROM alarms WHERE alarm_key = ?",
                            {Value{std::string(alarm_key)}}, &rows);
      !s.ok())
    return s;
  if (rows.empty() || rows[0].IsNull(0)) {
    out->reset();
  } else {
    *out = rows[0].Int(0);
  }
  return Status::Ok();
}

Status WardAlarmViews(Database& db, const Keyring& keys, std::string_view ward, int64_t now_ms,
                      std::vector<AlarmView>* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute(
          std::string(kAlarmColumns) + "WHERE ward = ? AND state <> 'cleared' ORDER BY raised_ms",
          {Value{std::string(ward)}}, &rows);
      !s.ok())
    return s;
  std::vector<AlarmView> views;
  for (const Row& r : rows) {
    AlarmView v;
    if (Status s = OpenAlarmView(keys, r, now_ms, &v); !s.ok()) return s;
    views.push_back(std::move(v));
  }
  std::stable_sort(views.begin(), views.end(), [](const AlarmView& a, const AlarmView& b) {
    return PriorityRank(a.alarm.priority) < PriorityRank(b.alarm.priority);
  });
  for (AlarmView& v : views) out->push_back(std::move(v));
  return Status::Ok();
}

Status PatientAlarmViews(Database& db, const Keyring& keys, int64_t patient_id, int64_t from_ms,
                         int64_t to_ms, size_t limit, int64_t now_ms, std::vector<AlarmView>* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute(
          std::string(kAlarmColumns) + "WHERE patient_id = ? AND raised_ms >= ? AND raised_ms < ? "
                                       "ORDER BY raised_ms DESC LIMIT ?",
          {Value{patient_id}, Value{from_ms}, Value{to_ms}, Value{static_cast<int64_t>(limit)}},
          &rows);
      !s.ok())
    return s;
  std::vector<AlarmView> views;
  for (const Row& r : rows) {
    AlarmView v;
    if (Status s = OpenAlarmView(keys, r, now_ms, &v); !s.ok()) return s;
    views.push_back(std::move(v));
  }
  for (AlarmView& v : views) out->push_back(std::move(v));
  return Status::Ok();
}

Status AcknowledgeAlarm(Database& db, std::string_view alarm_key, std::string_view user_id,
                        int64_t now_ms, int64_t silence_ms, AlarmAck* out) {
  if (silence_ms < 0 || silence_ms > kMaxSilenceMs)
    return Fail(StoreError::kMisuse, "silence must be 0 to 30 minutes");
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT state, last_ms FROM alarms WHERE alarm_key = ?",
                            {Value{std::string(alarm_key)}}, &rows);
      !s.ok())
    return s;
  if (rows.empty()) return Fail(StoreError::kNotFound, "no such alarm");
  if (rows[0].Text(0) == "cleared") return Fail(StoreError::kMisuse, "the alarm is cleared");
  AlarmAck a;
  a.user_id = std::string(user_id);
  a.time_ms = now_ms;
  a.silence_until_ms = silence_ms > 0 ? now_ms + silence_ms : 0;
  a.alarm_last_ms = rows[0].Int(1);
  if (Status s = db.Execute(
          "INSERT INTO alarm_acks (alarm_key, user_id, time_ms, silence_until_ms, alarm_last_ms) "
          "VALUES (?, ?, ?, ?, ?)",
          {Value{std::string(alarm_key)}, Value{a.user_id}, Value{a.time_ms},
           a.silence_until_ms > 0 ? Value{a.silence_until_ms} : Value{nullptr},
           Value{a.alarm_last_ms}});
      !s.ok())
    return s;
  if (out != nullptr) *out = a;
  return Status::Ok();
}

}  // namespace vigil::cloud
