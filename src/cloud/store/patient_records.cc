#include "cloud/store/patient_records.h"

#include <nlohmann/json.hpp>
#include <set>

#include "cloud/ingest/ingester.h"
#include "cloud/ingest/rollup.h"
#include "common/hex.h"
#include "common/vitals.h"

namespace vigil::cloud {
namespace {

Status PatientPseudonyms(Database& db, const Keyring& keys, int64_t patient_id,
                         std::set<Blob>* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT pseudonym_hash, pseudonym FROM pseudonyms WHERE patient_id = ?",
                            {Value{patient_id}}, &rows);
      !s.ok())
    return s;
  const std::string owner = PatientOwner(patient_id);
  for (const Row& r : rows) {
    const Blob hash = r.Bytes(0);
    std::vector<uint8_t> plain;
    if (Status s = keys.Unseal({"pseudonyms", "pseudonym", owner, ToHex(hash)}, r.Bytes(1), &plain);
        !s.ok())
      return s;
    // The index must be the pseudonym's: a hash column swapped between rows fails here.
    if (keys.PseudonymHash(
            std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size())) != hash)
      return Fail(StoreError::kCrypto, "pseudonyms: index does not match the sealed pseudonym");
    out->insert(hash);
  }
  return Status::Ok();
}

Status OpenReading(const Keyring& keys, const std::set<Blob>& owned, const Row& r,
                   StoredReading* out) {
  // Columns: message_id, pseudonym_hash, vital, time_ms, quality, value, vital_row, gateway.
  const Blob hash = r.Bytes(1);
  if (!owned.count(hash))
    return Fail(StoreError::kCrypto,
                "vitals: a row names this patient under a pseudonym that "
                "is not theirs (moved?)");
  out->message_id = r.Text(0);
  std::vector<uint8_t> plain;
  if (Status s = keys.Unseal({kVitalsTable, "value", PseudonymOwner(hash), out->message_id},
                             r.Bytes(5), &plain);
      !s.ok())
    return s;
  if (!DecodeVitalValue(plain, &out->value))
    return Fail(StoreError::kCrypto, "vitals: a value of the wrong size");
  out->vital = r.Text(2);
  out->time_ms = r.Int(3);
  out->quality = r.Text(4);
  out->row_id = r.Int(6);
  out->gateway = r.Text(7);
  return Status::Ok();
}

constexpr std::string_view kReadingColumns =
    "SELECT message_id, pseudonym_hash, vital, time_ms, quality, value, vital_row, gateway "
    "FROM vitals ";

}  // namespace

Status BindPseudonym(Database& db, const Keyring& keys, std::string_view pseudonym,
                     int64_t patient_id, int64_t now_ms, bool* created) {
  if (pseudonym.empty()) return Fail(StoreError::kMisuse, "an empty pseudonym");
  const Blob hash = keys.PseudonymHash(pseudonym);
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT patient_id FROM pseudonyms WHERE pseudonym_hash = ?",
                            {Value{hash}}, &rows);
      !s.ok())
    return s;
  if (!rows.empty()) {
    if (rows[0].Int(0) != patient_id)
      return Fail(StoreError::kConstraint,
                  "the pseudonym is already bound to patient " + std::to_string(rows[0].Int(0)));
    if (created != nullptr) *created = false;
    return Status::Ok();
  }
  Blob sealed;
  if (Status s = keys.Seal({"pseudonyms", "pseudonym", PatientOwner(patient_id), ToHex(hash)},
                           pseudonym, &sealed);
      !s.ok())
    return s;
  if (Status s =
          db.Execute("INSERT INTO pseudonyms (pseudonym_hash, pseudonym, patient_id, created_ms) "
                     "VALUES (?, ?, ?, ?)",
                     {Value{hash}, Value{sealed}, Value{patient_id}, Value{now_ms}});
      !s.ok())
    return s;
  if (created != nullptr) *created = true;
  return Status::Ok();
}

