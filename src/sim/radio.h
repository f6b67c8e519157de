// A shared IEEE 802.15.4 channel (2.4 GHz O-QPSK PHY, unslotted CSMA/CA MAC with
// acknowledgements and retransmissions) for the discrete-event simulator.
//
// The radio moves opaque frames: it never parses the bytes it carries. The sender states
// what the MAC header would say (destination, ACK request, sequence number) in a
// TxRequest, and the radio acts on that: the node whose address matches the destination
// acknowledges an intact frame, the sender retries until acknowledged or out of retries.
//
// The channel is a broadcast medium: every listening node within range of the transmitter
// hears every frame, whatever its destination (overhearing is what the testbed's attacks
// rely on), and gets it through its receive callback; address filtering is left to the
// node's owner. Collisions, per-link loss and half-duplex operation are modelled as set
// out in docs/radio-model.md.
//
// All randomness (backoff draws, loss draws) comes from the injected RandomFn, so a run
// is reproducible from the generator's seed. Not thread-safe; driven by one Scheduler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "sim/ieee802154.h"
#include "sim/scheduler.h"

namespace vigil::sim {

using NodeId = uint32_t;
// Uniform 64-bit values. The lead passes a seeded generator (e.g. SeededRandom::Next64).
using RandomFn = std::function<uint64_t()>;

// A frame handed to the MAC. `bytes` is the MPDU as it goes on air (MAC header, payload
// and FCS): 1..kMaxPhyPacketSize bytes.
struct TxRequest {
  std::vector<uint8_t> bytes;
  bool ack_request = false;   // ignored for broadcast
  uint64_t dst = kBroadcast;  // kBroadcast, or an address some node answers to
  uint8_t seq = 0;            // MAC sequence number: the ACK must echo it
};

enum class TxStatus : uint8_t {
  kSuccess,               // on air (broadcast / no ACK requested) or acknowledged
  kNoAck,                 // no ACK after 1 + macMaxFrameRetries transmissions
  kChannelAccessFailure,  // CCA found the channel busy more than macMaxCSMABackoffs times
};
std::string_view TxStatusName(TxStatus s);

struct TxResult {
  TxStatus status = TxStatus::kSuccess;
  uint8_t seq = 0;
  uint8_t transmissions = 0;  // times the frame went on air
  TimeUs queued_at = 0;       // when Send() accepted it
  TimeUs done_at = 0;         // end of the ACK, of the frame, or of the failing step
};
using TxDoneFn = std::function<void(const TxResult&)>;

// A data frame as received. `bytes` is valid only during the callback: copy what you keep.
struct RxFrame {
  std::span<const uint8_t> bytes;
  TimeUs start = 0;  // first preamble bit reached the antenna
  TimeUs end = 0;    // end of reception: the time a real radio raises its RX-done interrupt
  // What the sender put in its TxRequest (a real receiver reads these from the MAC header).
  uint64_t dst = kBroadcast;
  bool ack_request = false;
  uint8_t seq = 0;
  // Ground truth for traces and tests; a protocol must not trust it (a real radio does not
  // know who transmitted: the source address in the bytes can be forged).
  NodeId transmitter = 0;
};
using RxFn = std::function<void(const RxFrame&)>;

// Every frame put on the channel, data and ACK, for traces (e.g. a pcap writer). `bytes`
// is empty for ACKs (the radio does not build their bytes) and valid only during the call.
struct AirFrame {
  NodeId transmitter = 0;
  bool is_ack = false;
  std::span<const uint8_t> bytes;
  size_t mpdu_bytes = 0;
  uint8_t seq = 0;
  uint64_t dst = kBroadcast;
  TimeUs start = 0;
  TimeUs end = 0;
};
using AirObserverFn = std::function<void(const AirFrame&)>;

struct NodeConfig {
  std::string name;       // for traces only
  uint64_t address = 0;   // destination this node acknowledges (more: SetAddresses)
  double x = 0, y = 0;    // metres
  double range_m = 0;     // this node's transmit range; 0: links only through SetLink()
  bool listening = true;  // receiver on when idle
};

// A directed link: can `to` hear `from`, and with what independent frame-loss probability.
struct LinkConfig {
  bool connected = true;
  double loss = 0.0;  // in [0, 1]; applied per frame and per receiver, ACKs included
};

struct RadioConfig {
  MacConfig mac;
  double default_loss = 0.0;  // loss of links derived from positions and ranges
};

// Counters of one node, or summed over all nodes (Radio::TotalStats).
struct RadioStats {
  // Transmit side.
  uint64_t tx_requests = 0;  // frames accepted by Send()
  uint64_t tx_rejected = 0;  // Send() calls refused (bad size, queue full)
  uint64_t tx_frames = 0;    // data frames put on air, retransmissions included
  uint64_t tx_retries = 0;   // retransmissions after a missing ACK
  uint64_t tx_success = 0;
  uint64_t tx_no_ack = 0;
  uint64_t tx_channel_access_failures = 0;
  uint64_t cca_busy = 0;  // CCAs that found the channel busy
  uint64_t acks_sent = 0;
  uint64_t bytes_on_air_phy = 0;   // data + ACK frames, PHY SHR and PHR included
  uint64_t bytes_on_air_mpdu = 0;  // same frames, MPDU bytes only
  // Receive side.
  uint64_t rx_delivered = 0;      // data frames handed to the receive callback
  uint64_t rx_acks = 0;           // ACKs accepted for this node's own frames
  uint64_t rx_collisions = 0;     // frames lost here because two signals overlapped
  uint64_t rx_link_losses = 0;    // frames dropped here by the link's loss probability
  uint64_t rx_missed = 0;         // frames lost here because the node was transmitting
  uint64_t rx_not_listening = 0;  // intact data frames ignored with the receiver off

