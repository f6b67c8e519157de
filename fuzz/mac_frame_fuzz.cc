// Fuzzes the IEEE 802.15.4 framing: DecodeMacFrame must refuse what it cannot read
// without crashing, and whatever it accepts must survive encode -> decode unchanged.
// The re-encoded frame equals the input byte for byte, except for the frame-control bits
// the decoder ignores (frame pending, reserved bits 7-9), which the encoder writes as 0.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "connection/wire/format.h"
#include "connection/wire/mac_frame.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  const ByteSpan in(data, size);
  auto f = wire::DecodeMacFrame(in);
  if (!f.ok()) {
    Require(f.error() == Error::kTruncated || f.error() == Error::kOversized ||
            f.error() == Error::kBadFcs || f.error() == Error::kMalformed);
    return 0;
  }
  // What was accepted has a valid FCS and fits the budget of its addressing mode.
  Require(size <= wire::kMaxPhyPayload);
  Require(wire::Crc16Itu(in.first(size - wire::kFcsSize)) ==
          static_cast<uint16_t>(data[size - 2] | data[size - 1] << 8));
  Require(f->payload.size() + wire::MacHeaderSize(f->dst) + wire::kFcsSize == size);
  Require(f->payload.data() == data + wire::MacHeaderSize(f->dst));

  std::array<uint8_t, wire::kMaxPhyPayload> out{};
  auto n = wire::EncodeMacFrame(*f, out);
  Require(n.ok() && *n == size);
  // Frame control: bits 4 (frame pending) and 7-9 (reserved) are not read.
  constexpr uint16_t kIgnored = (1u << 4) | (7u << 7);
  const uint16_t fc_in = static_cast<uint16_t>(data[0] | data[1] << 8);
  const uint16_t fc_out = static_cast<uint16_t>(out[0] | out[1] << 8);
  Require((fc_in & ~kIgnored) == fc_out);
  if ((fc_in & kIgnored) == 0) {
    Require(std::memcmp(out.data(), data, size) == 0);
  } else {
    Require(std::memcmp(out.data() + 2, data + 2, size - 4) == 0);
  }
  auto g = wire::DecodeMacFrame(ByteSpan(out.data(), *n));
  Require(g.ok());
  Require(g->ack_request == f->ack_request && g->seq == f->seq && g->pan_id == f->pan_id &&
          g->dst == f->dst && g->src == f->src && g->payload.size() == f->payload.size() &&
          std::memcmp(g->payload.data(), f->payload.data(), f->payload.size()) == 0);
  return 0;
}
