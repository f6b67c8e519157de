#include "connection/wire/mac_frame.h"

#include "connection/wire/format.h"

namespace vigil::wire {
namespace {
// Frame control fields (IEEE 802.15.4-2006 §7.2.1.1).
constexpr uint16_t kFrameTypeData = 0x0001;
constexpr uint16_t kFcAckRequest = 1u << 5;
constexpr uint16_t kFcPanIdCompression = 1u << 6;
constexpr uint16_t kFcDstShort = 2u << 10;
constexpr uint16_t kFcDstExt = 3u << 10;
constexpr uint16_t kFcVersion2006 = 1u << 12;
constexpr uint16_t kFcSrcExt = 3u << 14;
constexpr uint16_t kFcFixedMask =
    0x0007 | (1u << 3) | kFcPanIdCompression | (3u << 14) | (3u << 12);
constexpr uint16_t kFcFixed = kFrameTypeData | kFcPanIdCompression | kFcSrcExt | kFcVersion2006;
}  // namespace

namespace {
// Eight bytes per step ("slicing-by-8", 4 KiB of tables): table k maps a byte to the CRC
// of that byte followed by k zero bytes, so the eight lookups of a step are independent
// instead of one dependent chain per byte. Built at compile time from the bitwise
// definition. Every frame is checked once on receive and computed once on send, so on
// an association's short frames it is a few percent of all the work.
struct CrcTables {
  uint16_t t[8][256];
  constexpr CrcTables() : t() {
    for (int n = 0; n < 256; ++n) {
      uint16_t c = static_cast<uint16_t>(n);
      for (int i = 0; i < 8; ++i) c = static_cast<uint16_t>((c & 1) ? (c >> 1) ^ 0x8408 : c >> 1);
      t[0][n] = c;
    }
    for (int k = 1; k < 8; ++k) {
      for (int n = 0; n < 256; ++n)
        t[k][n] = static_cast<uint16_t>((t[k - 1][n] >> 8) ^ t[0][t[k - 1][n] & 0xFF]);
    }
  }
};
constexpr CrcTables kCrc;
}  // namespace

uint16_t Crc16Itu(ByteSpan data) {
  uint16_t crc = 0;
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    const unsigned x = crc ^ (data[i] | data[i + 1] << 8);
    crc = static_cast<uint16_t>(kCrc.t[7][x & 0xFF] ^ kCrc.t[6][x >> 8] ^ kCrc.t[5][data[i + 2]] ^
                                kCrc.t[4][data[i + 3]] ^ kCrc.t[3][data[i + 4]] ^
                                kCrc.t[2][data[i + 5]] ^ kCrc.t[1][data[i + 6]] ^
                                kCrc.t[0][data[i + 7]]);
  }
  for (; i < data.size(); ++i)
    crc = static_cast<uint16_t>((crc >> 8) ^ kCrc.t[0][(crc ^ data[i]) & 0xFF]);
  return crc;
}

size_t MacHeaderSize(uint64_t dst) { return dst == kBroadcastUid ? kMhrBroadcast : kMhrUnicast; }

Result<size_t> EncodeMacFrame(const MacFrame& f, MutableByteSpan out) {
  const size_t total = MacHeaderSize(f.dst) + f.payload.size() + kFcsSize;
  if (total > kMaxPhyPayload) return Error::kOversized;
  if (out.size() < total) return Error::kNoBufs;
  ByteWriter w(out);
  const bool bcast = f.dst == kBroadcastUid;
  uint16_t fc = kFcFixed | (bcast ? kFcDstShort : kFcDstExt);
  if (f.ack_request && !bcast) fc |= kFcAckRequest;
  w.U16Le(fc);
  w.U8(f.seq);
  w.U16Le(f.pan_id);
  if (bcast) {
    w.U16Le(0xFFFF);
  } else {
    w.U64Le(f.dst);
  }
  w.U64Le(f.src);
  w.Bytes(f.payload);
  w.U16Le(Crc16Itu(w.written()));
  return w.size();
}

Result<MacFrame> DecodeMacFrame(ByteSpan in) {
  if (in.size() > kMaxPhyPayload) return Error::kOversized;
  if (in.size() < kMhrBroadcast + kFcsSize) return Error::kTruncated;
  const size_t body = in.size() - kFcsSize;
  const uint16_t fcs = static_cast<uint16_t>(in[body] | (in[body + 1] << 8));
  if (Crc16Itu(in.first(body)) != fcs) return Error::kBadFcs;
  ByteReader r(in.first(body));
  MacFrame f;
  const uint16_t fc = r.U16Le();
  if ((fc & kFcFixedMask) != kFcFixed) return Error::kMalformed;
  f.ack_request = (fc & kFcAckRequest) != 0;
  f.seq = r.U8();
  f.pan_id = r.U16Le();
  const uint16_t dst_mode = fc & (3u << 10);
  if (dst_mode == kFcDstShort) {
    if (r.U16Le() != 0xFFFF) return Error::kMalformed;  // Vigil uses short only for bcast
    f.dst = kBroadcastUid;
    if (f.ack_request) return Error::kMalformed;
  } else if (dst_mode == kFcDstExt) {
    f.dst = r.U64Le();
    if (f.dst == kBroadcastUid) return Error::kMalformed;
  } else {
    return Error::kMalformed;
  }
  f.src = r.U64Le();
  if (!r.ok()) return Error::kTruncated;
  f.payload = r.Rest();
  return f;
}

}  // namespace vigil::wire
