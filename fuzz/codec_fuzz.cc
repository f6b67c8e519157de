// Fuzzes the message codec: wire::Decode, for every data tag size (8..16), must refuse
// what it cannot read without crashing; whatever it accepts must re-encode to the same
// bytes with the tag (and signature) zeroed, and decode again to the same fields. Decode
// must also refuse a data tag size outside 8..16 instead of reading past a buffer.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "connection/wire/codec.h"

namespace {

using vigil::ByteSpan;
using vigil::Error;
namespace wire = vigil::wire;

void Require(bool ok) {
  if (!ok) std::abort();
}

bool Same(ByteSpan a, ByteSpan b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

bool SameFields(const wire::Message& a, const wire::Message& b) {
  return a.version == b.version && a.type == b.type && a.flags == b.flags && a.nd == b.nd &&
         a.nc == b.nc && a.ncf == b.ncf && a.status == b.status && a.short_addr == b.short_addr &&
         a.epoch == b.epoch && a.counter == b.counter && Same(a.body, b.body) &&
         a.tag.size() == b.tag.size() && a.signature.size() == b.signature.size() &&
         Same(a.prefix, b.prefix);
}

void Check(ByteSpan payload, uint8_t tag_size) {
  wire::WireParams params;
  params.data_tag_size = tag_size;
  auto m = wire::Decode(payload, params);
  if (!m.ok()) return;
  Require(m->prefix.size() + m->tag.size() + m->signature.size() == payload.size());
  Require(m->prefix.data() == payload.data());
  Require(m->tag.size() == 0 || m->tag.data() == payload.data() + m->prefix.size());
  Require(payload.size() <= (m->type == wire::MsgType::kBroadcast ? wire::kMaxBroadcastPayload
                                                                  : wire::kMaxUnicastPayload));
  std::array<uint8_t, wire::kMaxBroadcastPayload> out{};
  auto n = wire::Encode(*m, params, out);
  Require(n.ok() && *n == payload.size());
  Require(std::memcmp(out.data(), payload.data(), m->prefix.size()) == 0);
  for (size_t i = m->prefix.size(); i < *n; ++i) Require(out[i] == 0);
  // Put the authenticator back and decode again: the same message.
  std::memcpy(out.data() + m->prefix.size(), payload.data() + m->prefix.size(),
              payload.size() - m->prefix.size());
  auto again = wire::Decode(ByteSpan(out.data(), *n), params);
  Require(again.ok());
  // Spans view different buffers: compare contents.
  wire::Message a = *m, b = *again;
  Require(SameFields(a, b) && Same(a.tag, b.tag) && Same(a.signature, b.signature) &&
          a.otp == b.otp);
  Require(wire::IsDefined(m->version, m->type));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  for (uint8_t tag = static_cast<uint8_t>(wire::kMinDataTag); tag <= wire::kMaxDataTag; ++tag)
    Check(in, tag);
  // Out-of-range tag sizes are a local error, never a read past the input.
  for (uint8_t tag : {uint8_t{0}, uint8_t{7}, uint8_t{17}, uint8_t{255}}) {
    wire::WireParams params;
    params.data_tag_size = tag;
    auto m = wire::Decode(in, params);
    Require(!m.ok());
  }
  return 0;
}
