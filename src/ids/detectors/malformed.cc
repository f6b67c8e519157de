#include "ids/detectors/malformed.h"

#include <optional>
#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {
namespace {

std::optional<uint8_t> GroupOf(EventKind k) {
  switch (k) {
    case EventKind::kMalformedFrame:
      return 0;
    case EventKind::kUnknownDevice:
      return 1;
    case EventKind::kFrameTagInvalid:
      return 2;
    case EventKind::kUnexpectedMessage:
    case EventKind::kUnsolicitedAuthRequest:
      return 3;
    default:
      return std::nullopt;
  }
}

const Signature& SignatureOf(uint8_t group) {
  switch (group) {
    case 0:
      return sig::kMalformedBurst;
    case 1:
      return sig::kUnknownDeviceBurst;
    case 2:
      return sig::kFrameTagBurst;
    default:
      return sig::kProtocolAnomalyBurst;
  }
}

}  // namespace

MalformedDetector::MalformedDetector(const MalformedConfig& config, size_t max_keys)
    : config_(config), sources_(max_keys) {
  for (Counter& c : totals_) c.burst = BurstCounter(config_.total_threshold, config_.window);
}

void MalformedDetector::OnEvent(const Event& e, AlertOut& out) {
  const std::optional<uint8_t> group = GroupOf(e.kind);
  if (!group) return;
  const Key key{*group, e.link != 0 ? e.link : e.uid};
  Counter* c = sources_.Find(key);
  if (c == nullptr) {
    c = &sources_.Touch(key);
    c->burst = BurstCounter(
        *group == 2 ? config_.frame_tag_threshold : config_.per_source_threshold, config_.window);
  } else {
    sources_.Touch(key);
  }
  const std::string source =
      e.link != 0 ? "link " + UidToString(e.link) : "claimed device " + UidToString(e.uid);
  const std::string cause = std::string(EventKindName(e.kind)) + ", latest " +
                            std::string(ErrorName(e.error)) + " at " + UidToString(e.observer);

  if (c->burst.Add(e.time) && c->holdoff.Ready(e.time, config_.holdoff)) {
    c->holdoff.Mark(e.time);
    Alert a = MakeAlert(SignatureOf(*group));
    a.time = e.time;
    a.uid = e.uid;
    a.observer = e.observer;
    a.link = e.link;
    a.detail =
        std::to_string(*group == 2 ? config_.frame_tag_threshold : config_.per_source_threshold) +
        " events from " + source + " within " + FormatDuration(config_.window) + " (" + cause + ")";
    out.Raise(std::move(a));
  }
  Counter& total = totals_[*group];
  if (total.burst.Add(e.time) && total.holdoff.Ready(e.time, config_.holdoff)) {
    total.holdoff.Mark(e.time);
    Alert a = MakeAlert(SignatureOf(*group));
    a.time = e.time;
    a.observer = e.observer;
    a.detail = std::to_string(config_.total_threshold) + " events from all sources within " +
               FormatDuration(config_.window) + " (" + cause + ")";
    out.Raise(std::move(a));
  }
}

void MalformedDetector::OnTime(TimeUs now, AlertOut&) {
  sources_.EraseIf([&](const Key&, const Counter& c) {
    return c.burst.Idle(now) && c.holdoff.Expired(now, config_.holdoff);
  });
}

}  // namespace vigil::ids
