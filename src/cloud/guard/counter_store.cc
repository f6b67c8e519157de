#include "cloud/guard/counter_store.h"

namespace vigil::guard {

Result<CounterState> InMemoryCounterStore::Update(
    std::string_view key,
    const std::function<CounterState(const std::optional<CounterState>&)>& update) {
  std::lock_guard lock(mu_);
  auto it = map_.find(std::string(key));
  if (it != map_.end()) {
    it->second = update(it->second);
    return it->second;
  }
  if (max_keys_ == 0) return vigil::Error::kNoBufs;
  if (map_.size() >= max_keys_) {
    // O(n), but only when full, which a right-sized store is not in normal operation.
    auto oldest = map_.begin();
    for (auto i = map_.begin(); i != map_.end(); ++i) {
      if (i->second.updated < oldest->second.updated) oldest = i;
    }
    map_.erase(oldest);
  }
  const CounterState s = update(std::nullopt);
  map_.emplace(std::string(key), s);
  return s;
}

std::optional<CounterState> InMemoryCounterStore::Get(std::string_view key) const {
  std::lock_guard lock(mu_);
  auto it = map_.find(std::string(key));
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

void InMemoryCounterStore::Erase(std::string_view key) {
  std::lock_guard lock(mu_);
  map_.erase(std::string(key));
}

size_t InMemoryCounterStore::Expire(TimeUs before) {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto it = map_.begin(); it != map_.end();) {
    if (it->second.updated < before) {
      it = map_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

size_t InMemoryCounterStore::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace vigil::guard
