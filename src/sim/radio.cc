#include "sim/radio.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace vigil::sim {

std::string_view TxStatusName(TxStatus s) {
  switch (s) {
    case TxStatus::kSuccess:
      return "success";
    case TxStatus::kNoAck:
      return "no-ack";
    case TxStatus::kChannelAccessFailure:
      return "channel-access-failure";
  }
  return "unknown";
}

RadioStats& RadioStats::operator+=(const RadioStats& o) {
  tx_requests += o.tx_requests;
  tx_rejected += o.tx_rejected;
  tx_frames += o.tx_frames;
  tx_retries += o.tx_retries;
  tx_success += o.tx_success;
  tx_no_ack += o.tx_no_ack;
  tx_channel_access_failures += o.tx_channel_access_failures;
  cca_busy += o.cca_busy;
  acks_sent += o.acks_sent;
  bytes_on_air_phy += o.bytes_on_air_phy;
  bytes_on_air_mpdu += o.bytes_on_air_mpdu;
  rx_delivered += o.rx_delivered;
  rx_acks += o.rx_acks;
  rx_collisions += o.rx_collisions;
  rx_link_losses += o.rx_link_losses;
  rx_missed += o.rx_missed;
  rx_not_listening += o.rx_not_listening;
  return *this;
}

namespace {

bool ValidLoss(double p) { return p >= 0.0 && p <= 1.0; }  // false for NaN

struct Neighbor {
  NodeId id;
  double loss;
};

// One frame on the channel. Pooled: the receiver list and byte buffer keep their capacity.
struct Transmission {
  NodeId from = 0;
  bool is_ack = false;
  bool ack_request = false;
  uint8_t seq = 0;
  uint64_t dst = kBroadcast;
  size_t mpdu_bytes = 0;
  std::vector<uint8_t> bytes;  // empty for ACKs
  TimeUs start = 0;
  TimeUs end = 0;
  std::vector<Neighbor> receivers;  // snapshot of the links when the frame started
  EventId end_event;
  bool on_air = false;
};

// The MAC's position in sending the frame at the head of the queue.
enum class MacState : uint8_t {
  kIdle,        // nothing to send
  kIfsWait,     // waiting out the interframe spacing of the previous frame
  kBackoff,     // random backoff before a CCA
  kCca,         // clear channel assessment in progress
  kTurnaround,  // CCA found the channel idle; RX-to-TX turnaround
  kTx,          // data frame on air
  kAckWait,     // waiting up to macAckWaitDuration for the ACK
};

struct Pending {
  TxRequest req;
  TxDoneFn done;
  TimeUs queued_at;
};

struct NodeState {
  NodeConfig cfg;
  std::vector<uint64_t> addresses;
  bool listening = true;
  RxFn on_rx;
  uint64_t on_rx_generation = 0;  // bumped by SetReceiver
  RadioStats stats;

  // MAC.
  std::deque<Pending> queue;
  MacState state = MacState::kIdle;
  uint8_t nb = 0;             // NB: CCA failures for the current attempt
  uint8_t be = 0;             // BE: backoff exponent
  uint8_t retries = 0;        // retransmissions of the current frame so far
  uint8_t transmissions = 0;  // times the current frame went on air
  TimeUs cca_start = 0;
  bool cca_deferred = false;  // backoff ended while the node was sending an ACK
  TimeUs ifs_until = 0;
  EventId mac_timer;  // the MAC's one pending step (IFS, backoff, CCA, turnaround, ACK wait)
  EventId ack_timer;  // auto-ACK waiting out its turnaround

  // PHY. A node transmits from the end of an idle CCA (or of a received frame it
  // acknowledges) to the end of its frame; it cannot receive meanwhile.
  bool transmitting = false;
  int sensed = 0;               // signals from in-range transmitters now on air
  TimeUs last_sensed_end = -1;  // when the last of them ended
  Transmission* rx = nullptr;   // the frame the receiver is synchronised to
  bool rx_corrupt = false;

