// Tamper response (seed 002, device layer: "tamper-resistant hardware can erase sensitive
// data if it detects physical tampering"). When the enclosure switch (or any other
// sensor) fires, the monitor zeroizes the key store and reports one event.
//
// Two ways in, both acted on from the driver's own thread:
//  - Signal(now, source): the driver saw the sensor itself;
//  - RequestFromInterrupt(): async-signal-safe, only raises a flag (for a signal handler
//    or an interrupt); the next Poll(now) acts on it. Poll also trips when a watched flag
//    file exists (a stand-in for a GPIO line that another process raises).
// The monitor latches: after one trip it ignores further signals until Rearm() (called
// once the device was re-provisioned), so a switch that stays open reports once.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/time.h"
#include "device/sealed_store.h"

namespace vigil {

struct TamperEvent {
  TimeUs time = 0;
  std::string source;                 // what fired: "enclosure", "flag:<path>", ...
  Error zeroize_result = Error::kOk;  // kOk when the secrets are gone
  std::string detail;                 // the store's message when zeroize failed
};

class TamperMonitor {
 public:
  using Listener = std::function<void(const TamperEvent&)>;

  // REQUIRES: `store` outlives the monitor. `listener` may be empty.
  TamperMonitor(KeyStore& store, Listener listener);

  // Watch a flag file: its existence is the tamper signal. Empty path: none.
  void WatchFlagFile(std::string path) { flag_path_ = std::move(path); }

  void RequestFromInterrupt() noexcept { pending_.store(true, std::memory_order_relaxed); }
  void Signal(TimeUs now, std::string_view source);
  // Acts on a pending request or an existing flag file; true if this call tripped.
  bool Poll(TimeUs now);

  bool tripped() const { return tripped_; }
  void Rearm() {
    pending_.store(false, std::memory_order_relaxed);
    tripped_ = false;
  }

 private:
  KeyStore& store_;
  Listener listener_;
  std::string flag_path_;
  std::atomic<bool> pending_{false};
  bool tripped_ = false;
};

}  // namespace vigil
