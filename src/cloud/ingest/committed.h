// What a committed ingest batch stored, for whoever shows it live (the dashboard's ward
// streams, docs/dashboard.md): only readings and alarms of admitted patients, each with
// the ward and bed of the patient's current admission (not the ward the gateway wrote:
// a live view must show what the ward view would, and nothing it would not).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vigil::cloud {

struct CommittedReading {
  int64_t patient_id = 0;
  std::string ward, bed;  // of the current admission
  std::string vital, quality, gateway, message_id;
  double value = 0;
  int64_t time_ms = 0;
};

struct CommittedAlarm {
  int64_t patient_id = 0;
  std::string ward, bed;  // of the current admission
  std::string alarm_key, state, priority, condition, gateway;
  std::optional<std::string> vital;
  std::optional<double> value;
  std::string unit, message;
  bool technical = false;
  int64_t time_ms = 0;
};

struct CommittedBatch {
  std::vector<CommittedReading> readings;
  std::vector<CommittedAlarm> alarms;
  bool empty() const { return readings.empty() && alarms.empty(); }
};

// Called on the ingesting thread after the commit, never before: a failed batch is never
// shown. It must not block (it runs inside the ingest loop).
using CommitObserver = std::function<void(const CommittedBatch&)>;

}  // namespace vigil::cloud
