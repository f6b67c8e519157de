#include "sim/attacks/forge.h"

#include <array>

namespace vigil::sim::forge {

Bytes Frame(const Mac& mac, ByteSpan payload) {
  wire::MacFrame f;
  f.ack_request = mac.dst != wire::kBroadcastUid;
  f.seq = mac.seq;
  f.pan_id = mac.pan;
  f.dst = mac.dst;
  f.src = mac.src;
  f.payload = payload;
  Bytes out(wire::kMaxPhyPayload);
  Result<size_t> n = wire::EncodeMacFrame(f, out);
  if (!n.ok()) return {};
  out.resize(*n);
  return out;
}

Bytes Build(const Mac& mac, const wire::Message& m, const wire::WireParams& params,
            const TagFn& tag) {
  std::array<uint8_t, wire::kMaxBroadcastPayload> buf{};
  Result<size_t> n = wire::Encode(m, params, buf);
  if (!n.ok()) return {};
  // Decode our own encoding to find the tag span (layouts differ per type and version).
  Result<wire::Message> d = wire::Decode(ByteSpan(buf.data(), *n), params);
  if (!d.ok()) return {};
  if (tag && !d->tag.empty()) {
    const size_t off = static_cast<size_t>(d->tag.data() - buf.data());
    tag(d->prefix, MutableByteSpan(buf.data() + off, d->tag.size()));
  }
  return Frame(mac, ByteSpan(buf.data(), *n));
}

void Guess(uint64_t seed, MutableByteSpan out) {
  uint64_t x = seed ^ 0x9E3779B97F4A7C15ULL;
  for (size_t i = 0; i < out.size(); ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<uint8_t>(x);
  }
}

Bytes Data(const Mac& mac, wire::Version v, const wire::WireParams& params, uint32_t counter,
           ByteSpan payload, bool encrypt, CryptoProvider& crypto, const SessionKeys* keys,
           wire::Direction dir, uint64_t random_seed) {
  wire::Message m;
  m.version = v;
  m.type = wire::MsgType::kData;
  m.counter = counter;
  m.body = payload;
  m.flags = encrypt ? wire::kDataFlagEncrypted : 0;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(m, params, buf);
  if (!n.ok()) return {};
  const size_t tag = params.data_tag_size;
  if (keys != nullptr && keys->valid()) {
    FrameAddress fa{dir, mac.src, mac.dst};
    if (ProtectMessage(crypto, *keys, v, fa, counter, encrypt, MutableByteSpan(buf.data(), *n),
                       *n - tag - payload.size(), payload.size(), tag) != Error::kOk)
      return {};
  } else {
    // No key: a guessed tag (and, for an encrypted frame, the body sent as it is: without
    // the key there is nothing better to send).
    Guess(random_seed, MutableByteSpan(buf.data() + *n - tag, tag));
  }
  return Frame(mac, ByteSpan(buf.data(), *n));
}

bool Parse(ByteSpan frame, const wire::WireParams& params, wire::MacFrame* mf, wire::Message* m) {
  Result<wire::MacFrame> f = wire::DecodeMacFrame(frame);
  if (!f.ok()) return false;
  Result<wire::Message> msg = wire::Decode(f->payload, params);
  if (!msg.ok()) return false;
  *mf = *f;
  *m = *msg;
  return true;
}

Bytes Edit(ByteSpan frame, const std::function<void(Bytes& payload, wire::MacFrame& mac)>& edit) {
  Result<wire::MacFrame> f = wire::DecodeMacFrame(frame);
  if (!f.ok()) return {};
  Bytes payload(f->payload.begin(), f->payload.end());
  wire::MacFrame mac = *f;
  edit(payload, mac);
  mac.payload = payload;
  Bytes out(wire::kMaxPhyPayload);
  Result<size_t> n = wire::EncodeMacFrame(mac, out);
  if (!n.ok()) return {};
  out.resize(*n);
  return out;
}

}  // namespace vigil::sim::forge
