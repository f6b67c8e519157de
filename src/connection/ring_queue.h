// A FIFO on a growable ring buffer, for the coordinator's output queues.
//
// std::deque allocates a block every few elements and frees it when drained, so a queue
// that is filled and emptied after every input (the core's outputs) allocates on every
// few frames. Here the storage grows to the largest backlog seen and is then reused:
// once warm, push_back and pop_front never allocate. A backlog above kShrinkAbove
// entries is handed back to the heap when the queue drains, so a burst does not pin its
// peak memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace vigil {

template <typename T>
class RingQueue {
 public:
  static constexpr size_t kShrinkAbove = 1024;

  void push_back(const T& v) {
    if (count_ == items_.size()) Grow();
    items_[(head_ + count_) & (items_.size() - 1)] = v;
    ++count_;
  }
  // REQUIRES: !empty().
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }
  // REQUIRES: !empty().
  void pop_front() {
    head_ = (head_ + 1) & (items_.size() - 1);
    if (--count_ == 0 && items_.size() > kShrinkAbove) {
      items_ = std::vector<T>();
      head_ = 0;
    }
  }
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  size_t capacity() const { return items_.size(); }

 private:
  // Capacity stays a power of two, so that wrapping is a mask.
  void Grow() {
    std::vector<T> bigger(std::max<size_t>(8, 2 * items_.size()));
    for (size_t i = 0; i < count_; ++i)
      bigger[i] = std::move(items_[(head_ + i) & (items_.size() - 1)]);
    items_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> items_;
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace vigil