  // Outgoing links: explicit overrides (sorted by destination) and a cache of receivers,
  // rebuilt when a change could have altered it (see Radio::Impl, "topology").
  std::vector<std::pair<NodeId, LinkConfig>> overrides;
  std::vector<Neighbor> neighbors;
  bool neighbors_dirty = true;
  bool long_range = false;  // in Impl::long_range (reaches beyond kNearCells cells)
};

// The spatial index's cells: kCellM metres square. A node whose range reaches at most
// kNearCells cells is found through the cells around a point; one that reaches farther
// (an intruder's amplifier) is kept in a short list and checked on its own.
constexpr double kCellM = 8.0;
constexpr int kNearCells = 8;
constexpr double kNearRangeM = kCellM * kNearCells;

int64_t CellOf(double v) { return static_cast<int64_t>(std::floor(v / kCellM)); }
uint64_t CellKey(int64_t cx, int64_t cy) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(cx)) << 32) |
         static_cast<uint64_t>(static_cast<uint32_t>(cy));
}

}  // namespace

struct Radio::Impl {
  Impl(Scheduler& s, RandomFn r, RadioConfig c)
      : sched(s), random(std::move(r)), config(std::move(c)) {}

  Scheduler& sched;
  RandomFn random;
  RadioConfig config;
  AirObserverFn observer;
  // unique_ptr: owner callbacks may add nodes while a NodeState& is held.
  std::vector<std::unique_ptr<NodeState>> nodes;
  // --- topology ---
  // Which nodes hear a sender was a scan of every node whenever anything moved: with a
  // ward's devices moving all day, the cost per frame grew with the hospital. Now every
  // node sits in a grid cell of its position, and a change marks dirty only the caches it
  // can alter: a move, the caches of nodes near the old and the new place (and of the
  // long-range nodes); a range or a link override, the sender's own. A dirty cache is
  // rebuilt from the cells within the sender's range, then sorted by node id, so that it
  // holds exactly what the full scan gave, in the same order (the order of the random
  // draws per receiver, hence the report, depends on it).
  std::unordered_map<uint64_t, std::vector<NodeId>> grid;
  std::vector<NodeId> long_range;
  // Every Transmission ever made (owner) and the ones not on air (free list).
  std::vector<std::unique_ptr<Transmission>> all_tx;
  std::vector<Transmission*> free_tx;

  bool Valid(NodeId id) const { return id < nodes.size(); }
  NodeState& N(NodeId id) { return *nodes[id]; }

  // True with probability p, consuming one draw only when the outcome is uncertain.
  bool Chance(double p) {
    if (p <= 0.0) return false;
    if (p >= 1.0) return true;
    const double u = static_cast<double>(random() >> 11) * 0x1.0p-53;
    return u < p;
  }

  LinkConfig LinkOf(NodeId from, NodeId to) const {
    const NodeState& f = *nodes[from];
    auto it = std::lower_bound(f.overrides.begin(), f.overrides.end(), to,
                               [](const auto& e, NodeId v) { return e.first < v; });
    if (it != f.overrides.end() && it->first == to) return it->second;
    const NodeState& t = *nodes[to];
    const double dx = f.cfg.x - t.cfg.x, dy = f.cfg.y - t.cfg.y;
    if (f.cfg.range_m > 0 && dx * dx + dy * dy <= f.cfg.range_m * f.cfg.range_m) {
      return LinkConfig{true, config.default_loss};
    }
    return LinkConfig{false, 0.0};
  }

  template <typename Fn>
  void ForNodesAround(double x, double y, double r, Fn fn) {
    const int64_t x0 = CellOf(x - r), x1 = CellOf(x + r);
    const int64_t y0 = CellOf(y - r), y1 = CellOf(y + r);
    for (int64_t cx = x0; cx <= x1; ++cx) {
      for (int64_t cy = y0; cy <= y1; ++cy) {
        auto it = grid.find(CellKey(cx, cy));
        if (it == grid.end()) continue;
        for (NodeId id : it->second) fn(id);
      }
    }
  }

