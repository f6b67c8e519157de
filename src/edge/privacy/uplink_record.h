// Data minimisation: the exact fields a record leaving the edge carries, and the builder
// that drops everything else (docs/privacy.md, "What leaves the edge" argues each field).
//
// A reading leaves as: pseudonym, ward, vital, value, unit, time (whole seconds), device
// kind, quality. It never carries the patient id (MRN), a name (the edge holds none), the
// bed, the device uid, the frame counter or the gateway's monotonic time. An alarm event
// leaves with the same pseudonym and ward, without the bed or the operator's identity.
// The uplink serialises these structs; it has nothing else about the patient to add.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/error.h"
#include "common/vitals.h"
#include "connection/device_identity.h"
#include "edge/clinical/alarm.h"
#include "edge/clinical/clinical_config.h"
#include "edge/privacy/pseudonym.h"

namespace vigil::privacy {

struct UplinkReading {
  std::string pseudonym;  // kPseudonymChars hex digits
  std::string ward;
  Vital vital = Vital::kHeartRate;
  double value = 0;
  std::string_view unit;  // VitalUcumUnit(vital)
  int64_t time_s = 0;     // unix time, whole seconds
  DeviceKind device_kind = DeviceKind::kOther;
  clinical::ReadingQuality quality = clinical::ReadingQuality::kValid;
};

struct UplinkAlarm {
  std::string pseudonym;
  std::string ward;
  uint64_t alarm_id = 0;  // what the dashboard names when it acknowledges or silences
  clinical::AlarmEventKind kind = clinical::AlarmEventKind::kRaised;
  clinical::AlarmCondition condition;
  clinical::AlarmPriority priority = clinical::AlarmPriority::kMedium;
  clinical::AlarmPriority previous_priority = clinical::AlarmPriority::kMedium;
  clinical::AlarmState state = clinical::AlarmState::kActive;
  std::optional<double> value;
  std::optional<clinical::News2Summary> news2;
  int64_t time_s = 0;          // unix time, whole seconds
  int64_t silenced_for_s = 0;  // kSilenced: how long the pause lasts
};

// Resolves each device to its patient's pseudonym and ward once, so that building a
// reading's record is a lookup. Holds no patient id: an alarm event's id is pseudonymised
// when its record is built. REQUIRES: the Pseudonymiser outlives this object.
class UplinkMinimiser {
 public:
  UplinkMinimiser() = default;
  // kCrypto if a pseudonym cannot be computed; `why` names the patient by position.
  Error Init(const clinical::ClinicalConfig& config, const Pseudonymiser& pseudonymiser,
             std::string* why);

  // `unix_s` is the reading's time on the wall clock (the driver converts its monotonic
  // Reading::time). kNotFound for a device on no patient.
  Error BuildReading(uint64_t device_uid, const Reading& reading, clinical::ReadingQuality quality,
                     int64_t unix_s, UplinkReading* out) const;
  // `unix_s` is the event's time on the wall clock. kInvalidState before Init(),
  // kCrypto if the pseudonym cannot be computed.
  Error BuildAlarm(const clinical::AlarmEvent& event, int64_t unix_s, UplinkAlarm* out) const;

 private:
  struct Target {
    std::string pseudonym;
    std::string ward;
    DeviceKind kind = DeviceKind::kOther;
  };
  std::unordered_map<uint64_t, Target> by_uid_;
  const Pseudonymiser* pseudonymiser_ = nullptr;
};

}  // namespace vigil::privacy
