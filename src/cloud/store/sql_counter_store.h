// guard::CounterStore in the database (table `counters`, migration 2): the brute-force and
// rate-limit counters every replica of the service shares (docs/cloud.md, "Shared state").
//
// Update is one transaction: read the row (SELECT ... FOR UPDATE on PostgreSQL, so a
// concurrent Update of the same key waits; BEGIN IMMEDIATE on SQLite, one writer at a
// time), call `update`, write the result. Two replicas creating the same key at once both
// read "absent"; the second insert then fails on the primary key, and that Update rolls
// back and runs again, calling `update` with the state it now reads (the contract of
// counter_store.h). Called inside the caller's open transaction it joins it and does not
// retry (a retry would need the caller's whole transaction again): an error is returned.
//
// Errors: Update returns kIo when the database fails (nothing changed; last_status() has
// the database's message). Get, Erase and Expire cannot return an error through the
// interface: Get reads a failure as nullopt ("no counter") and sets last_status(). Note
// that LoginThrottle::Check decides on Get, so on a failing database it sees no failures
// (fails open) although its header promises kIo; closing that needs Get to return an
// error in counter_store.h (the guard's interface), not a change here.
//
// Thread-safety: one store per Database connection; neither is thread-safe.
#pragma once

#include <string>

#include "cloud/guard/counter_store.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

class SqlCounterStore final : public guard::CounterStore {
 public:
  explicit SqlCounterStore(Database& db, int max_attempts = 16)
      : db_(db), max_attempts_(max_attempts) {}

  Result<guard::CounterState> Update(
      std::string_view key,
      const std::function<guard::CounterState(const std::optional<guard::CounterState>&)>& update)
      override;
  std::optional<guard::CounterState> Get(std::string_view key) const override;
  void Erase(std::string_view key) override;
  size_t Expire(TimeUs before) override;

  // The outcome of the last call (ok, or the database's error).
  const Status& last_status() const { return last_; }

 private:
  Status UpdateOnce(
      std::string_view key,
      const std::function<guard::CounterState(const std::optional<guard::CounterState>&)>& update,
      guard::CounterState* out);

  Database& db_;
  int max_attempts_;
  mutable Status last_;
};

}  // namespace vigil::cloud
