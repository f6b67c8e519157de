#include "cloud/store/staff_directory.h"

namespace vigil::cloud {
namespace {

std::string_view KindName(DutyKind k) { return k == DutyKind::kWard ? "ward" : "care_team"; }

}  // namespace

vigil::Error StaffDirectory::Io(Status s) {
  last_ = std::move(s);
  if (last_.ok()) return vigil::Error::kOk;
  return last_.code == StoreError::kConstraint ? vigil::Error::kInvalidArgument : vigil::Error::kIo;
}

vigil::Error StaffDirectory::Changed(int64_t n) {
  if (!last_.ok()) return vigil::Error::kIo;
  return n > 0 ? vigil::Error::kOk : vigil::Error::kNotFound;
}

vigil::Error StaffDirectory::CreateUser(const StaffUser& u) {
  if (u.user_id.empty() || u.role == policy::Role::kService ||
      (u.role == policy::Role::kPatient) == u.patient_id.empty())
    return vigil::Error::kInvalidArgument;
  std::vector<Row> rows;
  last_ = db_.Execute("SELECT 1 FROM staff WHERE user_id = ?", {Value{u.user_id}}, &rows);
  if (!last_.ok()) return vigil::Error::kIo;
  if (!rows.empty()) return vigil::Error::kInvalidState;
  return Io(db_.Execute(
      "INSERT INTO staff (user_id, role, display_name, password_hash, patient_id, disabled, "
      "created_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {Value{u.user_id}, Value{std::string(policy::RoleName(u.role))}, Value{u.display_name},
       Value{u.password_hash}, u.patient_id.empty() ? Value{nullptr} : Value{u.patient_id},
       Value{int64_t{u.disabled ? 1 : 0}}, Value{u.created}}));
}

Result<StaffUser> StaffDirectory::FindUser(std::string_view user_id) {
  std::vector<Row> rows;
  last_ = db_.Execute(
      "SELECT role, display_name, password_hash, patient_id, disabled, created_us FROM staff "
      "WHERE user_id = ?",
      {Value{std::string(user_id)}}, &rows);
  if (!last_.ok()) return vigil::Error::kIo;
  if (rows.empty()) return vigil::Error::kNotFound;
  const auto role = policy::RoleFromName(rows[0].Text(0));
  if (!role.has_value()) return vigil::Error::kCorrupt;
  StaffUser u;
  u.user_id = std::string(user_id);
  u.role = *role;
  u.display_name = rows[0].Text(1);
  u.password_hash = rows[0].Text(2);
  u.patient_id = rows[0].Text(3);
  u.disabled = rows[0].Int(4) != 0;
  u.created = rows[0].Int(5);
  return u;
}

vigil::Error StaffDirectory::SetDisabled(std::string_view user_id, bool disabled) {
  int64_t n = 0;
  last_ = db_.Execute("UPDATE staff SET disabled = ? WHERE user_id = ?",
                      {Value{int64_t{disabled ? 1 : 0}}, Value{std::string(user_id)}}, nullptr, &n);
  return Changed(n);
}

vigil::Error StaffDirectory::SetRole(std::string_view user_id, policy::Role role) {
  if (role == policy::Role::kService) return vigil::Error::kInvalidArgument;
  int64_t n = 0;
  last_ = db_.Execute("UPDATE staff SET role = ? WHERE user_id = ?",
                      {Value{std::string(policy::RoleName(role))}, Value{std::string(user_id)}},
                      nullptr, &n);
  if (last_.code == StoreError::kConstraint) return vigil::Error::kInvalidArgument;
  return Changed(n);
}

vigil::Error StaffDirectory::SetPasswordHash(std::string_view user_id, std::string_view hash) {
  int64_t n = 0;
  last_ = db_.Execute("UPDATE staff SET password_hash = ? WHERE user_id = ?",
                      {Value{std::string(hash)}, Value{std::string(user_id)}}, nullptr, &n);
  return Changed(n);
}

