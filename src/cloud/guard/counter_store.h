// Counters the guard shares between service replicas: brute-force failure counts and
// rate-limit buckets. Each is a (value, time) pair under a string key, changed only by an
// atomic read-modify-write, so two replicas counting the same account never lose a hit.
//
// The database backs this in production (a row per key; Update is a transaction:
// SELECT ... FOR UPDATE, compute, UPSERT; on SQLite, BEGIN IMMEDIATE); InMemoryCounterStore
// is for tests and a single process. Implementations must run `update` exactly once per
// successful call and may retry the transaction around it only by calling it again with
// the state read in the retry.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/error.h"
#include "common/time.h"

namespace vigil::guard {

struct CounterState {
  double value = 0;    // a failure count, or a bucket's tokens
  TimeUs updated = 0;  // when `value` was last set (Unix time, microseconds)
  bool operator==(const CounterState&) const = default;
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  // Atomically replaces the state under `key` by update(current) (current is nullopt when
  // the key is absent) and returns the new state. kIo when the store fails: nothing changed.
  virtual Result<CounterState> Update(
      std::string_view key,
      const std::function<CounterState(const std::optional<CounterState>&)>& update) = 0;
  virtual std::optional<CounterState> Get(std::string_view key) const = 0;
  virtual void Erase(std::string_view key) = 0;
  // Drops keys not updated since `before`; returns how many (bounded memory).
  virtual size_t Expire(TimeUs before) = 0;
};

// Bounded: when `max_keys` are held, Update first expires keys idle for the longest (the
// oldest `updated`), one at a time. A flood of new keys thus forgets the oldest counters,
// never the newest; callers size it above the number of keys live in a window.
class InMemoryCounterStore final : public CounterStore {
 public:
  explicit InMemoryCounterStore(size_t max_keys = 1'000'000) : max_keys_(max_keys) {}
  Result<CounterState> Update(
      std::string_view key,
      const std::function<CounterState(const std::optional<CounterState>&)>& update) override;
  std::optional<CounterState> Get(std::string_view key) const override;
  void Erase(std::string_view key) override;
  size_t Expire(TimeUs before) override;
  size_t size() const;

 private:
  size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, CounterState> map_;
};

}  // namespace vigil::guard
