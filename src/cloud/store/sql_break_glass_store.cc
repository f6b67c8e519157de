#include "cloud/store/sql_break_glass_store.h"

namespace vigil::cloud {

vigil::Error SqlBreakGlassStore::Add(const policy::BreakGlassGrant& g) {
  last_ = db_.Execute(
      "INSERT INTO break_glass_grants (grant_id, subject_id, patient_id, reason, opened_us, "
      "expires_us) VALUES (?, ?, ?, ?, ?, ?)",
      {Value{g.id}, Value{g.subject_id}, Value{g.patient_id}, Value{g.reason}, Value{g.opened},
       Value{g.expires}});
  if (last_.code == StoreError::kConstraint) return vigil::Error::kInvalidState;
  return last_.ok() ? vigil::Error::kOk : vigil::Error::kIo;
}

std::vector<policy::BreakGlassGrant> SqlBreakGlassStore::ForSubject(std::string_view subject_id,
                                                                    TimeUs since) const {
  std::vector<Row> rows;
  last_ = db_.Execute(
      "SELECT grant_id, patient_id, reason, opened_us, expires_us FROM break_glass_grants "
      "WHERE subject_id = ? AND expires_us >= ? ORDER BY opened_us, grant_id",
      {Value{std::string(subject_id)}, Value{since}}, &rows);
  std::vector<policy::BreakGlassGrant> out;
  if (!last_.ok()) return out;
  for (const Row& r : rows) {
    policy::BreakGlassGrant g;
    g.id = r.Text(0);
    g.subject_id = std::string(subject_id);
    g.patient_id = r.Text(1);
    g.reason = r.Text(2);
    g.opened = r.Int(3);
    g.expires = r.Int(4);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace vigil::cloud
