#include "edge/uplink/uplink_link.h"

#include <algorithm>
#include <array>

namespace vigil::uplink {
namespace {

// What the deadline becomes after a transition.
enum class Arm : uint8_t { kNone, kConnectTimeout, kBackoff };

struct Transition {
  LinkState from;
  LinkInput in;
  LinkState to;
  LinkAction action;
  Arm arm;
  bool reset_backoff;  // the next failure waits backoff_min again
};

using S = LinkState;
using I = LinkInput;
using A = LinkAction;

// Every transition of the link (docs/uplink.md, "Connection"). kStop from any state but
// kStopped is handled before the table (it always ends in kStopped).
// clang-format off
constexpr std::array<Transition, 11> kTable = {{
    // from          input              to              action          deadline              reset
    {S::kIdle,       I::kStart,         S::kConnecting, A::kConnect,    Arm::kConnectTimeout, false},
    {S::kConnecting, I::kConnected,     S::kOnline,     A::kNone,       Arm::kNone,           true},
    {S::kConnecting, I::kConnectFailed, S::kBackoff,    A::kDisconnect, Arm::kBackoff,        false},
    {S::kConnecting, I::kLost,          S::kBackoff,    A::kDisconnect, Arm::kBackoff,        false},
    {S::kConnecting, I::kDeadline,      S::kBackoff,    A::kDisconnect, Arm::kBackoff,        false},
    {S::kConnecting, I::kReload,        S::kConnecting, A::kReconnect,  Arm::kConnectTimeout, true},
    {S::kOnline,     I::kLost,          S::kBackoff,    A::kDisconnect, Arm::kBackoff,        false},
    {S::kOnline,     I::kRefused,       S::kBackoff,    A::kDisconnect, Arm::kBackoff,        false},
    {S::kOnline,     I::kReload,        S::kConnecting, A::kReconnect,  Arm::kConnectTimeout, true},
    {S::kBackoff,    I::kDeadline,      S::kConnecting, A::kConnect,    Arm::kConnectTimeout, false},
    {S::kBackoff,    I::kReload,        S::kConnecting, A::kConnect,    Arm::kConnectTimeout, true},
}};
// clang-format on

uint64_t SplitMix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string_view LinkStateName(LinkState s) {
  constexpr std::array<std::string_view, 5> names = {"idle", "connecting", "online", "backoff",
                                                     "stopped"};
  return names[static_cast<size_t>(s)];
}

std::string_view LinkInputName(LinkInput in) {
  constexpr std::array<std::string_view, 8> names = {
      "start", "connected", "connect_failed", "lost", "refused", "reload", "stop", "deadline"};
  return names[static_cast<size_t>(in)];
}

UplinkLink::UplinkLink(const LinkOptions& options, uint64_t jitter_seed)
    : options_(options), rng_(jitter_seed) {}

TimeUs UplinkLink::NextBackoff() {
  // min * 2^failures, capped; drawn from the upper half of that delay.
  TimeUs ceiling = options_.backoff_min;
  for (uint32_t k = 0; k < failures_ && ceiling < options_.backoff_max; ++k) ceiling *= 2;
  ceiling = std::min(ceiling, options_.backoff_max);
  const TimeUs half = ceiling / 2;
  const TimeUs span = ceiling - half;
  const TimeUs draw =
      span > 0 ? static_cast<TimeUs>(SplitMix(rng_) % static_cast<uint64_t>(span + 1)) : 0;
  ++failures_;
  last_backoff_ = std::max<TimeUs>(half + draw, 1);
  return last_backoff_;
}

LinkAction UplinkLink::Input(LinkInput in, TimeUs now) {
  if (in == LinkInput::kStop) {
    if (state_ == LinkState::kStopped) return LinkAction::kNone;
    const bool had_client = state_ == LinkState::kConnecting || state_ == LinkState::kOnline;
    state_ = LinkState::kStopped;
    deadline_ = kNever;
    in_flight_.clear();
    return had_client ? LinkAction::kDisconnect : LinkAction::kNone;
  }
  for (const Transition& t : kTable) {
    if (t.from != state_ || t.in != in) continue;
    // A broker that accepts the session and then refuses every message must not be
    // retried at the shortest delay forever: only an acknowledged message clears that.
    if (t.reset_backoff && !(in == LinkInput::kConnected && refusing_)) failures_ = 0;
    if (in == LinkInput::kRefused) refusing_ = true;
    if (state_ == LinkState::kOnline && t.to != LinkState::kOnline) in_flight_.clear();
    if (t.to == LinkState::kOnline) ++connects_;
    state_ = t.to;
    switch (t.arm) {
      case Arm::kNone:
        deadline_ = kNever;
        break;
      case Arm::kConnectTimeout:
        deadline_ = now + options_.connect_timeout;
        break;
      case Arm::kBackoff:
        deadline_ = now + NextBackoff();
        break;
    }
    return t.action;
  }
  ++ignored_;
  return LinkAction::kNone;
}

size_t UplinkLink::Sendable() const {
  if (state_ != LinkState::kOnline || in_flight_.size() >= options_.max_inflight) return 0;
  return options_.max_inflight - in_flight_.size();
}

void UplinkLink::OnSent(int mid, uint64_t seq) { in_flight_[mid] = seq; }

std::optional<uint64_t> UplinkLink::OnAcked(int mid) {
  auto it = in_flight_.find(mid);
  if (it == in_flight_.end()) return std::nullopt;
  const uint64_t seq = it->second;
  in_flight_.erase(it);
  refusing_ = false;
  return seq;
}

}  // namespace vigil::uplink
