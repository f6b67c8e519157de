// Fuzzes DeviceCore with frames "from the CPAN": a fresh core per input, brought to a
// stage of its association (idle, waiting for AUTH_REQ, waiting for ASSOC_RESP,
// associated) by replaying a recorded association, then fed a sequence of operations
// read from the input: frames with a valid MHR around an input payload (optionally with
// its tag, proof, AEAD tag or broadcast signature recomputed with the real keys), raw
// bytes, timeouts and local commands. The core must never crash, and every frame it
// sends must be well-formed.
//
// Input: config byte (see ConfigFromByte), stage byte, then operations.
#include <algorithm>
#include <array>

#include "fuzz_fixture.h"

namespace vigil::fuzz {
namespace {

void Run(Input& in) {
  const uint8_t config_byte = in.U8();
  const uint8_t stage = in.U8() & 3;
  const Recording& rec = RecordingFor(config_byte);
  const DeviceSecrets& s = rec.devices[0];
  const std::vector<Recording::Frame>& assoc = rec.assoc[0];
  Transcript t = rec.transcripts[0];
  ScriptedRandom random({std::vector<uint8_t>(t.nd.begin(), t.nd.end())}, /*extend=*/true);
  DeviceCore dev(rec.config, s, Crypto(), random);
  TimeUs now = kSeconds;

  auto drain = [&] {
    Event ev;
    OutFrame f;
    while (dev.PollEvent(&ev)) Require(ev.data_len <= kMaxEventData);
    while (dev.PollTransmit(&f)) {
      RequireWellFormed(rec, f);
      auto mf = wire::DecodeMacFrame(f.span());
      auto m = wire::Decode(mf->payload, rec.config.wire);
      if (m->type == wire::MsgType::kAssocReq) t.nd = m->nd;
    }
  };
  auto learn = [&](ByteSpan payload) {  // the nonces of a request the device may accept
    auto m = wire::Decode(payload, rec.config.wire);
    if (!m.ok()) return;
    if (m->type == wire::MsgType::kAuthReq) {
      t.nc = m->nc;
      if (UsesConfirmation(t.version)) t.nd = m->nd;
    }
    if (m->type == wire::MsgType::kConfirmReq) t.ncf = m->ncf;
  };

  if (stage >= 1) {
    dev.StartAssociation(now);
    drain();
  }
  if (stage >= 2) {
    for (const Recording::Frame& f : assoc) {
      if (!f.from_cpan) continue;
      dev.HandleFrame(f.bytes, now);
      drain();
      if (stage == 2) break;  // AUTH_REQ only (or the ASSOC_RESP of an unauthenticated run)
    }
  }
  if (stage == 3) Require(dev.state() == DeviceCore::State::kAssociated);

  const FrameAddress down{wire::Direction::kCpanToDevice, rec.identity.uid, s.uid};
  uint8_t seq = 0x80;
  while (!in.empty()) {
    const uint8_t op = in.U8();
    switch (op & 7) {
      case 0:
        now += (in.U16() + 1) * 100;
        dev.HandleTimeout(now);
        break;
      case 1: {
        ByteSpan raw = in.Take(in.U8() % (wire::kMaxPhyPayload + 8));
        dev.HandleFrame(raw, now);
        break;
      }
      case 2: {
        ByteSpan body = in.Take(in.U8() % (wire::kMaxUnicastPayload + 1));
        dev.SendData(body, now);
        break;
      }
      case 3:
        if (op & 0x80) {
          dev.StartAssociation(now);
        } else if (dev.NextDeadline() != kNever) {
          now = std::max(now, dev.NextDeadline());
          dev.HandleTimeout(now);
        }
        break;
      default: {
        std::array<uint8_t, wire::kMaxBroadcastPayload> buf{};
        const size_t len = in.U8() % (buf.size() + 1);
        ByteSpan p = in.Take(len);
        std::copy(p.begin(), p.end(), buf.begin());
        MutableByteSpan payload(buf.data(), p.size());
        if (op & 0x10) FixTag(rec, t, AssocSecret(rec, 0), rec.records[0].r3, down, payload);
        learn(payload);
        const uint64_t dst = (op & 0x08) ? wire::kBroadcastUid : s.uid;
        const uint64_t src = (op & 0x20) ? rec.devices[1].uid : rec.identity.uid;
        OutFrame f;
        if (Wrap(rec, seq++, src, dst, payload, &f) != 0) dev.HandleFrame(f.span(), now);
        break;
      }
    }
    drain();
  }
}

}  // namespace
}  // namespace vigil::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigil::fuzz::Input in(data, size);
  vigil::fuzz::Run(in);
  return 0;
}
