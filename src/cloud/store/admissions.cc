#include "cloud/store/admissions.h"

#include <vector>

#include "cloud/ingest/rollup.h"
#include "cloud/store/device_inventory.h"
#include "cloud/store/patient_records.h"

namespace vigil::cloud {

Status AssignDeviceToBed(Database& db, const Keyring& keys, std::string_view ward,
                         std::string_view bed, std::string_view device_uid, int64_t now_ms,
                         BedAssignment* out) {
  return WithinTransaction(db, [&]() -> Status {
    std::vector<Row> rows;
    if (Status s = db.Execute(
            "SELECT patient_id FROM admissions WHERE ward = ? AND bed = ? AND end_ms IS NULL "
            "AND start_ms <= ? ORDER BY start_ms, admission_id LIMIT 1",
            {Value{std::string(ward)}, Value{std::string(bed)}, Value{now_ms}}, &rows);
        !s.ok())
      return s;
    if (rows.empty()) return Fail(StoreError::kNotFound, "no patient is admitted in that bed");
    BedAssignment r;
    r.patient_id = rows[0].Int(0);
    InventoryDevice device;
    std::string pseudonym;
    if (Status s = ReadDevice(db, keys, device_uid, &device, &pseudonym); !s.ok()) return s;
    if (pseudonym.empty())
      return Fail(StoreError::kMisuse, "the device's gateway has not reported its pseudonym");
    if (Status s = BindPseudonym(db, keys, pseudonym, r.patient_id, now_ms, nullptr); !s.ok())
      return s;
    // A device is on one bed at a time: an earlier bed of the same patient is left now.
    if (Status s =
            db.Execute("UPDATE admissions SET end_ms = ? WHERE device_uid = ? AND end_ms IS NULL",
                       {Value{now_ms}, Value{std::string(device_uid)}});
        !s.ok())
      return s;
    const Blob hash = keys.PseudonymHash(pseudonym);
    rows.clear();
    if (Status s = db.Execute(
            "INSERT INTO admissions (patient_id, pseudonym_hash, device_kind, ward, bed, "
            "start_ms, device_uid) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING admission_id",
            {Value{r.patient_id}, Value{hash}, Value{device.kind}, Value{std::string(ward)},
             Value{std::string(bed)}, Value{now_ms}, Value{std::string(device_uid)}},
            &rows);
        !s.ok())
      return s;
    r.admission_id = rows.at(0).Int(0);
    if (Status s = LinkPseudonym(db, keys, hash, r.patient_id, &r.linked); !s.ok()) return s;
    if (out != nullptr) *out = r;
    return Status::Ok();
  });
}

Status Discharge(Database& db, int64_t patient_id, int64_t now_ms, size_t* ended) {
  int64_t changes = 0;
  if (Status s =
          db.Execute("UPDATE admissions SET end_ms = ? WHERE patient_id = ? AND end_ms IS NULL",
                     {Value{now_ms}, Value{patient_id}}, nullptr, &changes);
      !s.ok())
    return s;
  if (changes == 0) return Fail(StoreError::kNotFound, "the patient has no open admission");
  if (ended != nullptr) *ended = static_cast<size_t>(changes);
  return Status::Ok();
}

Status BedOfDevice(Database& db, std::string_view device_uid, std::string* ward, std::string* bed) {
  std::vector<Row> rows;
  if (Status s =
          db.Execute("SELECT ward, bed FROM admissions WHERE device_uid = ? AND end_ms IS NULL "
                     "ORDER BY start_ms DESC LIMIT 1",
                     {Value{std::string(device_uid)}}, &rows);
      !s.ok())
    return s;
  ward->clear();
  bed->clear();
  if (!rows.empty()) {
    *ward = rows[0].Text(0);
    *bed = rows[0].Text(1);
  }
  return Status::Ok();
}

}  // namespace vigil::cloud