vigil::Error StaffDirectory::SetDuties(std::string_view user_id, DutyKind kind,
                                       const std::vector<policy::DutyAssignment>& duties) {
  for (const policy::DutyAssignment& d : duties)
    if (d.unit.empty() || d.start >= d.end) return vigil::Error::kInvalidArgument;
  bool found = true;
  const Status s = WithinTransaction(db_, [&]() -> Status {
    std::vector<Row> rows;
    if (Status q = db_.Execute("SELECT 1 FROM staff WHERE user_id = ?",
                               {Value{std::string(user_id)}}, &rows);
        !q.ok())
      return q;
    if (rows.empty()) {
      found = false;
      return Fail(StoreError::kNotFound, "no user " + std::string(user_id));
    }
    if (Status q = db_.Execute("DELETE FROM duty_assignments WHERE user_id = ? AND kind = ?",
                               {Value{std::string(user_id)}, Value{std::string(KindName(kind))}});
        !q.ok())
      return q;
    for (const policy::DutyAssignment& d : duties)
      if (Status q =
              db_.Execute("INSERT INTO duty_assignments (user_id, kind, unit, start_us, end_us) "
                          "VALUES (?, ?, ?, ?, ?)",
                          {Value{std::string(user_id)}, Value{std::string(KindName(kind))},
                           Value{d.unit}, Value{d.start}, Value{d.end}});
          !q.ok())
        return q;
    return Status::Ok();
  });
  if (!found) {
    last_ = s;
    return vigil::Error::kNotFound;
  }
  return Io(s);
}

vigil::Error StaffDirectory::SetCareTeams(int64_t patient_id,
                                          const std::vector<std::string>& teams) {
  for (const std::string& t : teams)
    if (t.empty()) return vigil::Error::kInvalidArgument;
  const Status s = WithinTransaction(db_, [&]() -> Status {
    std::vector<Row> rows;
    if (Status q =
            db_.Execute("SELECT 1 FROM patients WHERE patient_id = ?", {Value{patient_id}}, &rows);
        !q.ok())
      return q;
    if (rows.empty()) return Fail(StoreError::kNotFound, "no patient");
    if (Status q =
            db_.Execute("DELETE FROM patient_care_teams WHERE patient_id = ?", {Value{patient_id}});
        !q.ok())
      return q;
    for (const std::string& t : teams)
      if (Status q =
              db_.Execute("INSERT INTO patient_care_teams (patient_id, care_team) VALUES (?, ?) "
                          "ON CONFLICT DO NOTHING",
                          {Value{patient_id}, Value{t}});
          !q.ok())
        return q;
    return Status::Ok();
  });
  if (s.code == StoreError::kNotFound) {
    last_ = s;
    return vigil::Error::kNotFound;
  }
  return Io(s);
}

Result<policy::Subject> StaffDirectory::SubjectFor(std::string_view user_id, TimeUs now) {
  Result<StaffUser> u = FindUser(user_id);
  if (!u.ok()) return u.error();
  if (u->disabled) return vigil::Error::kInvalidState;
  policy::Subject s;
  s.id = u->user_id;
  s.role = u->role;
  s.patient_id = u->patient_id;
  std::vector<Row> rows;
  last_ = db_.Execute(
      "SELECT kind, unit, start_us, end_us FROM duty_assignments WHERE user_id = ? AND "
      "end_us > ? AND start_us <= ? ORDER BY start_us, duty_id",
      {Value{std::string(user_id)}, Value{now - kDutyWindow}, Value{now + kDutyWindow}}, &rows);
  if (!last_.ok()) return vigil::Error::kIo;
  for (const Row& r : rows) {
    policy::DutyAssignment d{r.Text(1), r.Int(2), r.Int(3)};
    (r.Text(0) == "ward" ? s.wards : s.care_teams).push_back(std::move(d));
  }
  return s;
}

Result<policy::PatientTarget> StaffDirectory::PatientTargetFor(int64_t patient_id, TimeUs now) {
  std::vector<Row> rows;
  last_ = db_.Execute("SELECT 1 FROM patients WHERE patient_id = ?", {Value{patient_id}}, &rows);
  if (!last_.ok()) return vigil::Error::kIo;
  if (rows.empty()) return vigil::Error::kNotFound;
  policy::PatientTarget t;
  t.id = std::to_string(patient_id);
  // Admissions are kept in milliseconds (the ingest's unit).
  const int64_t now_ms = now / 1000;
  rows.clear();
  last_ = db_.Execute(
      "SELECT ward FROM admissions WHERE patient_id = ? AND start_ms <= ? AND "
      "(end_ms IS NULL OR end_ms > ?) ORDER BY start_ms DESC, admission_id DESC LIMIT 1",
      {Value{patient_id}, Value{now_ms}, Value{now_ms}}, &rows);
  if (!last_.ok()) return vigil::Error::kIo;
  if (!rows.empty()) t.ward = rows[0].Text(0);
  rows.clear();
  last_ = db_.Execute(
      "SELECT care_team FROM patient_care_teams WHERE patient_id = ? ORDER BY care_team",
      {Value{patient_id}}, &rows);
  if (!last_.ok()) return vigil::Error::kIo;
  for (const Row& r : rows) t.care_teams.push_back(r.Text(0));
  return t;
}

}  // namespace vigil::cloud