  void GridInsert(NodeId id) {
    const NodeState& n = N(id);
    grid[CellKey(CellOf(n.cfg.x), CellOf(n.cfg.y))].push_back(id);
  }
  void GridErase(NodeId id) {
    const NodeState& n = N(id);
    auto it = grid.find(CellKey(CellOf(n.cfg.x), CellOf(n.cfg.y)));
    if (it == grid.end()) return;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), id), v.end());
    if (v.empty()) grid.erase(it);
  }
  void UpdateLongRange(NodeId id) {
    NodeState& n = N(id);
    const bool far = n.cfg.range_m > kNearRangeM;
    if (far == n.long_range) return;
    n.long_range = far;
    if (far) {
      long_range.push_back(id);
    } else {
      long_range.erase(std::remove(long_range.begin(), long_range.end(), id), long_range.end());
    }
  }
  // Every cache that may list, or should list, a node at (x, y): the near nodes around it
  // and the long-range ones.
  void InvalidateAround(double x, double y) {
    ForNodesAround(x, y, kNearRangeM, [&](NodeId id) { N(id).neighbors_dirty = true; });
    for (NodeId id : long_range) N(id).neighbors_dirty = true;
  }

  const std::vector<Neighbor>& Neighbors(NodeId from) {
    NodeState& f = N(from);
    if (f.neighbors_dirty) {
      f.neighbors.clear();
      auto consider = [&](NodeId to) {
        if (to == from) return;
        const LinkConfig l = LinkOf(from, to);
        if (l.connected) f.neighbors.push_back(Neighbor{to, l.loss});
      };
      if (f.long_range) {
        for (NodeId to = 0; to < nodes.size(); ++to) consider(to);
      } else {
        if (f.cfg.range_m > 0) ForNodesAround(f.cfg.x, f.cfg.y, f.cfg.range_m, consider);
        // Overrides may connect nodes out of range (and disconnect ones in range, which
        // LinkOf already applied); each destination once.
        for (const auto& [to, link] : f.overrides) {
          if (!link.connected) continue;
          const NodeState& t = N(to);
          const double dx = f.cfg.x - t.cfg.x, dy = f.cfg.y - t.cfg.y;
          const bool found =
              f.cfg.range_m > 0 && dx * dx + dy * dy <= f.cfg.range_m * f.cfg.range_m;
          if (!found) consider(to);
        }
        std::sort(f.neighbors.begin(), f.neighbors.end(),
                  [](const Neighbor& a, const Neighbor& b) { return a.id < b.id; });
      }
      f.neighbors_dirty = false;
    }
    return f.neighbors;
  }

  // --- PHY ---
  bool ReceiverOn(const NodeState& n) const {
    return n.listening || (n.state != MacState::kIdle && n.state != MacState::kIfsWait);
  }

  // Drops a reception in progress if the receiver was turned off.
  void UpdateReceiver(NodeState& n) {
    if (n.rx != nullptr && !ReceiverOn(n)) n.rx = nullptr;
  }

  void EnterTx(NodeState& n) {
    n.transmitting = true;
    if (n.rx != nullptr) {  // half duplex: a frame being received is lost
      n.rx = nullptr;
      ++n.stats.rx_missed;
    }
  }

  Transmission* NewTx() {
    if (free_tx.empty()) {
      all_tx.push_back(std::make_unique<Transmission>());
      return all_tx.back().get();
    }
    Transmission* t = free_tx.back();
    free_tx.pop_back();
    return t;
  }

  void Transmit(NodeId from, Transmission* tx) {
    NodeState& s = N(from);
    tx->from = from;
    tx->start = sched.Now();
    tx->end = tx->start + FrameAirtimeUs(tx->mpdu_bytes);
    s.stats.bytes_on_air_phy += tx->mpdu_bytes + kPhyOverheadBytes;
    s.stats.bytes_on_air_mpdu += tx->mpdu_bytes;
    const auto& nb = Neighbors(from);
    tx->receivers.assign(nb.begin(), nb.end());
    if (observer) {
      observer(AirFrame{from, tx->is_ack, tx->bytes, tx->mpdu_bytes, tx->seq, tx->dst, tx->start,
                        tx->end});
    }
    for (const Neighbor& r : tx->receivers) SignalStart(N(r.id), tx);
    tx->on_air = true;
    tx->end_event = sched.At(tx->end, [this, tx] { EndTransmission(tx); });
  }

  void SignalStart(NodeState& r, Transmission* tx) {
    const bool energy_present = r.sensed > 0;
    ++r.sensed;
    if (!ReceiverOn(r)) return;
    if (r.transmitting) {
      ++r.stats.rx_missed;
      return;
    }
    if (r.rx == nullptr) {
      // Synchronise to this preamble; another signal already on air garbles it.
      r.rx = tx;
      r.rx_corrupt = energy_present;
    } else {
      // Overlap: the frame being received is corrupted and the new one is never
      // synchronised to (no capture effect).
      r.rx_corrupt = true;
      ++r.stats.rx_collisions;
    }
  }

  void SignalEnd(NodeId rid, Transmission* tx, double loss) {
    NodeState& r = N(rid);
    --r.sensed;
    r.last_sensed_end = sched.Now();
    if (r.rx != tx) return;
    r.rx = nullptr;
    if (r.rx_corrupt) {
      ++r.stats.rx_collisions;
      return;
    }
    if (Chance(loss)) {
      ++r.stats.rx_link_losses;
      return;
    }
    if (tx->is_ack) {
      OnAck(rid, tx->seq);
    } else {
      OnData(rid, *tx);
    }
  }

  void EndTransmission(Transmission* tx) {
    for (const Neighbor& r : tx->receivers) SignalEnd(r.id, tx, r.loss);
    NodeState& s = N(tx->from);
    s.transmitting = false;
    const NodeId from = tx->from;
    const bool was_ack = tx->is_ack;
    tx->bytes.clear();
    tx->on_air = false;
    tx->end_event = EventId{};
    free_tx.push_back(tx);
    if (!was_ack) {
      OnDataTxEnd(from);
    } else if (s.cca_deferred) {
      s.cca_deferred = false;
      StartCca(from);
    }
  }

  bool HasAddress(const NodeState& n, uint64_t a) const {
    return std::find(n.addresses.begin(), n.addresses.end(), a) != n.addresses.end();
  }

  void OnData(NodeId rid, const Transmission& tx) {
    NodeState& r = N(rid);
    if (!r.listening) {
      ++r.stats.rx_not_listening;
      return;
    }
    ++r.stats.rx_delivered;
    if (tx.ack_request && tx.dst != kBroadcast && HasAddress(r, tx.dst)) {
      // Auto-ACK: the transceiver turns around and sends the ACK aTurnaroundTime after
      // the frame, without CSMA/CA.
      EnterTx(r);
      const uint8_t seq = tx.seq;
      r.ack_timer = sched.After(kTurnaroundUs, [this, rid, seq] { SendAck(rid, seq); });
    }
    if (r.on_rx) {
      // Run a moved-out copy so that the callback may replace or clear its own receiver.
      RxFn fn = std::move(r.on_rx);
      r.on_rx = nullptr;
      const uint64_t generation = r.on_rx_generation;
      fn(RxFrame{tx.bytes, tx.start, tx.end, tx.dst, tx.ack_request, tx.seq, tx.from});
      NodeState& after = N(rid);
      if (after.on_rx_generation == generation) after.on_rx = std::move(fn);
    }
  }

  void SendAck(NodeId rid, uint8_t seq) {
    Transmission* ack = NewTx();
    ack->is_ack = true;
    ack->ack_request = false;
    ack->seq = seq;
    ack->dst = kBroadcast;
    ack->mpdu_bytes = kAckMpduBytes;
    ack->bytes.clear();
    N(rid).ack_timer = EventId{};
    ++N(rid).stats.acks_sent;
    Transmit(rid, ack);
  }

  // --- MAC ---
  Error Send(NodeId id, TxRequest req, TxDoneFn done) {
    NodeState& n = N(id);
    if (req.bytes.empty() || req.bytes.size() > kMaxPhyPacketSize) {
      ++n.stats.tx_rejected;
      return Error::kInvalidArgument;
    }
    if (n.queue.size() > config.mac.queue_limit) {
      ++n.stats.tx_rejected;
      return Error::kNoBufs;
    }
    ++n.stats.tx_requests;
    n.queue.push_back(Pending{std::move(req), std::move(done), sched.Now()});
    if (n.state == MacState::kIdle) StartNext(id);
    return Error::kOk;
  }

  void StartNext(NodeId id) {
    NodeState& n = N(id);
    n.retries = 0;
    n.transmissions = 0;
    if (config.mac.interframe_spacing && n.ifs_until > sched.Now()) {
      n.state = MacState::kIfsWait;
      n.mac_timer = sched.At(n.ifs_until, [this, id] { BeginCsma(id); });
    } else {
      BeginCsma(id);
    }
  }

  void BeginCsma(NodeId id) {
    NodeState& n = N(id);
    n.nb = 0;
    n.be = config.mac.min_be;
    Backoff(id);
  }

  void Backoff(NodeId id) {
    NodeState& n = N(id);
    uint64_t periods = 0;
    if (n.be > 0) periods = random() & ((uint64_t{1} << n.be) - 1);
    n.state = MacState::kBackoff;
    n.mac_timer =
        sched.After(static_cast<TimeUs>(periods) * kUnitBackoffUs, [this, id] { StartCca(id); });
  }

  void StartCca(NodeId id) {
    NodeState& n = N(id);
    if (n.transmitting) {
      // The transceiver is busy with an automatic ACK; the CCA starts when it is done
      // (EndTransmission) instead of reporting the node's own ACK as a busy channel.
      n.cca_deferred = true;
      n.mac_timer = EventId{};
      return;
    }
    n.state = MacState::kCca;
    n.cca_start = sched.Now();
    n.mac_timer = sched.After(kCcaUs, [this, id] { EndCca(id); });
  }

  void EndCca(NodeId id) {
    NodeState& n = N(id);
    // Energy detection over the whole CCA window: busy if a signal is on air now or
    // ended inside the window (or if the node had to start an ACK meanwhile).
    const bool busy = n.transmitting || n.sensed > 0 || n.last_sensed_end > n.cca_start;
    if (busy) {
      ++n.stats.cca_busy;
      ++n.nb;
      n.be = std::min<uint8_t>(static_cast<uint8_t>(n.be + 1), config.mac.max_be);
      if (n.nb > config.mac.max_csma_backoffs) {
        Finish(id, TxStatus::kChannelAccessFailure);
      } else {
        Backoff(id);
      }
      return;
    }
    n.state = MacState::kTurnaround;
    EnterTx(n);
    n.mac_timer = sched.After(kTurnaroundUs, [this, id] { StartDataTx(id); });
  }

  void StartDataTx(NodeId id) {
    NodeState& n = N(id);
    n.state = MacState::kTx;
    const TxRequest& req = n.queue.front().req;
    if (n.transmissions > 0) ++n.stats.tx_retries;
    ++n.transmissions;
    ++n.stats.tx_frames;
    Transmission* tx = NewTx();
    tx->is_ack = false;
    tx->ack_request = req.ack_request;
    tx->seq = req.seq;
    tx->dst = req.dst;
    tx->mpdu_bytes = req.bytes.size();
    tx->bytes.assign(req.bytes.begin(), req.bytes.end());
    Transmit(id, tx);
  }

  static bool WantsAck(const TxRequest& r) { return r.ack_request && r.dst != kBroadcast; }

  void OnDataTxEnd(NodeId id) {
    NodeState& n = N(id);
    if (WantsAck(n.queue.front().req)) {
      n.state = MacState::kAckWait;
      n.mac_timer = sched.After(config.mac.ack_wait_us, [this, id] { AckTimeout(id); });
    } else {
      Finish(id, TxStatus::kSuccess);
    }
  }

  void AckTimeout(NodeId id) {
    NodeState& n = N(id);
    if (n.retries >= config.mac.max_frame_retries) {
      Finish(id, TxStatus::kNoAck);
      return;
    }
    ++n.retries;
    BeginCsma(id);
  }

  void OnAck(NodeId id, uint8_t seq) {
    NodeState& n = N(id);
    // Any intact ACK echoing the awaited sequence number is accepted: ACKs carry no
    // source address, which is a property of the standard, not of this model.
    if (n.state != MacState::kAckWait || n.queue.front().req.seq != seq) return;
    ++n.stats.rx_acks;
    sched.Cancel(n.mac_timer);
    Finish(id, TxStatus::kSuccess);
  }

  void Finish(NodeId id, TxStatus status) {
    NodeState& n = N(id);
    Pending p = std::move(n.queue.front());
    n.queue.pop_front();
    n.state = MacState::kIdle;
    n.mac_timer = EventId{};
    switch (status) {
      case TxStatus::kSuccess:
        ++n.stats.tx_success;
        // The next frame may start only after SIFS/LIFS (measured from the ACK if any).
        n.ifs_until = sched.Now() + IfsUs(p.req.bytes.size());
        break;
      case TxStatus::kNoAck:
        ++n.stats.tx_no_ack;
        break;
      case TxStatus::kChannelAccessFailure:
        ++n.stats.tx_channel_access_failures;
        break;
    }
    UpdateReceiver(n);
    const TxResult result{status, p.req.seq, n.transmissions, p.queued_at, sched.Now()};
    if (p.done) p.done(result);
    // The callback may have queued (and so started) the next frame already.
    NodeState& m = N(id);
    if (m.state == MacState::kIdle && !m.queue.empty()) StartNext(id);
  }
};

