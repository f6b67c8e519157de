// The dashboard's views over admissions and alarms (docs/cloud.md, "The API's queries"):
// who lies in a ward now, a patient's current admission, a patient's alarms, and the
// acknowledgement of an alarm. Identity and alarm details are opened through the keyring
// like every other sealed value; what is in clear here (ward, bed, device kind, alarm
// state and priority) is what the queries select on (docs/cloud.md, "What a copy of the
// database tells").
//
// Not thread-safe (one Database connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"
#include "cloud/store/patient_records.h"

namespace vigil::cloud {

struct Admission {
  int64_t admission_id = 0;
  int64_t patient_id = 0;
  std::string ward, bed, device_kind;
  int64_t start_ms = 0;
};

// Open admissions (no end) in `ward`, by bed. One row per patient: a patient admitted
// with several devices appears once, with the admission of the lowest bed.
Status WardAdmissions(Database& db, std::string_view ward, std::vector<Admission>* out);

// The patient's open admission, or nullopt (discharged, or no such patient).
Status CurrentAdmission(Database& db, int64_t patient_id, std::optional<Admission>* out);

// Every open admission of the patient (one per device kind), by start.
Status PatientAdmissions(Database& db, int64_t patient_id, std::vector<Admission>* out);

// The patient an alarm belongs to; nullopt when the alarm is unknown or its pseudonym is
// not admitted yet.
Status AlarmPatient(Database& db, std::string_view alarm_key, std::optional<int64_t>* out);

struct AlarmAck {
  std::string user_id;
  int64_t time_ms = 0;
  int64_t silence_until_ms = 0;  // 0: acknowledged, not silenced
  int64_t alarm_last_ms = 0;     // the alarm's last change the acknowledgement saw
};

struct AlarmView {
  StoredAlarm alarm;
  std::optional<AlarmAck> ack;  // the newest acknowledgement, if any
  // True while the newest acknowledgement covers the alarm: the alarm did not change
  // after it (an escalation sounds again) and, for a silence, until its end.
  bool acknowledged = false;
  bool silenced = false;
};

// Alarms not cleared in `ward` with their acknowledgement state, highest priority first
// (high, medium, low, then anything else), then oldest raised first.
Status WardAlarmViews(Database& db, const Keyring& keys, std::string_view ward, int64_t now_ms,
                      std::vector<AlarmView>* out);

// The patient's alarms raised in [from_ms, to_ms) (cleared ones included), newest first,
// at most `limit`.
Status PatientAlarmViews(Database& db, const Keyring& keys, int64_t patient_id, int64_t from_ms,
                         int64_t to_ms, size_t limit, int64_t now_ms, std::vector<AlarmView>* out);

// Records an acknowledgement of `alarm_key` by `user_id` at now_ms, silencing it until
// now_ms + silence_ms (0: no silence). kNotFound for an unknown alarm; kMisuse for a
// cleared one (nothing to acknowledge) or a silence longer than kMaxSilenceMs.
inline constexpr int64_t kMaxSilenceMs = 30 * 60 * 1000;
Status AcknowledgeAlarm(Database& db, std::string_view alarm_key, std::string_view user_id,
                        int64_t now_ms, int64_t silence_ms, AlarmAck* out);

}  // namespace vigil::cloud
