#include "sim/attacks/intruder_device.h"

#include <array>

#include "sim/attacks/forge.h"

namespace vigil::sim {

IntruderDevice::IntruderDevice(AttackEnv& env, NodeId node, size_t ward,
                               const DeviceSecrets& secrets, uint64_t seed,
                               const DevicePersisted& image)
    : env_(env),
      node_(node),
      ward_(ward),
      config_(env.world().WardProtocol(ward)),
      uid_(secrets.uid),
      seed_(seed) {
  World& w = env_.world();
  // An attacker's hardware is not a constrained device: price its work like the CPAN's.
  driver_ = std::make_unique<DeviceDriver>(w.scheduler(), w.radio().node(node),
                                           w.config().cpan_profile, config_.wire);
  driver_->set_event_sink([this](const Event& e) { OnEvent(e); });
  driver_->tap = [this](const RxFrame& f) { OnHeard(f); };
  driver_->Boot(std::make_unique<DeviceCore>(config_, secrets, w.crypto(), w.random(), image));
}

IntruderDevice::~IntruderDevice() {
  driver_.reset();
  env_.ResetNode(node_);
}

void IntruderDevice::Associate() { driver_->StartAssociation(); }

bool IntruderDevice::associated() {
  return driver_->powered() && driver_->core()->state() == DeviceCore::State::kAssociated;
}

void IntruderDevice::SendFabricated() {
  if (!associated()) return;
  std::array<uint8_t, 24> p{};
  p[0] = '!';
  const char* text = "hr=30 spo2=70 ALARM";
  for (size_t i = 0; text[i] != 0 && i + 1 < p.size(); ++i)
    p[i + 1] = static_cast<uint8_t>(text[i]);
  p[p.size() - 1] = static_cast<uint8_t>(++fabricated_);
  driver_->SendData(p);
}

void IntruderDevice::OnHeard(const RxFrame& f) {
  if (f.dst != uid_) return;
  wire::MacFrame mf;
  wire::Message m;
  if (!forge::Parse(f.bytes, config_.wire, &mf, &m) || mf.pan_id != config_.pan_id) return;
  if (m.type == wire::MsgType::kAuthReq) last_auth_req_.assign(f.bytes.begin(), f.bytes.end());
  if (m.type == wire::MsgType::kConfirmReq)
    last_confirm_req_.assign(f.bytes.begin(), f.bytes.end());
}

void IntruderDevice::OnEvent(const Event& e) {
  if (e.kind != EventKind::kCpanAuthFailed) return;
  DeviceCore* core = driver_->core();
  if (core == nullptr) return;
  // The core could not verify the request for lack of a key. Answer with a guess.
  const auto type = static_cast<wire::MsgType>(e.msg_type);
  wire::Message r;
  r.version = config_.version;
  forge::Mac mac{config_.pan_id, uid_, env_.world().ward(ward_).identity.uid, seq_++};
  if (type == wire::MsgType::kAuthReq && core->state() == DeviceCore::State::kWaitAuthReq &&
      !last_auth_req_.empty()) {
    r.type = wire::MsgType::kAuthResp;
  } else if (type == wire::MsgType::kConfirmReq && !last_confirm_req_.empty()) {
    r.type = wire::MsgType::kConfirmResp;
  } else {
    return;
  }
  const uint64_t guess = seed_ + (++blind_answers_) * 7919;
  env_.Transmit(node_, forge::Build(mac, r, config_.wire, [guess](ByteSpan, MutableByteSpan tag) {
                  forge::Guess(guess, tag);
                }));
}

}  // namespace vigil::sim
