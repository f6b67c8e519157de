// An intruder that runs the real device core on stolen (possibly partial) secrets, on a
// pooled intruder node: how identity theft at the levels "credentials", "credentials +
// Kd" and "fully cloned device" is modelled (as in connection/loopback_pan.h).
//
// Where the core cannot go on because a secret is missing (it cannot verify the CPAN's
// proof or confirmation request without the right key, so it would stay silent), the
// intruder does not politely give up: it answers with a guessed tag, as an attacker who
// cannot tell whether its guess is right would. Once associated it sends fabricated data
// frames (payload starting with '!') to use the session.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "connection/device_core.h"
#include "sim/attacks/attack.h"
#include "sim/node_driver.h"

namespace vigil::sim {

class IntruderDevice {
 public:
  // `secrets.cpan_uid` must name the ward's CPAN. `image` is what a full clone read from
  // the victim's flash besides the secrets (its common function, protocol.md 9.5).
  IntruderDevice(AttackEnv& env, NodeId node, size_t ward, const DeviceSecrets& secrets,
                 uint64_t seed, const DevicePersisted& image = {});
  ~IntruderDevice();
  IntruderDevice(const IntruderDevice&) = delete;
  IntruderDevice& operator=(const IntruderDevice&) = delete;

  void Associate();
  bool associated();
  // One fabricated data frame through the core (only when associated).
  void SendFabricated();
  uint32_t blind_answers() const { return blind_answers_; }

 private:
  void OnEvent(const Event& e);
  void OnHeard(const RxFrame& f);

  AttackEnv& env_;
  NodeId node_;
  size_t ward_;
  ProtocolConfig config_;
  uint64_t uid_;
  uint64_t seed_;
  std::unique_ptr<DeviceDriver> driver_;
  std::vector<uint8_t> last_auth_req_;
  std::vector<uint8_t> last_confirm_req_;
  uint32_t blind_answers_ = 0;
  uint32_t fabricated_ = 0;
  uint8_t seq_ = 0x80;
};

}  // namespace vigil::sim
