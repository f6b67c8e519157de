// Drivers that run one protocol core (DeviceCore or CoordinatorCore) on one radio node of
// the simulated channel: the same driver loop as the daemons (input, then drain events,
// then frames, then arm the next deadline), with the radio instead of a socket and the
// scheduler's virtual clock instead of a monotonic one.
//
// Processing time: a received frame costs the node's CPU the work of taking it in
// (verification, decryption, key derivation: processing_cost.h, priced by the node's
// DeviceProfile); the core is handed the frame when that work is done, so its events
// carry the time the CPU finished. Each frame the core then produces costs the work of
// building it, and goes to the radio when that is done. One CPU per node: inputs that
// arrive while it is busy wait their turn, in order.
//
// Frame filtering: a node hears every frame in range (radio.h). The driver passes to the
// core only frames addressed to the core's identity or to broadcast, as the transceiver's
// hardware address filter of an 802.15.4 radio does; `tap` sees everything heard (what a
// sniffer in promiscuous mode sees).
//
// Lifetime: a driver must outlive the frames and timers it scheduled, or be powered off
// first; Boot() and PowerOff() invalidate everything scheduled by the previous core.
// Not thread-safe; one scheduler drives everything.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>

#include "common/bytes.h"
#include "common/error.h"
#include "connection/coordinator_core.h"
#include "connection/device_core.h"
#include "connection/events.h"
#include "sim/device_profile.h"
#include "sim/processing_cost.h"
#include "sim/radio.h"
#include "sim/scheduler.h"

namespace vigil::sim {

using EventFn = std::function<void(const Event&)>;
// Outcome of one frame this node put on the radio, with the frame's message type (0 if
// it could not be decoded).
using TxDoneTap = std::function<void(const TxResult&, uint8_t msg_type)>;

// The part both drivers share: CPU accounting, sending, deadline timer.
class CoreDriver {
 public:
  CoreDriver(Scheduler& sched, RadioNode node, const DeviceProfile& profile,
             const wire::WireParams& params);
  virtual ~CoreDriver();
  CoreDriver(const CoreDriver&) = delete;
  CoreDriver& operator=(const CoreDriver&) = delete;

  RadioNode& node() { return node_; }
  const DeviceProfile& profile() const { return profile_; }
  void set_event_sink(EventFn fn) { sink_ = std::move(fn); }
  // Sees every frame heard by the node (promiscuous), before address filtering.
  std::function<void(const RxFrame&)> tap;
  TxDoneTap on_tx_done;
  // Virtual time the CPU spent on protocol work since construction.
  TimeUs cpu_busy() const { return cpu_busy_; }

 protected:
  // Charges `rx_work` to the CPU, then runs `input` when it is done (at once if the work
  // is nil and the CPU idle) and drains the core.
  void Process(const Work& rx_work, std::function<void(TimeUs)> input);
  // Drains events and frames after an input at `now`.
  void Drain(TimeUs now);
  void ArmDeadline(TimeUs deadline);
  void Invalidate();  // forget everything scheduled so far
  virtual void OnTimeout(TimeUs now) = 0;
  virtual bool PollEvent(Event* e) = 0;
  virtual bool PollTransmit(OutFrame* f) = 0;
  virtual TimeUs NextDeadline() const = 0;
  virtual Work TxWork(const wire::Message& m) const = 0;
  // IEEE 802.15.4 duplicate rejection, done by the MAC below the core: a unicast frame
  // with the same source, sequence number and bytes as the last one from that source,
  // within a second, is a retransmission after a lost acknowledgement (the radio has
  // acknowledged it again) and is not passed up. Bounded: entries older than a second are
  // pruned when the table grows past 1024 sources (a channel carries a few hundred frames
  // a second at most).
  bool MacDuplicate(const RxFrame& f);
  // Decodes the protocol message in a frame sent to `dst` (the MAC header layout follows
  // from the destination; the FCS is not checked: the radio delivers frames intact, and
  // the core checks it anyway). False if it is not a protocol message.
  bool DecodeMessage(ByteSpan frame, uint64_t dst, wire::Message* m) const;

  Scheduler& sched_;
  RadioNode node_;
  DeviceProfile profile_;
  wire::WireParams params_;
  EventFn sink_;
  uint64_t generation_ = 1;

 private:
  bool SentBefore(ByteSpan bytes);
  void Send(const OutFrame& f, TimeUs at);
  // Hands a frame to the radio, or keeps it in the backlog while the radio's queue is
  // full (a gateway queues in software; a burst such as a key update to every device of
  // a ward must not be dropped at the MAC).
  void Offer(TxRequest req, uint8_t type);
  void Flush();
  struct Pending {
    TxRequest req;
    uint8_t type;
  };
  std::deque<Pending> backlog_;

  TimeUs cpu_free_at_ = 0;
  TimeUs cpu_busy_ = 0;
  EventId deadline_event_;
  TimeUs deadline_at_ = kNever;
  struct LastRx {
    uint64_t hash = 0;
    TimeUs at = 0;
  };
  std::unordered_map<uint64_t, LastRx> last_rx_;
  std::array<uint64_t, 8> recent_{};  // hashes of recently sent frames (retransmissions)
  size_t recent_next_ = 0;
};

class DeviceDriver final : public CoreDriver {
 public:
  DeviceDriver(Scheduler& sched, RadioNode node, const DeviceProfile& profile,
               const wire::WireParams& params);
  ~DeviceDriver() override;

  // Installs a freshly constructed core (power-on or reboot); what the previous core had
  // scheduled is dropped. The receiver is switched on.
  void Boot(std::unique_ptr<DeviceCore> core);
  // Drops the core and turns the receiver off.
  void PowerOff();
  bool powered() const { return core_ != nullptr; }
  DeviceCore* core() { return core_.get(); }

  // Commands; kInvalidState when powered off.
  Error StartAssociation();
  Error SendData(ByteSpan payload);

 private:
  void OnRx(const RxFrame& f);
  void OnTimeout(TimeUs now) override;
  bool PollEvent(Event* e) override { return core_->PollEvent(e); }
  bool PollTransmit(OutFrame* f) override { return core_->PollTransmit(f); }
  TimeUs NextDeadline() const override { return core_->NextDeadline(); }
  Work TxWork(const wire::Message& m) const override { return DeviceTxWork(m); }

  std::unique_ptr<DeviceCore> core_;
};

class CoordinatorDriver final : public CoreDriver {
 public:
  // `authenticated`: the PAN's ProtocolConfig::authenticate (for the cost of grants).
  CoordinatorDriver(Scheduler& sched, RadioNode node, const DeviceProfile& profile,
                    const wire::WireParams& params, bool authenticated,
                    std::unique_ptr<CoordinatorCore> core);
  ~CoordinatorDriver() override;

  CoordinatorCore& core() { return *core_; }
  Error SendData(uint64_t uid, ByteSpan payload);
  Error SendBroadcast(ByteSpan payload);
  Error Revoke(uint64_t uid);

 private:
  void OnRx(const RxFrame& f);
  void OnTimeout(TimeUs now) override;
  bool PollEvent(Event* e) override { return core_->PollEvent(e); }
  bool PollTransmit(OutFrame* f) override { return core_->PollTransmit(f); }
  TimeUs NextDeadline() const override { return core_->NextDeadline(); }
  Work TxWork(const wire::Message& m) const override {
    return CoordinatorTxWork(m, authenticated_);
  }

  bool authenticated_;
  std::unique_ptr<CoordinatorCore> core_;
};

}  // namespace vigil::sim