// --- RadioNode ---

Error RadioNode::Send(TxRequest req, TxDoneFn on_done) {
  return radio_->impl_->Send(id_, std::move(req), std::move(on_done));
}

void RadioNode::SetReceiver(RxFn fn) {
  NodeState& n = radio_->impl_->N(id_);
  n.on_rx = std::move(fn);
  ++n.on_rx_generation;
}

void RadioNode::SetListening(bool on) {
  NodeState& n = radio_->impl_->N(id_);
  n.listening = on;
  radio_->impl_->UpdateReceiver(n);
}

bool RadioNode::listening() const { return radio_->impl_->N(id_).listening; }

void RadioNode::SetAddresses(std::vector<uint64_t> addresses) {
  radio_->impl_->N(id_).addresses = std::move(addresses);
}

size_t RadioNode::queued() const { return radio_->impl_->N(id_).queue.size(); }

const RadioStats& RadioNode::stats() const { return radio_->impl_->N(id_).stats; }

const std::string& RadioNode::name() const { return radio_->impl_->N(id_).cfg.name; }

// --- Radio ---

Radio::Radio(Scheduler& scheduler, RandomFn random, RadioConfig config) {
  if (!random) throw std::invalid_argument("Radio: random source is empty");
  if (!ValidLoss(config.default_loss)) {
    throw std::invalid_argument("Radio: default_loss outside [0, 1]");
  }
  if (config.mac.min_be > config.mac.max_be || config.mac.max_be > 63) {
    throw std::invalid_argument("Radio: need min_be <= max_be <= 63");
  }
  impl_ = std::make_unique<Impl>(scheduler, std::move(random), std::move(config));
}