Status Admit(Database& db, const Keyring& keys, const AdmitRequest& req, int64_t now_ms,
             AdmitResult* out) {
  if (req.identity.name.empty() || req.pseudonym.empty())
    return Fail(StoreError::kMisuse, "a patient needs a name and a pseudonym");
  Transaction tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  const Blob hash = keys.PseudonymHash(req.pseudonym);
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT patient_id FROM pseudonyms WHERE pseudonym_hash = ?",
                            {Value{hash}}, &rows);
      !s.ok())
    return s;
  if (!rows.empty())
    return Fail(StoreError::kConstraint,
                "the pseudonym is already bound to patient " + std::to_string(rows[0].Int(0)));
  rows.clear();
  if (Status s = db.Execute(
          "INSERT INTO patients (created_ms, identity) VALUES (?, ?) RETURNING patient_id",
          {Value{now_ms}, Value{Blob{}}}, &rows);
      !s.ok())
    return s;
  AdmitResult r;
  r.patient_id = rows.at(0).Int(0);
  const std::string owner = PatientOwner(r.patient_id);
  const nlohmann::json identity = {{"name", req.identity.name},
                                   {"mrn", req.identity.mrn},
                                   {"birth_date", req.identity.birth_date}};
  Blob sealed;
  if (Status s = keys.Seal({"patients", "identity", owner, std::to_string(r.patient_id)},
                           identity.dump(), &sealed);
      !s.ok())
    return s;
  if (Status s = db.Execute("UPDATE patients SET identity = ? WHERE patient_id = ?",
                            {Value{sealed}, Value{r.patient_id}});
      !s.ok())
    return s;
  if (Status s = BindPseudonym(db, keys, req.pseudonym, r.patient_id, now_ms, nullptr); !s.ok())
    return s;
  rows.clear();
  if (Status s = db.Execute(
          "INSERT INTO admissions (patient_id, pseudonym_hash, device_kind, ward, bed, start_ms) "
          "VALUES (?, ?, ?, ?, ?, ?) RETURNING admission_id",
          {Value{r.patient_id}, Value{hash}, Value{req.device_kind}, Value{req.ward},
           Value{req.bed}, Value{req.start_ms}},
          &rows);
      !s.ok())
    return s;
  r.admission_id = rows.at(0).Int(0);
  if (Status s = LinkPseudonym(db, keys, hash, r.patient_id, &r.linked); !s.ok()) return s;
  if (Status s = tx.Commit(); !s.ok()) return s;
  if (out != nullptr) *out = r;
  return Status::Ok();
}

Status ReadIdentity(Database& db, const Keyring& keys, int64_t patient_id, PatientIdentity* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT identity FROM patients WHERE patient_id = ?",
                            {Value{patient_id}}, &rows);
      !s.ok())
    return s;
  if (rows.empty()) return Fail(StoreError::kNotFound, "no patient " + std::to_string(patient_id));
  std::vector<uint8_t> plain;
  if (Status s = keys.Unseal(
          {"patients", "identity", PatientOwner(patient_id), std::to_string(patient_id)},
          rows[0].Bytes(0), &plain);
      !s.ok())
    return s;
  const auto j = nlohmann::json::parse(plain.begin(), plain.end(), nullptr, false);
  if (!j.is_object()) return Fail(StoreError::kCrypto, "patients.identity: not an identity");
  out->name = j.value("name", "");
  out->mrn = j.value("mrn", "");
  out->birth_date = j.value("birth_date", "");
  return Status::Ok();
}

Status LatestVitals(Database& db, const Keyring& keys, int64_t patient_id,
                    std::vector<StoredReading>* out) {
  std::set<Blob> owned;
  if (Status s = PatientPseudonyms(db, keys, patient_id, &owned); !s.ok()) return s;
  for (Vital v : kAllVitals) {
    std::vector<Row> rows;
    // vitals_patient_vital_time: one index probe per vital, newest first.
    if (Status s =
            db.Execute(std::string(kReadingColumns) +
                           "WHERE patient_id = ? AND vital = ? ORDER BY time_ms DESC LIMIT 1",
                       {Value{patient_id}, Value{std::string(VitalName(v))}}, &rows);
        !s.ok())
      return s;
    for (const Row& r : rows) {
      StoredReading reading;
      if (Status s = OpenReading(keys, owned, r, &reading); !s.ok()) return s;
      out->push_back(std::move(reading));
    }
  }
  return Status::Ok();
}

