// The hospital's people as the policy needs them (tables `staff`, `duty_assignments`,
// `patient_care_teams`, migration 2): who a user is (role, display name, the patient a
// patient-role user is), whether they may log in, and the wards and care teams they are
// on duty for; and, for a patient, the ward of their open admission and their care teams.
// SubjectFor and PatientTargetFor build the plain values policy.h decides over, so that
// every replica decides on the same roster.
//
// Duties: SubjectFor gives the assignments that overlap [now - kDutyWindow, now +
// kDutyWindow], so the policy sees a shift that just ended (to name the off-duty rule) and
// the one about to start, and not years of history.
//
// The password hash is text opaque to this module (password_hash.h makes and checks it).
//
// Errors (vigil::Error in Result, the database's message in last_status()):
//   SubjectFor: kNotFound (no such user), kInvalidState (the user is disabled: the caller
//     refuses the request, as for an unknown user), kCorrupt (a role this binary does not
//     know), kIo (the database failed: fail closed).
//   PatientTargetFor: kNotFound (no such patient), kIo.
//   Admin calls: kInvalidState (user id taken), kNotFound, kInvalidArgument (a role or
//     duty the schema refuses), kIo.
// Thread-safety: one directory per Database connection; neither is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/policy/resource.h"
#include "cloud/policy/subject.h"
#include "cloud/store/database.h"
#include "common/error.h"
#include "common/time.h"

namespace vigil::cloud {

inline constexpr TimeUs kDutyWindow = 24 * 3600 * kSeconds;

struct StaffUser {
  std::string user_id;
  policy::Role role = policy::Role::kNurse;  // not kService: machines are API keys/clients
  std::string display_name;
  std::string password_hash;
  std::string patient_id;  // role kPatient only (required there, empty otherwise)
  bool disabled = false;
  TimeUs created = 0;
};

enum class DutyKind : uint8_t { kWard, kCareTeam };

class StaffDirectory {
 public:
  explicit StaffDirectory(Database& db) : db_(db) {}

  vigil::Error CreateUser(const StaffUser& user);
  Result<StaffUser> FindUser(std::string_view user_id);
  vigil::Error SetDisabled(std::string_view user_id, bool disabled);
  // The schema refuses a change to or from patient (kInvalidArgument): that is another
  // person, not another role.
  vigil::Error SetRole(std::string_view user_id, policy::Role role);
  vigil::Error SetPasswordHash(std::string_view user_id, std::string_view hash);
  // Replaces every assignment of `kind` of the user by `duties`, in one transaction (or
  // the caller's).
  vigil::Error SetDuties(std::string_view user_id, DutyKind kind,
                         const std::vector<policy::DutyAssignment>& duties);
  // Replaces the patient's care teams.
  vigil::Error SetCareTeams(int64_t patient_id, const std::vector<std::string>& teams);

  Result<policy::Subject> SubjectFor(std::string_view user_id, TimeUs now);
  // The patient's ward is that of the admission open at `now` (started, not ended), or
  // empty when none is.
  Result<policy::PatientTarget> PatientTargetFor(int64_t patient_id, TimeUs now);

  const Status& last_status() const { return last_; }

 private:
  vigil::Error Io(Status s);
  vigil::Error Changed(int64_t n);

  Database& db_;
  Status last_;
};

}  // namespace vigil::cloud
