// policy::BreakGlassStore in the database (table `break_glass_grants`, migration 2): a
// grant opened through one replica is honoured by every other on the next request.
//
// Grants are never updated or deleted by the service: they are evidence, kept with the
// audit records that quote their id.
//
// Fail closed: ForSubject reads a database failure as "no grants" (the policy then denies
// what only a grant would allow); last_status() has the database's message. Add returns
// kInvalidState for a grant id already used and kIo when the database fails.
//
// Thread-safety: one store per Database connection; neither is thread-safe.
#pragma once

#include "cloud/policy/break_glass.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

class SqlBreakGlassStore final : public policy::BreakGlassStore {
 public:
  explicit SqlBreakGlassStore(Database& db) : db_(db) {}

  vigil::Error Add(const policy::BreakGlassGrant& grant) override;
  // Oldest opened first.
  std::vector<policy::BreakGlassGrant> ForSubject(std::string_view subject_id,
                                                  TimeUs since) const override;

  const Status& last_status() const { return last_; }

 private:
  Database& db_;
  mutable Status last_;
};

}  // namespace vigil::cloud
