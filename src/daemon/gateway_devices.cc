// What the gateway tells the cloud about its devices (docs/uplink.md, "device"): the
// inventory the cloud's admin view shows, and the pseudonym that lets the cloud put a
// device on a bed's patient.
#include "common/hex.h"
#include "connection/coordinator_core.h"
#include "daemon/gateway.h"
#include "daemon/mqtt_uplink.h"

namespace vigil {

namespace {
constexpr TimeUs kInventoryRepeat = 600 * kSeconds;
}  // namespace

bool Gateway::DeviceReport(uint64_t uid, uplink::DeviceRecord* out) {
  auto k = kinds_.find(uid);
  if (k == kinds_.end()) return false;
  uplink::DeviceRecord r;
  r.uid = uid;
  r.kind = k->second;
  if (auto w = wards_.find(uid); w != wards_.end()) r.ward = w->second;
  auto rv = revoked_.find(uid);
  // Revoked before tampered: once revoked, the device can do nothing more.
  r.state = rv != revoked_.end() && rv->second ? uplink::DeviceState::kRevoked
            : tampered_.count(uid) != 0        ? uplink::DeviceState::kTampered
            : core_ && core_->HasSession(uid)  ? uplink::DeviceState::kAssociated
                                               : uplink::DeviceState::kIdle;
  if (auto s = last_seen_ms_.find(uid); s != last_seen_ms_.end()) r.last_seen_ms = s->second;
  if (edge_ != nullptr) r.pseudonym = edge_->DevicePseudonym(uid);
  r.time_ms = UnixUs() / 1000;
  *out = std::move(r);
  return true;
}

void Gateway::ReportDevices(TimeUs now) {
  if (uplink_ == nullptr) return;
  const bool all = now >= next_inventory_;
  if (all) next_inventory_ = now + kInventoryRepeat;
  for (const auto& [uid, kind] : kinds_) {
    uplink::DeviceRecord r;
    if (!DeviceReport(uid, &r)) continue;
    auto it = reported_.find(uid);
    if (!all && it != reported_.end() && it->second == r.state) continue;
    std::string why;
    if (uplink_->PublishDevice(r, &why) != Error::kOk) {
      ++stats_.uplink_errors;
      if (log_) Log(*log_, "error", "uplink: device report not queued").With("error", why);
      continue;  // tried again at the next report
    }
    reported_[uid] = r.state;
  }
}

}  // namespace vigil
