// IEEE 802.15.4-2006 MAC data frames: just what Vigil puts on the air.
//
// Unicast frames use extended (64-bit) source and destination addresses with PAN id
// compression; broadcast frames use destination short address 0xffff. The FCS is the
// ITU-T CRC-16 of the standard (polynomial x^16+x^12+x^5+1, reflected, initial 0).
// A frame with a bad FCS is link noise: the radio drops it, and it is never a security
// event.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"

namespace vigil::wire {

struct MacFrame {
  bool ack_request = false;
  uint8_t seq = 0;
  uint16_t pan_id = 0;
  uint64_t dst = 0;  // extended address, or kBroadcastUid
  uint64_t src = 0;  // extended address
  ByteSpan payload;  // view into the decoded buffer / caller's payload for encoding
};

uint16_t Crc16Itu(ByteSpan data);

// Encodes header, payload and FCS into `out`. Errors: kOversized if the frame would not
// fit aMaxPHYPacketSize, kNoBufs if `out` is too small.
Result<size_t> EncodeMacFrame(const MacFrame& f, MutableByteSpan out);

// Decodes and checks the FCS. `payload` in the result views `in`.
// Errors: kTruncated, kOversized, kBadFcs, kMalformed (not a data frame, unsupported
// addressing modes or frame version).
Result<MacFrame> DecodeMacFrame(ByteSpan in);

// Size of the MAC header for a destination.
size_t MacHeaderSize(uint64_t dst);

}  // namespace vigil::wire
