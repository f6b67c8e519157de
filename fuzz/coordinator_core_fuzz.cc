// Fuzzes CoordinatorCore with frames "from devices": a fresh coordinator per input, with
// three enrolled devices of which up to two hold sessions (replayed from a recorded run)
// and optionally one association attempt under way, fed a sequence of operations read
// from the input: frames with a valid MHR from a chosen identity and link around an input
// payload (optionally with its OTP, tag or AEAD tag recomputed with that device's real
// keys), raw bytes, timeouts and local commands (data, broadcast, revocation). The core
// must never crash, and every frame it sends must be well-formed.
//
// Input: config byte (see ConfigFromByte), stage byte, then operations.
#include <algorithm>
#include <array>
#include <map>

#include "fuzz_fixture.h"

namespace vigil::fuzz {
namespace {

constexpr uint64_t kStranger = 0x0123456789abcdefULL;

void Run(Input& in) {
  const uint8_t config_byte = in.U8();
  const uint8_t stage = in.U8();
  const size_t sessions = std::min<size_t>(stage & 3, 2);
  const bool pending = (stage & 4) != 0;
  const Recording& rec = RecordingFor(config_byte);

  // The coordinator's draws for the replayed associations: Nc, and Ncf where the
  // recording has a hardened confirmation round. Kb comes from the persisted state.
  ScriptedRandom random({}, /*extend=*/true);
  for (size_t i = 0; i < sessions; ++i) {
    for (const Recording::Frame& f : rec.assoc[i]) {
      if (!f.from_cpan) continue;
      auto mf = wire::DecodeMacFrame(f.bytes);
      auto m = wire::Decode(mf->payload, rec.config.wire);
      if (m->type == wire::MsgType::kAuthReq) random.Add(rec.transcripts[i].nc);
      if (m->type == wire::MsgType::kConfirmReq && rec.config.version == wire::Version::kHardened)
        random.Add(rec.transcripts[i].ncf);
    }
  }
  // A copy per input: hardened's grants move the common function in it (protocol.md 9.5).
  MemoryDirectory directory = rec.directory;
  CoordinatorCore cpan(rec.config, rec.identity, directory, Crypto(), random, rec.persisted);
  TimeUs now = kSeconds;

  std::map<uint64_t, Transcript> ts;  // what the harness knows of each identity's attempt
  for (size_t i = 0; i < 3; ++i) {
    Transcript t;
    t.version = rec.config.version;
    t.device_uid = rec.devices[i].uid;
    t.cpan_uid = rec.identity.uid;
    ts[t.device_uid] = i < 2 ? rec.transcripts[i] : t;
  }
  auto drain = [&] {
    Event ev;
    OutFrame f;
    while (cpan.PollEvent(&ev)) Require(ev.data_len <= kMaxEventData);
    while (cpan.PollTransmit(&f)) {
      RequireWellFormed(rec, f);
      auto mf = wire::DecodeMacFrame(f.span());
      auto m = wire::Decode(mf->payload, rec.config.wire);
      auto it = ts.find(mf->dst);
      if (it == ts.end()) continue;
      if (m->type == wire::MsgType::kAuthReq) {
        it->second.nc = m->nc;
        if (UsesConfirmation(rec.config.version)) it->second.nd = m->nd;
      }
      if (m->type == wire::MsgType::kConfirmReq) it->second.ncf = m->ncf;
    }
  };
  auto feed = [&](ByteSpan frame, uint64_t link) {
    auto mf = wire::DecodeMacFrame(frame);
    if (mf.ok()) {
      auto m = wire::Decode(mf->payload, rec.config.wire);
      auto it = ts.find(mf->src);
      if (m.ok() && it != ts.end() && m->type == wire::MsgType::kAssocReq) it->second.nd = m->nd;
    }
    cpan.HandleFrame(frame, link, now);
    drain();
  };

  for (size_t i = 0; i < sessions; ++i) {
    for (const Recording::Frame& f : rec.assoc[i])
      if (!f.from_cpan) feed(f.bytes, i + 1);
    // On-anomaly policies grant when the answer window closes.
    while (!cpan.HasSession(rec.devices[i].uid) && cpan.NextDeadline() != kNever) {
      now = std::max(now, cpan.NextDeadline());
      cpan.HandleTimeout(now);
      drain();
    }
    Require(cpan.HasSession(rec.devices[i].uid));
  }
  if (pending) {
    // Device 2 asks to associate, with the same request device 0 recorded, re-addressed.
    auto mf = wire::DecodeMacFrame(rec.assoc[0][0].bytes);
    OutFrame f;
    if (Wrap(rec, 0, rec.devices[2].uid, rec.identity.uid, mf->payload, &f) != 0) feed(f.span(), 3);
  }

  const uint64_t uids[4] = {rec.devices[0].uid, rec.devices[1].uid, rec.devices[2].uid, kStranger};
  uint8_t seq = 0x40;
  while (!in.empty()) {
    const uint8_t op = in.U8();
    switch (op & 7) {
      case 0:
        now += (in.U16() + 1) * 100;
        cpan.HandleTimeout(now);
        drain();
        break;
      case 1: {
        const uint64_t link = in.U8() & 3;
        feed(in.Take(in.U8() % (wire::kMaxPhyPayload + 8)), link);
        break;
      }
      case 2: {
        const uint64_t uid = uids[in.U8() & 3];
        cpan.SendData(uid, in.Take(in.U8() % (wire::kMaxUnicastPayload + 1)), now);
        drain();
        break;
      }
      case 3:
        if (op & 0x80) {
          cpan.Revoke(uids[in.U8() & 3], now);
        } else if (op & 0x40) {
          if (cpan.NextDeadline() != kNever) {
            now = std::max(now, cpan.NextDeadline());
            cpan.HandleTimeout(now);
          }
        } else {
          cpan.SendBroadcast(in.Take(in.U8() % (wire::kMaxBroadcastPayload + 1)), now);
        }
        drain();
        break;
      default: {
        const uint8_t who = in.U8();
        const size_t idx = who & 3;
        const uint64_t src = (who & 4) ? 0 : uids[idx];
        const uint64_t link = (who >> 4) & 3;
        std::array<uint8_t, wire::kMaxBroadcastPayload> buf{};
        ByteSpan p = in.Take(in.U8() % (buf.size() + 1));
        std::copy(p.begin(), p.end(), buf.begin());
        MutableByteSpan payload(buf.data(), p.size());
        if ((op & 0x10) && idx < 3) {
          const FrameAddress up{wire::Direction::kDeviceToCpan, uids[idx], rec.identity.uid};
          FixTag(rec, ts[uids[idx]], AssocSecret(rec, idx), rec.records[idx].r3, up, payload);
        }
        const uint64_t dst = (op & 0x08) ? wire::kBroadcastUid : rec.identity.uid;
        OutFrame f;
        if (Wrap(rec, seq++, src, dst, payload, &f) != 0) feed(f.span(), link);
        break;
      }
    }
  }
}

}  // namespace
}  // namespace vigil::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigil::fuzz::Input in(data, size);
  vigil::fuzz::Run(in);
  return 0;
}