Status Trend(Database& db, const Keyring& keys, int64_t patient_id, std::string_view vital,
             int64_t from_ms, int64_t to_ms, std::vector<StoredReading>* out) {
  std::set<Blob> owned;
  if (Status s = PatientPseudonyms(db, keys, patient_id, &owned); !s.ok()) return s;
  std::vector<Row> rows;
  if (Status s = db.Execute(
          std::string(kReadingColumns) +
              "WHERE patient_id = ? AND vital = ? AND time_ms >= ? AND time_ms < ? "
              "ORDER BY time_ms",
          {Value{patient_id}, Value{std::string(vital)}, Value{from_ms}, Value{to_ms}}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) {
    StoredReading reading;
    if (Status s = OpenReading(keys, owned, r, &reading); !s.ok()) return s;
    out->push_back(std::move(reading));
  }
  return Status::Ok();
}

// What a FHIR search returns: measurements (not a pump's settings, not an invalid
// reading), and blood pressure once, as its systolic reading (the panel's anchor).
constexpr std::string_view kObservationFilter =
    "patient_id = ? AND time_ms >= ? AND time_ms < ? AND vital <> ? "
    "AND vital NOT IN ('infusion_rate', 'infusion_volume') AND quality <> 'invalid'";

Status ReadingsPage(Database& db, const Keyring& keys, int64_t patient_id, int64_t from_ms,
                    int64_t to_ms, uint32_t count, uint64_t offset, uint64_t* total,
                    std::vector<StoredReading>* out, std::vector<StoredReading>* diastolic_of) {
  std::set<Blob> owned;
  if (Status s = PatientPseudonyms(db, keys, patient_id, &owned); !s.ok()) return s;
  const std::string dia(VitalName(Vital::kDiastolic));
  std::vector<Row> rows;
  if (Status s = db.Execute(
          std::string("SELECT COUNT(*) FROM vitals WHERE ") + std::string(kObservationFilter),
          {Value{patient_id}, Value{from_ms}, Value{to_ms}, Value{dia}}, &rows);
      !s.ok())
    return s;
  *total = rows.empty() ? 0 : static_cast<uint64_t>(rows[0].Int(0));
  rows.clear();
  if (Status s =
          db.Execute(std::string(kReadingColumns) + "WHERE " + std::string(kObservationFilter) +
                         " ORDER BY time_ms, vital_row LIMIT ? OFFSET ?",
                     {Value{patient_id}, Value{from_ms}, Value{to_ms}, Value{dia},
                      Value{static_cast<int64_t>(count)}, Value{static_cast<int64_t>(offset)}},
                     &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) {
    StoredReading reading;
    if (Status s = OpenReading(keys, owned, r, &reading); !s.ok()) return s;
    if (diastolic_of != nullptr) {
      StoredReading partner;
      if (reading.vital == VitalName(Vital::kSystolic)) {
        std::vector<Row> p;
        if (Status s = db.Execute(std::string(kReadingColumns) +
                                      "WHERE patient_id = ? AND vital = ? AND time_ms = ? "
                                      "ORDER BY vital_row LIMIT 1",
                                  {Value{patient_id}, Value{dia}, Value{reading.time_ms}}, &p);
            !s.ok())
          return s;
        if (!p.empty())
          if (Status s = OpenReading(keys, owned, p[0], &partner); !s.ok()) return s;
      }
      diastolic_of->push_back(std::move(partner));
    }
    out->push_back(std::move(reading));
  }
  return Status::Ok();
}

Status OpenAlarms(Database& db, const Keyring& keys, std::string_view ward,
                  std::vector<StoredAlarm>* out) {
  std::vector<Row> rows;
  // alarms_open_ward: a partial index holding only the alarms not cleared.
  if (Status s = db.Execute(
          "SELECT alarm_key, patient_id, pseudonym_hash, state, priority, raised_ms, last_ms, "
          "detail FROM alarms WHERE ward = ? AND state <> 'cleared' ORDER BY raised_ms",
          {Value{std::string(ward)}}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) {
    StoredAlarm a;
    a.alarm_key = r.Text(0);
    if (!r.IsNull(1)) a.patient_id = r.Int(1);
    std::vector<uint8_t> plain;
    if (Status s = keys.Unseal({kAlarmsTable, "detail", PseudonymOwner(r.Bytes(2)), a.alarm_key},
                               r.Bytes(7), &plain);
        !s.ok())
      return s;
    a.state = r.Text(3);
    a.priority = r.Text(4);
    a.raised_ms = r.Int(5);
    a.last_ms = r.Int(6);
    a.detail_json.assign(plain.begin(), plain.end());
    out->push_back(std::move(a));
  }
  return Status::Ok();
}

}  // namespace vigil::cloud