Radio::~Radio() {
  // Every event the radio schedules is tracked here, so none can run into a dead radio.
  Scheduler& s = impl_->sched;
  for (auto& n : impl_->nodes) {
    s.Cancel(n->mac_timer);
    s.Cancel(n->ack_timer);
  }
  for (auto& t : impl_->all_tx) {
    if (t->on_air) s.Cancel(t->end_event);
  }
}

NodeId Radio::AddNode(const NodeConfig& config) {
  auto n = std::make_unique<NodeState>();
  n->cfg = config;
  n->addresses = {config.address};
  n->listening = config.listening;
  impl_->nodes.push_back(std::move(n));
  const auto id = static_cast<NodeId>(impl_->nodes.size() - 1);
  impl_->GridInsert(id);
  impl_->UpdateLongRange(id);
  impl_->InvalidateAround(config.x, config.y);
  return id;
}

size_t Radio::size() const { return impl_->nodes.size(); }

RadioNode Radio::node(NodeId id) {
  if (!impl_->Valid(id)) throw std::out_of_range("Radio::node: unknown node id");
  return RadioNode(this, id);
}

Error Radio::SetPosition(NodeId id, double x, double y) {
  if (!impl_->Valid(id)) return Error::kInvalidArgument;
  NodeState& n = impl_->N(id);
  impl_->InvalidateAround(n.cfg.x, n.cfg.y);
  impl_->GridErase(id);
  n.cfg.x = x;
  n.cfg.y = y;
  impl_->GridInsert(id);
  impl_->InvalidateAround(x, y);
  n.neighbors_dirty = true;
  return Error::kOk;
}

