// A frame handed by a core to its driver for transmission.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"
#include "connection/wire/format.h"

namespace vigil {

struct OutFrame {
  std::array<uint8_t, wire::kMaxPhyPayload> bytes{};  // complete MPDU incl. MHR and FCS
  uint8_t size = 0;
  uint64_t dst = 0;          // destination uid or wire::kBroadcastUid
  bool ack_request = false;  // unicast frames ask for a link-layer ack
  uint64_t link_hint = 0;    // coordinator: the source token the request came from (0: none)
  // Coordinator: a request made in the device's name that the driver should also deliver
  // to the device's own endpoint (docs/protocol.md, "Reaching the real device over UDP").
  // The core sets it at most once per relay_interval per uid, so a flood of forged
  // requests cannot be amplified towards the device.
  bool relay = false;
  ByteSpan span() const { return ByteSpan(bytes.data(), size); }
};

// Wraps a protocol payload in an 802.15.4 data frame from `src` to `dst` (unicast frames
// request an acknowledgement). Errors: kOversized if it would not fit one frame.
Error BuildOutFrame(uint16_t pan_id, uint8_t seq, uint64_t src, uint64_t dst, ByteSpan payload,
                    OutFrame* out);

// Fixed-capacity FIFO: the device core's queues (no heap).
template <typename T, size_t N>
class FixedQueue {
 public:
  bool Push(const T& v) {
    if (count_ == N) return false;
    items_[(head_ + count_) % N] = v;
    ++count_;
    return true;
  }
  bool Pop(T* out) {
    if (count_ == 0) return false;
    *out = items_[head_];
    head_ = (head_ + 1) % N;
    --count_;
    return true;
  }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

 private:
  std::array<T, N> items_{};
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace vigil
