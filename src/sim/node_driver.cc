#include "sim/node_driver.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "connection/wire/mac_frame.h"

namespace vigil::sim {
namespace {

uint64_t Fnv1a(ByteSpan b) {
  uint64_t h = 1469598103934665603ULL;
  for (uint8_t c : b) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h == 0 ? 1 : h;
}

}  // namespace

CoreDriver::CoreDriver(Scheduler& sched, RadioNode node, const DeviceProfile& profile,
                       const wire::WireParams& params)
    : sched_(sched), node_(node), profile_(profile), params_(params) {}

CoreDriver::~CoreDriver() { sched_.Cancel(deadline_event_); }

bool CoreDriver::DecodeMessage(ByteSpan frame, uint64_t dst, wire::Message* m) const {
  const size_t header = wire::MacHeaderSize(dst);
  if (frame.size() < header + wire::kFcsSize + 1) return false;
  Result<wire::Message> msg =
      wire::Decode(frame.subspan(header, frame.size() - header - wire::kFcsSize), params_);
  if (!msg.ok()) return false;
  *m = *msg;
  return true;
}

bool CoreDriver::SentBefore(ByteSpan bytes) {
  const uint64_t h = Fnv1a(bytes);
  if (std::find(recent_.begin(), recent_.end(), h) != recent_.end()) return true;
  recent_[recent_next_] = h;
  recent_next_ = (recent_next_ + 1) % recent_.size();
  return false;
}

bool CoreDriver::MacDuplicate(const RxFrame& f) {
  if (!f.ack_request || f.bytes.size() < wire::kMhrUnicast) return false;
  uint64_t src = 0;
  for (size_t i = 0; i < 8; ++i) src |= uint64_t{f.bytes[13 + i]} << (8 * i);  // MHR src
  const uint64_t h = Fnv1a(f.bytes);
  const TimeUs now = sched_.Now();
  if (last_rx_.size() > 1024) {
    for (auto it = last_rx_.begin(); it != last_rx_.end();)
      it = now - it->second.at >= kSeconds ? last_rx_.erase(it) : std::next(it);
  }
  LastRx& e = last_rx_[src];
  const bool dup = e.hash == h && now - e.at < kSeconds;
  e = LastRx{h, now};
  return dup;
}

void CoreDriver::Invalidate() {
  ++generation_;
  backlog_.clear();
  sched_.Cancel(deadline_event_);
  deadline_event_ = EventId{};
  deadline_at_ = kNever;
  recent_.fill(0);
}

void CoreDriver::Send(const OutFrame& f, TimeUs at) {
  TxRequest req;
  req.bytes.assign(f.bytes.begin(), f.bytes.begin() + f.size);
  req.ack_request = f.ack_request;
  req.dst = f.dst;
  req.seq = f.size > 2 ? f.bytes[2] : 0;
  uint8_t type = 0;
  if (f.size > wire::MacHeaderSize(f.dst)) type = f.bytes[wire::MacHeaderSize(f.dst)] & 0x0F;
  const uint64_t gen = generation_;
  sched_.At(at, [this, gen, type, req = std::move(req)]() mutable {
    if (gen != generation_) return;  // the node rebooted or powered off meanwhile
    if (backlog_.empty()) {
      Offer(std::move(req), type);
    } else {
      backlog_.push_back({std::move(req), type});
    }
  });
}

void CoreDriver::Offer(TxRequest req, uint8_t type) {
  const uint64_t gen = generation_;
  TxRequest copy = req;
  const Error e = node_.Send(std::move(req), [this, gen, type](const TxResult& r) {
    if (gen != generation_) return;
    if (on_tx_done) on_tx_done(r, type);
    Flush();
  });
  if (e == Error::kNoBufs) backlog_.push_front({std::move(copy), type});
}

void CoreDriver::Flush() {
  while (!backlog_.empty()) {
    Pending p = std::move(backlog_.front());
    backlog_.pop_front();
    const size_t before = backlog_.size();
    Offer(std::move(p.req), p.type);
    if (backlog_.size() > before) return;  // still full
  }
}

void CoreDriver::Process(const Work& rx_work, std::function<void(TimeUs)> input) {
  const TimeUs now = sched_.Now();
  const TimeUs start = std::max(now, cpu_free_at_);
  const TimeUs done = start + CostOf(profile_, rx_work);
  cpu_busy_ += done - start;
  cpu_free_at_ = done;
  if (done == now) {
    input(now);
    return;
  }
  const uint64_t gen = generation_;
  sched_.At(done, [this, gen, input = std::move(input), done] {
    if (gen == generation_) input(done);
  });
}

void CoreDriver::Drain(TimeUs now) {
  Event ev;
  while (PollEvent(&ev)) {
    if (sink_) sink_(ev);
  }
  TimeUs t = std::max(now, cpu_free_at_);
  const TimeUs start = t;
  OutFrame f;
  while (PollTransmit(&f)) {
    Work w;
    if (SentBefore(f.span())) {
      w.messages = 1;  // a retransmission: the same bytes again, no crypto
    } else {
      wire::Message m;
      if (DecodeMessage(f.span(), f.dst, &m)) {
        w = TxWork(m);
      } else {
        w.messages = 1;
      }
    }
    t += CostOf(profile_, w);
    Send(f, t);
  }
  if (t > start) {
    cpu_busy_ += t - start;
    cpu_free_at_ = t;
  }
  ArmDeadline(NextDeadline());
}

void CoreDriver::ArmDeadline(TimeUs deadline) {
  if (deadline == deadline_at_ && (deadline == kNever || sched_.IsPending(deadline_event_))) return;
  sched_.Cancel(deadline_event_);
  deadline_event_ = EventId{};
  deadline_at_ = deadline;
  if (deadline == kNever) return;
  const uint64_t gen = generation_;
  deadline_event_ = sched_.At(deadline, [this, gen] {
    if (gen != generation_) return;
    deadline_at_ = kNever;
    deadline_event_ = EventId{};
    OnTimeout(sched_.Now());
  });
}

// ---------------------------------------------------------------------------------------

DeviceDriver::DeviceDriver(Scheduler& sched, RadioNode node, const DeviceProfile& profile,
                           const wire::WireParams& params)
    : CoreDriver(sched, node, profile, params) {
  node_.SetListening(false);
  node_.SetReceiver([this](const RxFrame& f) { OnRx(f); });
}

DeviceDriver::~DeviceDriver() { node_.SetReceiver(nullptr); }

void DeviceDriver::Boot(std::unique_ptr<DeviceCore> core) {
  Invalidate();
  core_ = std::move(core);
  node_.SetAddresses({core_->uid()});
  node_.SetListening(true);
}

void DeviceDriver::PowerOff() {
  Invalidate();
  core_.reset();
  node_.SetListening(false);
  node_.SetAddresses({});
}

Error DeviceDriver::StartAssociation() {
  if (!core_) return Error::kInvalidState;
  const TimeUs now = sched_.Now();
  Error e = core_->StartAssociation(now);
  Drain(now);
  return e;
}

Error DeviceDriver::SendData(ByteSpan payload) {
  if (!core_) return Error::kInvalidState;
  const TimeUs now = sched_.Now();
  Error e = core_->SendData(payload, now);
  Drain(now);
  return e;
}

void DeviceDriver::OnRx(const RxFrame& f) {
  if (tap) tap(f);
  if (!core_) return;
  if (f.dst != core_->uid() && f.dst != kBroadcast) return;  // hardware address filter
  if (MacDuplicate(f)) return;
  wire::Message m;
  Work w;
  w.messages = 1;
  if (DecodeMessage(f.bytes, f.dst, &m)) {
    const bool own =
        m.type == wire::MsgType::kAuthReq && core_->state() == DeviceCore::State::kWaitAuthReq;
    w = DeviceRxWork(m, own);
  }
  std::vector<uint8_t> bytes(f.bytes.begin(), f.bytes.end());
  Process(w, [this, bytes = std::move(bytes)](TimeUs t) {
    if (!core_) return;
    core_->HandleFrame(bytes, t);
    Drain(t);
  });
}

void DeviceDriver::OnTimeout(TimeUs now) {
  if (!core_) return;
  core_->HandleTimeout(now);
  Drain(now);
}

// ---------------------------------------------------------------------------------------

CoordinatorDriver::CoordinatorDriver(Scheduler& sched, RadioNode node, const DeviceProfile& profile,
                                     const wire::WireParams& params, bool authenticated,
                                     std::unique_ptr<CoordinatorCore> core)
    : CoreDriver(sched, node, profile, params),
      authenticated_(authenticated),
      core_(std::move(core)) {
  node_.SetAddresses({core_->uid()});
  node_.SetListening(true);
  node_.SetReceiver([this](const RxFrame& f) { OnRx(f); });
}

CoordinatorDriver::~CoordinatorDriver() { node_.SetReceiver(nullptr); }

void CoordinatorDriver::OnRx(const RxFrame& f) {
  if (tap) tap(f);
  if (f.dst != core_->uid() && f.dst != kBroadcast) return;
  if (MacDuplicate(f)) return;
  wire::Message m;
  Work w;
  w.messages = 1;
  if (DecodeMessage(f.bytes, f.dst, &m)) w = CoordinatorRxWork(m);
  std::vector<uint8_t> bytes(f.bytes.begin(), f.bytes.end());
  Process(w, [this, bytes = std::move(bytes)](TimeUs t) {
    // A radio cannot tell transmitters apart (the source address can be forged), so the
    // link token is 0: "the transport cannot tell senders apart" (coordinator_core.h).
    core_->HandleFrame(bytes, 0, t);
    Drain(t);
  });
}

void CoordinatorDriver::OnTimeout(TimeUs now) {
  core_->HandleTimeout(now);
  Drain(now);
}

Error CoordinatorDriver::SendData(uint64_t uid, ByteSpan payload) {
  const TimeUs now = sched_.Now();
  Error e = core_->SendData(uid, payload, now);
  Drain(now);
  return e;
}

Error CoordinatorDriver::SendBroadcast(ByteSpan payload) {
  const TimeUs now = sched_.Now();
  Error e = core_->SendBroadcast(payload, now);
  Drain(now);
  return e;
}

Error CoordinatorDriver::Revoke(uint64_t uid) {
  const TimeUs now = sched_.Now();
  Error e = core_->Revoke(uid, now);
  Drain(now);
  return e;
}

}  // namespace vigil::sim
