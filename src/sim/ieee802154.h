// IEEE 802.15.4 numbers used by the radio model: 2.4 GHz O-QPSK PHY (250 kbit/s,
// 62.5 ksymbol/s, 16 µs per symbol) and the unslotted (non-beacon) CSMA/CA MAC.
// Names follow the standard (a* constants, mac* attributes). The prose description of the
// model built on them is docs/radio-model.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/time.h"

namespace vigil::sim {

// --- PHY (2.4 GHz O-QPSK) ---
inline constexpr TimeUs kSymbolUs = 16;           // 4 bits per symbol at 62.5 ksym/s
inline constexpr TimeUs kByteUs = 2 * kSymbolUs;  // 32 µs per octet at 250 kbit/s
inline constexpr size_t kPreambleBytes = 4;       // SHR: preamble
inline constexpr size_t kSfdBytes = 1;            // SHR: start-of-frame delimiter
inline constexpr size_t kPhrBytes = 1;            // PHY header (frame length)
inline constexpr size_t kPhyOverheadBytes = kPreambleBytes + kSfdBytes + kPhrBytes;  // 6
inline constexpr size_t kMaxPhyPacketSize = 127;         // aMaxPHYPacketSize (MPDU bytes)
inline constexpr TimeUs kTurnaroundUs = 12 * kSymbolUs;  // aTurnaroundTime: 192 µs
inline constexpr TimeUs kCcaUs = 8 * kSymbolUs;          // CCA detection time: 128 µs

// --- MAC ---
inline constexpr TimeUs kUnitBackoffUs = 20 * kSymbolUs;  // aUnitBackoffPeriod: 320 µs
inline constexpr size_t kAckMpduBytes = 5;                // FCF(2) + seq(1) + FCS(2)
// macAckWaitDuration = aUnitBackoffPeriod + aTurnaroundTime + phySHRDuration
//                      + ceil(6 * phySymbolsPerOctet) = 20 + 12 + 10 + 12 = 54 symbols.
inline constexpr TimeUs kAckWaitUs = 54 * kSymbolUs;  // 864 µs
inline constexpr size_t kMaxSifsFrameSize = 18;       // aMaxSIFSFrameSize (MPDU bytes)
inline constexpr TimeUs kSifsUs = 12 * kSymbolUs;     // macSIFSPeriod: 192 µs
inline constexpr TimeUs kLifsUs = 40 * kSymbolUs;     // macLIFSPeriod: 640 µs

// Destination that every node accepts and nobody acknowledges.
inline constexpr uint64_t kBroadcast = ~uint64_t{0};

// Time on air of a frame whose MPDU (MAC header + payload + FCS) is `mpdu_bytes` long,
// PHY synchronisation header and length byte included.
constexpr TimeUs FrameAirtimeUs(size_t mpdu_bytes) {
  return static_cast<TimeUs>(mpdu_bytes + kPhyOverheadBytes) * kByteUs;
}
inline constexpr TimeUs kAckAirtimeUs = FrameAirtimeUs(kAckMpduBytes);  // 352 µs

// Interframe spacing that must follow a frame of `mpdu_bytes` (after its ACK if acked).
constexpr TimeUs IfsUs(size_t mpdu_bytes) {
  return mpdu_bytes <= kMaxSifsFrameSize ? kSifsUs : kLifsUs;
}

// MAC attributes of the unslotted CSMA/CA and retransmission logic. Defaults are the
// standard's defaults; tests and experiments may change them.
struct MacConfig {
  uint8_t min_be = 3;               // macMinBE
  uint8_t max_be = 5;               // macMaxBE
  uint8_t max_csma_backoffs = 4;    // macMaxCSMABackoffs
  uint8_t max_frame_retries = 3;    // macMaxFrameRetries
  TimeUs ack_wait_us = kAckWaitUs;  // macAckWaitDuration
  // Wait SIFS/LIFS after a completed transmission before the next frame's CSMA/CA starts.
  bool interframe_spacing = true;
  // Frames a node may queue behind the one being sent; Send() beyond that fails.
  size_t queue_limit = 32;
};

}  // namespace vigil::sim
