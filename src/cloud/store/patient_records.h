// Patients, their admissions and their records, read and written through the keyring
// (docs/cloud.md, "Schema and migrations", "Encryption at rest").
//
// Admit creates a patient (identity sealed: name, MRN, birth date), binds the edge's
// pseudonym to it (the pseudonyms table: the one place a pseudonym meets a patient; the
// pseudonym sealed under the patient, found by its blind index) and records the
// admission (device kind, ward, bed, from now, open-ended); readings and alarms already
// stored under that pseudonym are linked in the same transaction.
//
// Readers check ownership twice: the sealed pseudonym of each of the patient's pseudonym
// rows must open under that patient (a pseudonym row moved to another patient fails),
// and a reading or alarm is returned only if its pseudonym is one of those and its value
// opens under that pseudonym and its own message id (a row moved to another pseudonym or
// row fails). Any failure is kCrypto, never a silently skipped row.
//
// Not thread-safe (one Database connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

struct PatientIdentity {
  std::string name, mrn, birth_date;  // birth_date as YYYY-MM-DD
};

struct AdmitRequest {
  PatientIdentity identity;
  std::string pseudonym, device_kind, ward, bed;
  int64_t start_ms = 0;
};

struct AdmitResult {
  int64_t patient_id = 0;
  int64_t admission_id = 0;
  size_t linked = 0;  // readings and alarms stored before and linked now
};

struct StoredReading {
  std::string vital, quality, message_id, gateway;
  int64_t row_id = 0;  // vitals.vital_row: the FHIR Observation id
  int64_t time_ms = 0;
  double value = 0;
};

struct StoredAlarm {
  std::string alarm_key, state, priority, detail_json;
  std::optional<int64_t> patient_id;
  int64_t raised_ms = 0, last_ms = 0;
};

// Errors: kConstraint when the pseudonym already belongs to another patient; kMisuse for
// an empty name or pseudonym; the database's.
Status Admit(Database& db, const Keyring& keys, const AdmitRequest& req, int64_t now_ms,
             AdmitResult* out);

// Binds `pseudonym` to the patient (the pseudonyms row Admit makes), within the caller's
// transaction; `created` (may be null) says whether a row was made. A binding never
// moves: kConstraint when the pseudonym belongs to another patient (ingest caches
// bindings, and the patient's readers check theirs); kOk and no change when it is
// already this patient's. kMisuse for an empty pseudonym.
Status BindPseudonym(Database& db, const Keyring& keys, std::string_view pseudonym,
                     int64_t patient_id, int64_t now_ms, bool* created);

Status ReadIdentity(Database& db, const Keyring& keys, int64_t patient_id, PatientIdentity* out);

// The newest reading of each vital the patient has (one row per vital code).
Status LatestVitals(Database& db, const Keyring& keys, int64_t patient_id,
                    std::vector<StoredReading>* out);

// The patient's readings of `vital` with from_ms <= time_ms < to_ms, oldest first.
Status Trend(Database& db, const Keyring& keys, int64_t patient_id, std::string_view vital,
             int64_t from_ms, int64_t to_ms, std::vector<StoredReading>* out);

// One page of the patient's observations with from_ms <= time_ms < to_ms, ordered by time
// then row, for the FHIR search: `total` receives the number of matches of the whole
// window. Observations are measurements: infusion settings and invalid readings are not
// (fhir/observation.h). Diastolic readings are left out of the page and the total: each
// comes with the systolic reading of the same time (one blood-pressure panel), and
// `diastolic_of` (may be null) receives, per reading of the page, the diastolic partner
// of a systolic one (row_id 0 when none, and for every other vital).
Status ReadingsPage(Database& db, const Keyring& keys, int64_t patient_id, int64_t from_ms,
                    int64_t to_ms, uint32_t count, uint64_t offset, uint64_t* total,
                    std::vector<StoredReading>* out,
                    std::vector<StoredReading>* diastolic_of = nullptr);

// Alarms not cleared in `ward`, oldest raised first.
Status OpenAlarms(Database& db, const Keyring& keys, std::string_view ward,
                  std::vector<StoredAlarm>* out);

}  // namespace vigil::cloud
