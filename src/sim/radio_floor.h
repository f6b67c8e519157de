// The radio floor: the least time the 802.15.4 channel needs to carry a sequence of frames,
// computed analytically with the same timing rules as the simulated radio (radio.h), so
// that a simulated exchange on an idle, lossless channel with zero backoff draws ends
// exactly at the floor. Processing time on the nodes is not included.
//
// Per frame of MPDU length L (bytes), with T_byte = 32 µs and a 6-byte PHY overhead:
//   access   = B * aUnitBackoffPeriod + CCA + aTurnaroundTime      (CSMA/CA, channel idle)
//   airtime  = (L + 6) * 32 µs
//   ack      = aTurnaroundTime + (5 + 6) * 32 µs = 192 + 352 = 544 µs (acked frames only)
//   exchange = access + airtime + ack
// where B is the number of backoff periods drawn for the first (and only) CCA:
//   minimum:  B = 0                      -> access = 0 + 128 + 192    =  320 µs
//   expected: B = (2^macMinBE - 1) / 2   -> access = 1120 + 128 + 192 = 1440 µs
// Frames follow one another: frame i's CSMA/CA starts when frame i-1's exchange ends, or
// later if its sender must still wait out the interframe spacing (SIFS 192 µs after an
// MPDU <= 18 bytes, else LIFS 640 µs) that follows its own previous exchange:
//   start_i  = max(end_{i-1}, end_of_sender's_previous_exchange + IFS)   (start_0 = 0)
//   end_i    = start_i + exchange_i;   floor = end_{n-1}
// For one sender this is sum(exchange_i) + sum(IFS_i, i < n-1). For a request/response
// pair between two nodes no IFS applies: the responder's CCA is held until its own ACK of
// the request ends, i.e. until the previous exchange ends.
// See docs/radio-model.md for the derivation and what the floor leaves out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.h"
#include "common/time.h"
#include "sim/ieee802154.h"

namespace vigil::sim {

enum class CsmaEstimate {
  kMinimum,   // every backoff draw is 0 periods
  kExpected,  // mean first backoff, (2^macMinBE - 1) / 2 periods; channel found idle
};

struct FloorFrame {
  size_t mpdu_bytes = 0;  // 1..kMaxPhyPacketSize
  bool acked = true;      // unicast with ACK request
  uint32_t sender = 0;    // any label: frames with equal labels come from one node
};

// CSMA/CA cost before the first bit of a frame, assuming the first CCA finds the channel
// idle. Truncated to whole microseconds (exact for the standard's values).
TimeUs CsmaAccessUs(CsmaEstimate estimate, const MacConfig& mac = {});

// From the start of CSMA/CA to the end of the ACK (acked) or of the frame (otherwise).
// Errors: kInvalidArgument if mpdu_bytes is 0 or above kMaxPhyPacketSize.
Result<TimeUs> FrameExchangeUs(size_t mpdu_bytes, bool acked, CsmaEstimate estimate,
                               const MacConfig& mac = {});

// Floor of a sequence, each frame queued as soon as the previous exchange ended (or, for
// a response, as soon as the request was received).
// Errors: kInvalidArgument if any frame size is out of range. An empty sequence costs 0.
Result<TimeUs> RadioFloorUs(std::span<const FloorFrame> frames, CsmaEstimate estimate,
                            const MacConfig& mac = {});

// Floor of frames of the given MPDU sizes sent back to back by one node.
Result<TimeUs> RadioFloorUs(std::span<const size_t> mpdu_sizes, bool acked, CsmaEstimate estimate,
                            const MacConfig& mac = {});

}  // namespace vigil::sim
