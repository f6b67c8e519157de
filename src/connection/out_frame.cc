#include "connection/out_frame.h"

#include "connection/wire/mac_frame.h"

namespace vigil {

Error BuildOutFrame(uint16_t pan_id, uint8_t seq, uint64_t src, uint64_t dst, ByteSpan payload,
                    OutFrame* out) {
  wire::MacFrame mf;
  mf.ack_request = dst != wire::kBroadcastUid;
  mf.seq = seq;
  mf.pan_id = pan_id;
  mf.dst = dst;
  mf.src = src;
  mf.payload = payload;
  Result<size_t> n = wire::EncodeMacFrame(mf, out->bytes);
  if (!n.ok()) return n.error();
  out->size = static_cast<uint8_t>(*n);
  out->dst = dst;
  out->ack_request = mf.ack_request;
  return Error::kOk;
}

}  // namespace vigil
