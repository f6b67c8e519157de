#include "connection/loopback_pan.h"

#include <algorithm>

namespace vigil {

LoopbackPan::LoopbackPan(const ProtocolConfig& config, uint64_t seed)
    : config_(config), random_(seed) {
  identity_.uid = 0x00124b0000c0ffeeULL;
  random_.Fill(identity_.sign_priv);
  crypto_.Ed25519PublicFromPrivate(identity_.sign_priv, identity_.sign_pub);
  coordinator_ =
      std::make_unique<CoordinatorCore>(config_, identity_, directory_, crypto_, random_);
}

LoopbackPan::~LoopbackPan() {
  nodes_.clear();
  coordinator_.reset();
}

DeviceSecrets LoopbackPan::FreshSecrets() {
  DeviceSecrets s;
  do {
    s.uid = random_.Next64();
  } while (s.uid == 0 || s.uid == wire::kBroadcastUid);
  s.cpan_uid = identity_.uid;
  random_.Fill(s.kd);
  random_.Fill(s.secretkey2);
  std::array<uint8_t, 12> user{}, pass{};
  random_.Fill(user);
  random_.Fill(pass);
  s.username.Set(user);
  s.password.Set(pass);
  s.cpan_sign_pub = identity_.sign_pub;
  return s;
}

size_t LoopbackPan::AddDevice() {
  DeviceSecrets s = FreshSecrets();
  directory_.Put(EnrollmentRecord(crypto_, s));
  return AddNode(s);
}

size_t LoopbackPan::AddDevice(const ProtocolConfig& device_config) {
  DeviceSecrets s = FreshSecrets();
  directory_.Put(EnrollmentRecord(crypto_, s));
  return AddNode(s, {}, &device_config);
}

size_t LoopbackPan::AddNode(const DeviceSecrets& secrets, const DevicePersisted& image,
                            const ProtocolConfig* device_config) {
  Node n;
  n.secrets = secrets;
  n.link = nodes_.size() + 1;
  n.core = std::make_unique<DeviceCore>(device_config != nullptr ? *device_config : config_,
                                        secrets, crypto_, random_, image);
  nodes_.push_back(std::move(n));
  return nodes_.size() - 1;
}

DeviceSecrets LoopbackPan::StolenCredentials(size_t victim) const {
  DeviceSecrets s = nodes_[victim].secrets;
  // The attacker knows the identity and the credentials, not the keys: its guesses are
  // fixed wrong values.
  s.kd.fill(0xA5);
  s.secretkey2.fill(0x5A);
  return s;
}

DeviceSecrets LoopbackPan::StolenWithKd(size_t victim) const {
  DeviceSecrets s = nodes_[victim].secrets;
  s.secretkey2.fill(0x5A);
  return s;
}

void LoopbackPan::Inject(ByteSpan frame, size_t from) {
  OutFrame f;
  f.size = static_cast<uint8_t>(std::min(frame.size(), f.bytes.size()));
  std::copy_n(frame.begin(), f.size, f.bytes.begin());
  Broadcast(f, from, now_);
}

void LoopbackPan::Broadcast(const OutFrame& f, size_t from, TimeUs now) {
  ++frames_sent;
  bytes_sent += f.size;
  if (tap) tap(f, from);
  auto send = [&](size_t to) {
    if (drop && drop(f, from, to)) return;
    in_flight_.push_back(InFlight{now + latency, seq_++, from, to, f});
  };
  if (from != kCpan) send(kCpan);
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (i != from) send(i);
}

void LoopbackPan::Drain(TimeUs now) {
  bool progress = true;
  while (progress) {
    progress = false;
    Event ev;
    OutFrame f;
    while (coordinator_->PollEvent(&ev)) cpan_events_.push_back(ev);
    while (coordinator_->PollTransmit(&f)) {
      Broadcast(f, kCpan, now);
      progress = true;
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      while (n.core->PollEvent(&ev)) n.events.push_back(ev);
      while (n.core->PollTransmit(&f)) {
        if (n.online) Broadcast(f, i, now);
        progress = true;
      }
    }
  }
}

void LoopbackPan::Run(TimeUs until) {
  Drain(now_);
  while (true) {
    TimeUs next = coordinator_->NextDeadline();
    for (const Node& n : nodes_) next = std::min(next, n.core->NextDeadline());
    for (const InFlight& x : in_flight_) next = std::min(next, x.at);
    if (next == kNever || next > until) break;
    now_ = std::max(now_, next);
    // Deliver everything due now, in send order.
    std::vector<InFlight> due;
    auto mid = std::stable_partition(in_flight_.begin(), in_flight_.end(),
                                     [&](const InFlight& x) { return x.at > now_; });
    due.assign(std::make_move_iterator(mid), std::make_move_iterator(in_flight_.end()));
    in_flight_.erase(mid, in_flight_.end());
    std::sort(due.begin(), due.end(),
              [](const InFlight& a, const InFlight& b) { return a.seq < b.seq; });
    for (const InFlight& x : due) {
      if (x.to == kCpan) {
        const uint64_t link = x.from == kCpan ? 0 : nodes_[x.from].link;
        coordinator_->HandleFrame(x.frame.span(), link, now_);
      } else if (nodes_[x.to].online) {
        nodes_[x.to].core->HandleFrame(x.frame.span(), now_);
      }
      Drain(now_);
    }
    coordinator_->HandleTimeout(now_);
    for (Node& n : nodes_) n.core->HandleTimeout(now_);
    Drain(now_);
  }
  if (until != kNever) now_ = std::max(now_, until);
}

}  // namespace vigil
