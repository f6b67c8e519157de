// Who asks: a person with one role, or a service account (a gateway).
//
// The policy (policy.h) decides over these plain values; the API fills them from the
// session or token it verified and from the staff roster in the database. Nothing here
// reads a clock or a store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace vigil::policy {

// RBAC roles. kService is a machine (a gateway holding an API key or a client-credentials
// token); every other role is a person.
enum class Role : uint8_t { kAdmin, kDoctor, kNurse, kPatient, kAuditor, kService };

std::string_view RoleName(Role r);                        // "admin", "doctor", ...
std::optional<Role> RoleFromName(std::string_view name);  // the inverse; nullopt if unknown

constexpr bool IsClinician(Role r) { return r == Role::kDoctor || r == Role::kNurse; }

// An assignment to a ward or to a care team, valid while on duty: [start, end) in Unix
// time (microseconds). A clinician usually has several, one per shift.
struct DutyAssignment {
  std::string unit;  // the ward id or the care-team id
  TimeUs start = 0;
  TimeUs end = 0;

  bool OnDuty(TimeUs now) const { return start <= now && now < end; }
};

struct Subject {
  std::string id;  // user id or service-account id; appears in audit records and alerts
  Role role = Role::kNurse;
  std::string patient_id;                  // role kPatient: whose data this person is
  std::vector<DutyAssignment> wards;       // clinicians
  std::vector<DutyAssignment> care_teams;  // clinicians
  std::vector<std::string> scopes;         // service accounts: "ingest"

  bool HasScope(std::string_view scope) const;
};

}  // namespace vigil::policy