Error Radio::SetRange(NodeId id, double range_m) {
  if (!impl_->Valid(id) || !(range_m >= 0)) return Error::kInvalidArgument;
  impl_->N(id).cfg.range_m = range_m;
  impl_->UpdateLongRange(id);
  impl_->N(id).neighbors_dirty = true;  // the range is the sender's: only its own list
  return Error::kOk;
}

Error Radio::SetLink(NodeId from, NodeId to, LinkConfig link) {
  if (!impl_->Valid(from) || !impl_->Valid(to) || from == to || !ValidLoss(link.loss)) {
    return Error::kInvalidArgument;
  }
  auto& ov = impl_->N(from).overrides;
  auto it = std::lower_bound(ov.begin(), ov.end(), to,
                             [](const auto& e, NodeId v) { return e.first < v; });
  if (it != ov.end() && it->first == to) {
    it->second = link;
  } else {
    ov.insert(it, {to, link});
  }
  impl_->N(from).neighbors_dirty = true;  // an override is the sender's: only its own list
  return Error::kOk;
}

Error Radio::SetLinkSymmetric(NodeId a, NodeId b, LinkConfig link) {
  if (Error e = SetLink(a, b, link); e != Error::kOk) return e;
  return SetLink(b, a, link);
}

LinkConfig Radio::Link(NodeId from, NodeId to) const {
  if (!impl_->Valid(from) || !impl_->Valid(to) || from == to) return LinkConfig{false, 0.0};
  return impl_->LinkOf(from, to);
}

void Radio::SetAirObserver(AirObserverFn fn) { impl_->observer = std::move(fn); }

RadioStats Radio::TotalStats() const {
  RadioStats total;
  for (const auto& n : impl_->nodes) total += n->stats;
  return total;
}

const RadioConfig& Radio::config() const { return impl_->config; }

Scheduler& Radio::scheduler() { return impl_->sched; }

}  // namespace vigil::sim
