#include "cloud/store/sql_counter_store.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace vigil::cloud {

Status SqlCounterStore::UpdateOnce(
    std::string_view key,
    const std::function<guard::CounterState(const std::optional<guard::CounterState>&)>& update,
    guard::CounterState* out) {
  const std::string select =
      std::string("SELECT value, updated_us FROM counters WHERE counter_key = ?") +
      (db_.backend() == Backend::kPostgres ? " FOR UPDATE" : "");
  std::vector<Row> rows;
  if (Status s = db_.Execute(select, {Value{std::string(key)}}, &rows); !s.ok()) return s;
  std::optional<guard::CounterState> current;
  if (!rows.empty()) current = guard::CounterState{rows[0].Real(0), rows[0].Int(1)};
  const guard::CounterState next = update(current);
  Status s =
      current.has_value()
          ? db_.Execute("UPDATE counters SET value = ?, updated_us = ? WHERE counter_key = ?",
                        {Value{next.value}, Value{next.updated}, Value{std::string(key)}})
          : db_.Execute("INSERT INTO counters (counter_key, value, updated_us) VALUES (?, ?, ?)",
                        {Value{std::string(key)}, Value{next.value}, Value{next.updated}});
  if (s.ok()) *out = next;
  return s;
}

Result<guard::CounterState> SqlCounterStore::Update(
    std::string_view key,
    const std::function<guard::CounterState(const std::optional<guard::CounterState>&)>& update) {
  guard::CounterState out;
  if (db_.in_transaction()) {
    last_ = UpdateOnce(key, update, &out);
    if (!last_.ok()) return vigil::Error::kIo;
    return out;
  }
  for (int attempt = 0; attempt < std::max(1, max_attempts_); ++attempt) {
    last_ = WithinTransaction(db_, [&] { return UpdateOnce(key, update, &out); });
    if (last_.ok()) return out;
    if (last_.code != StoreError::kBusy && last_.code != StoreError::kConstraint) break;
    std::this_thread::sleep_for(std::chrono::microseconds(100 * (attempt + 1)));
  }
  return vigil::Error::kIo;
}

std::optional<guard::CounterState> SqlCounterStore::Get(std::string_view key) const {
  std::vector<Row> rows;
  last_ = db_.Execute("SELECT value, updated_us FROM counters WHERE counter_key = ?",
                      {Value{std::string(key)}}, &rows);
  if (!last_.ok() || rows.empty()) return std::nullopt;
  return guard::CounterState{rows[0].Real(0), rows[0].Int(1)};
}

void SqlCounterStore::Erase(std::string_view key) {
  last_ = db_.Execute("DELETE FROM counters WHERE counter_key = ?", {Value{std::string(key)}});
}

size_t SqlCounterStore::Expire(TimeUs before) {
  int64_t n = 0;
  last_ = db_.Execute("DELETE FROM counters WHERE updated_us < ?", {Value{before}}, nullptr, &n);
  return last_.ok() ? static_cast<size_t>(n) : 0;
}

}  // namespace vigil::cloud
