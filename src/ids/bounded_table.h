// Per-key detector state with a hard size limit.
//
// Every key an attacker can choose (a claimed uid, a spoofed link token) would otherwise
// grow detector memory without bound. When the table is full, the least recently touched
// entry is evicted: a flood of fresh keys can only displace idle state, and eviction
// depends on the event stream alone, so verdicts stay deterministic. Iteration is in key
// order (std::map), never in hash order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <utility>

namespace vigil::ids {

template <typename Key, typename Value>
class BoundedTable {
 public:
  // REQUIRES: capacity >= 1 (0 is raised to 1).
  explicit BoundedTable(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The entry for key, created value-initialised if absent, and marked most recently
  // used. May evict the least recently used entry: references to other entries obtained
  // earlier are invalidated only if that entry was the one evicted.
  Value& Touch(const Key& key) {
    auto it = map_.find(key);
    if (it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.pos);
      return it->second.value;
    }
    if (map_.size() >= capacity_) {
      map_.erase(lru_.back());
      lru_.pop_back();
      ++evictions_;
    }
    lru_.push_front(key);
    auto [ins, ok] = map_.emplace(key, Node{Value{}, lru_.begin()});
    (void)ok;
    return ins->second.value;
  }

  // The entry for key or nullptr; does not change recency.
  Value* Find(const Key& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second.value;
  }
  const Value* Find(const Key& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second.value;
  }

  void Erase(const Key& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    lru_.erase(it->second.pos);
    map_.erase(it);
  }

  // Removes every entry for which pred(key, value) is true.
  template <typename Pred>
  void EraseIf(Pred pred) {
    for (auto it = map_.begin(); it != map_.end();) {
      if (pred(it->first, it->second.value)) {
        lru_.erase(it->second.pos);
        it = map_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Removes every entry with first <= key <= last, in O(log n + removed).
  void EraseRange(const Key& first, const Key& last) {
    auto it = map_.lower_bound(first);
    while (it != map_.end() && !(last < it->first)) {
      lru_.erase(it->second.pos);
      it = map_.erase(it);
    }
  }

  // Calls fn(key, value) in key order.
  template <typename Fn>
  void ForEach(Fn fn) {
    for (auto& [k, n] : map_) fn(k, n.value);
  }

  size_t size() const { return map_.size(); }
  uint64_t evictions() const { return evictions_; }

 private:
  struct Node {
    Value value;
    typename std::list<Key>::iterator pos;
  };
  size_t capacity_;
  std::map<Key, Node> map_;
  std::list<Key> lru_;  // front = most recently touched
  uint64_t evictions_ = 0;
};

}  // namespace vigil::ids
