#include "sim/radio_floor.h"

#include <map>
#include <vector>

namespace vigil::sim {

TimeUs CsmaAccessUs(CsmaEstimate estimate, const MacConfig& mac) {
  TimeUs backoff = 0;
  if (estimate == CsmaEstimate::kExpected && mac.min_be < 63) {
    const TimeUs slots = (TimeUs{1} << mac.min_be) - 1;  // uniform on [0, 2^BE - 1]
    backoff = slots * kUnitBackoffUs / 2;
  }
  return backoff + kCcaUs + kTurnaroundUs;
}

Result<TimeUs> FrameExchangeUs(size_t mpdu_bytes, bool acked, CsmaEstimate estimate,
                               const MacConfig& mac) {
  if (mpdu_bytes == 0 || mpdu_bytes > kMaxPhyPacketSize) return Error::kInvalidArgument;
  TimeUs t = CsmaAccessUs(estimate, mac) + FrameAirtimeUs(mpdu_bytes);
  if (acked) t += kTurnaroundUs + kAckAirtimeUs;
  return t;
}

Result<TimeUs> RadioFloorUs(std::span<const FloorFrame> frames, CsmaEstimate estimate,
                            const MacConfig& mac) {
  TimeUs end = 0;
  std::map<uint32_t, TimeUs> ifs_until;  // per sender: when its interframe spacing ends
  for (const FloorFrame& f : frames) {
    Result<TimeUs> x = FrameExchangeUs(f.mpdu_bytes, f.acked, estimate, mac);
    if (!x.ok()) return x.error();
    TimeUs start = end;
    if (mac.interframe_spacing) {
      auto it = ifs_until.find(f.sender);
      if (it != ifs_until.end() && it->second > start) start = it->second;
    }
    end = start + *x;
    ifs_until[f.sender] = end + IfsUs(f.mpdu_bytes);
  }
  return end;
}

Result<TimeUs> RadioFloorUs(std::span<const size_t> mpdu_sizes, bool acked, CsmaEstimate estimate,
                            const MacConfig& mac) {
  std::vector<FloorFrame> frames;
  frames.reserve(mpdu_sizes.size());
  for (size_t s : mpdu_sizes) frames.push_back(FloorFrame{s, acked, 0});
  return RadioFloorUs(frames, estimate, mac);
}

}  // namespace vigil::sim
