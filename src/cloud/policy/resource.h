// What is asked for: a resource kind and an action, and which patient or ward it concerns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::policy {

enum class Resource : uint8_t {
  // Patient data: always about one patient.
  kVitals,
  kAlarms,
  kPatientRecord,
  kNotes,
  // A ward's view: latest vitals and open alarms of every patient in one ward; the bulk
  // export of a ward.
  kWardView,
  kAuditRecords,
  kSecurityAlerts,
  // Admin operations.
  kAdminUsers,
  kAdminKeys,
  kAdminDevices,
  kIngest,
  // Opening an emergency break-glass grant on one patient.
  kBreakGlass,
  // Token endpoint and login: reachable without credentials (they produce them).
  kAuthEndpoint,
  // A person's own credentials: who they are and their wards, logout,
  // second-factor enrolment, password change.
  kOwnAccount,
};

enum class Action : uint8_t { kRead, kWrite, kAcknowledge, kExport, kAdminister };

std::string_view ResourceName(Resource r);  // "vitals", "ward_view", ...
std::string_view ActionName(Action a);      // "read", "write", ...

constexpr bool IsPatientData(Resource r) {
  return r == Resource::kVitals || r == Resource::kAlarms || r == Resource::kPatientRecord ||
         r == Resource::kNotes;
}

// The patient a request concerns, as the database knows them at `now`: the ward of their
// current admission and the care teams they are under.
struct PatientTarget {
  std::string id;
  std::string ward;
  std::vector<std::string> care_teams;
};

struct AccessRequest {
  Resource resource = Resource::kVitals;
  Action action = Action::kRead;
  std::optional<PatientTarget> patient;  // patient data and break-glass
  std::optional<std::string> ward;       // ward views
};

}  // namespace vigil::policy