  RadioStats& operator+=(const RadioStats& o);
  bool operator==(const RadioStats&) const = default;
};

class Radio;

// A lightweight handle on one node of a Radio (copyable; valid while the Radio lives).
class RadioNode {
 public:
  NodeId id() const { return id_; }
  // Queues a frame for CSMA/CA transmission. Frames of one node go out in order, one at a
  // time. `on_done` (may be empty) runs once, from the scheduler, with the outcome.
  // Errors (nothing queued, on_done not called): kInvalidArgument if bytes is empty or
  // longer than kMaxPhyPacketSize; kNoBufs if the node's queue is full.
  Error Send(TxRequest req, TxDoneFn on_done = {});
  // Receives every intact data frame this node hears while listening (see RxFrame).
  void SetReceiver(RxFn fn);
  // Receiver on/off when idle. Off: the node hears nothing, acknowledges nothing, and a
  // reception in progress is lost. It can still Send(): the transceiver turns on for the
  // CCA and for its own ACK (as a sleepy device with rx-on-when-idle false does).
  void SetListening(bool on);
  bool listening() const;
  // Addresses this node acknowledges (replaces the list; NodeConfig::address is the first).
  void SetAddresses(std::vector<uint64_t> addresses);
  // Frames queued, the one in progress included.
  size_t queued() const;
  const RadioStats& stats() const;
  const std::string& name() const;

 private:
  friend class Radio;
  RadioNode(Radio* radio, NodeId id) : radio_(radio), id_(id) {}
  Radio* radio_;
  NodeId id_;
};

class Radio {
 public:
  // `scheduler` must outlive the radio; destroying the radio cancels its pending events.
  // Throws std::invalid_argument if `random` is empty, config.default_loss is outside
  // [0, 1], or the MAC's backoff exponents are inconsistent (min_be > max_be).
  Radio(Scheduler& scheduler, RandomFn random, RadioConfig config = {});
  ~Radio();
  Radio(const Radio&) = delete;
  Radio& operator=(const Radio&) = delete;

  NodeId AddNode(const NodeConfig& config);
  size_t size() const;
  // Handle on node `id`. Throws std::out_of_range for an id AddNode did not return.
  RadioNode node(NodeId id);

  // Topology. Position/range links: `to` hears `from` when their distance is at most
  // from's range_m, with config.default_loss. SetLink overrides one direction for a pair
  // (connected=false cuts it). Changes apply to frames that start after the call.
  // Errors: kInvalidArgument for an unknown id, from == to, or a loss outside [0, 1].
  Error SetPosition(NodeId id, double x, double y);
  Error SetRange(NodeId id, double range_m);
  Error SetLink(NodeId from, NodeId to, LinkConfig link);
  Error SetLinkSymmetric(NodeId a, NodeId b, LinkConfig link);
  // The link `to` hears `from` on (connected=false if none).
  LinkConfig Link(NodeId from, NodeId to) const;

  void SetAirObserver(AirObserverFn fn);

  RadioStats TotalStats() const;
  const RadioConfig& config() const;
  Scheduler& scheduler();

 private:
  friend class RadioNode;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::sim
