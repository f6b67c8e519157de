#include "device/tamper.h"

#include <sys/stat.h>

#include <utility>

namespace vigil {

TamperMonitor::TamperMonitor(KeyStore& store, Listener listener)
    : store_(store), listener_(std::move(listener)) {}

void TamperMonitor::Signal(TimeUs now, std::string_view source) {
  if (tripped_) return;
  tripped_ = true;
  TamperEvent ev;
  ev.time = now;
  ev.source = std::string(source);
  ev.zeroize_result = store_.Zeroize();
  if (ev.zeroize_result != Error::kOk) ev.detail = store_.last_error();
  if (listener_) listener_(ev);
}

bool TamperMonitor::Poll(TimeUs now) {
  if (tripped_) return false;
  if (pending_.exchange(false, std::memory_order_relaxed)) {
    Signal(now, "interrupt");
    return true;
  }
  struct stat st {};
  if (!flag_path_.empty() && ::stat(flag_path_.c_str(), &st) == 0) {
    Signal(now, "flag:" + flag_path_);
    return true;
  }
  return false;
}

}  // namespace vigil
