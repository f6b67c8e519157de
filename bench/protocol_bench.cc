// Protocol figures: complete associations per second per version (device and CPAN cores
// in one process, one thread, as the TLS references are measured), and data-frame
// protection and verification of 64-byte payloads. Compare with BM_Ref_* in the same run.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "connection/coordinator_core.h"
#include "connection/crypto/openssl_provider.h"
#include "connection/device_core.h"
#include "connection/device_directory.h"

namespace vigil {
namespace {

using wire::Version;

// One device and its coordinator wired back to back, without a medium.
struct Pair {
  explicit Pair(const ProtocolConfig& c) : random(42) {
    id.uid = 0x00124b0000c0ffeeULL;
    random.Fill(id.sign_priv);
    crypto.Ed25519PublicFromPrivate(id.sign_priv, id.sign_pub);
    secrets.uid = 0x00124b0000000001ULL;
    secrets.cpan_uid = id.uid;
    random.Fill(secrets.kd);
    random.Fill(secrets.secretkey2);
    const uint8_t user[] = "nurse-station-3", pass[] = "correct horse battery";
    secrets.username.Set(ByteSpan(user, sizeof(user) - 1));
    secrets.password.Set(ByteSpan(pass, sizeof(pass) - 1));
    secrets.cpan_sign_pub = id.sign_pub;
    directory.Put(EnrollmentRecord(crypto, secrets));
    cpan = std::make_unique<CoordinatorCore>(c, id, directory, crypto, random);
    device = std::make_unique<DeviceCore>(c, secrets, crypto, random);
  }
  // Moves frames both ways until the device is associated; fires deadlines when stuck.
  bool Associate() {
    now += kSeconds;  // keep the CPAN's per-source rate limiter out of the measurement
    device->StartAssociation(now);
    for (int rounds = 0; rounds < 64; ++rounds) {
      Shuttle();
      if (device->state() == DeviceCore::State::kAssociated) return true;
      now = std::min(cpan->NextDeadline(), device->NextDeadline());
      if (now == kNever) return false;
      cpan->HandleTimeout(now);
      device->HandleTimeout(now);
    }
    return false;
  }
  void Shuttle() {
    OutFrame f;
    Event ev;
    bool moved = true;
    while (moved) {
      moved = false;
      while (device->PollEvent(&ev)) {
      }
      while (cpan->PollEvent(&ev)) {
      }
      while (device->PollTransmit(&f)) {
        cpan->HandleFrame(f.span(), 1, now);
        bytes_on_air += f.size;
        moved = true;
      }
      while (cpan->PollTransmit(&f)) {
        device->HandleFrame(f.span(), now);
        bytes_on_air += f.size;
        moved = true;
      }
    }
  }
  OpenSslCrypto crypto;
  SeededRandom random;
  CoordinatorIdentity id;
  DeviceSecrets secrets;
  MemoryDirectory directory;
  std::unique_ptr<CoordinatorCore> cpan;
  std::unique_ptr<DeviceCore> device;
  TimeUs now = 0;
  uint64_t bytes_on_air = 0;
};

ProtocolConfig Config(Version v, bool authenticate = true) {
  ProtocolConfig c;
  c.version = v;
  c.authenticate = authenticate;
  c.allow_unauthenticated = !authenticate;
  c.confirm = DefaultConfirmPolicy(v);
  return c;
}

void RunAssociations(benchmark::State& state, const ProtocolConfig& c) {
  Pair p(c);
  for (auto _ : state) {
    if (!p.Associate()) {
      state.SkipWithError("association failed");
      return;
    }
  }
  state.counters["assoc_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["mpdu_bytes_per_assoc"] =
      static_cast<double>(p.bytes_on_air) / static_cast<double>(state.iterations());
}

void BM_Assoc_V1(benchmark::State& s) { RunAssociations(s, Config(Version::kV1)); }
void BM_Assoc_V2(benchmark::State& s) { RunAssociations(s, Config(Version::kV2)); }
void BM_Assoc_V3Paper(benchmark::State& s) { RunAssociations(s, Config(Version::kV3Paper)); }
void BM_Assoc_Hardened(benchmark::State& s) { RunAssociations(s, Config(Version::kHardened)); }
void BM_Assoc_V1NoAuth(benchmark::State& s) { RunAssociations(s, Config(Version::kV1, false)); }
// Hardened with the static R3 of Algorithm 1: what moving the common function costs
// (two HMACs, two R3 contexts re-keyed, the key confirmation frame, two directory writes).
void BM_Assoc_HardenedStaticR3(benchmark::State& s) {
  ProtocolConfig c = Config(Version::kHardened);
  c.roll_common_function = false;
  RunAssociations(s, c);
}
BENCHMARK(BM_Assoc_V1NoAuth)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Assoc_V1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Assoc_V2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Assoc_V3Paper)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Assoc_Hardened)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Assoc_HardenedStaticR3)->Unit(benchmark::kMicrosecond);

// Per-frame cost of the session crypto alone (what a verify costs beyond parsing).
void RunFrameCrypto(benchmark::State& state, bool encrypt, bool verify) {
  OpenSslCrypto crypto;
  SessionKeys keys;
  Transcript t;
  t.device_uid = 1;
  t.cpan_uid = 2;
  const uint8_t secret[16] = {1, 2, 3};
  DeriveSessionKeys(crypto, secret, t, &keys);
  wire::WireParams params;
  std::vector<uint8_t> payload(64, 0x5a);
  wire::Message m;
  m.type = wire::MsgType::kData;
  m.flags = encrypt ? wire::kDataFlagEncrypted : 0;
  m.counter = 1;
  m.body = payload;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  const size_t n = *wire::Encode(m, params, buf);
  const size_t tag = params.data_tag_size;
  FrameAddress a{wire::Direction::kDeviceToCpan, 1, 2};
  ProtectMessage(crypto, keys, Version::kHardened, a, 1, encrypt, MutableByteSpan(buf.data(), n),
                 n - tag - 64, 64, tag);
  const auto decoded = wire::Decode(ByteSpan(buf.data(), n), params);
  std::array<uint8_t, wire::kMaxUnicastPayload> plain{};
  std::array<uint8_t, wire::kMaxUnicastPayload> work{};
  for (auto _ : state) {
    if (verify) {
      auto r = VerifyMessage(crypto, keys, *decoded, a, 1, encrypt, plain);
      if (!r.ok()) {
        state.SkipWithError("verify failed");
        return;
      }
      benchmark::DoNotOptimize(plain);
    } else {
      work = buf;
      ProtectMessage(crypto, keys, Version::kHardened, a, 1, encrypt,
                     MutableByteSpan(work.data(), n), n - tag - 64, 64, tag);
      benchmark::DoNotOptimize(work);
    }
  }
  state.counters["frames_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  keys.Release(crypto);
}
void BM_Frame_ProtectHmac64(benchmark::State& s) { RunFrameCrypto(s, false, false); }
void BM_Frame_VerifyHmac64(benchmark::State& s) { RunFrameCrypto(s, false, true); }
void BM_Frame_ProtectCcm64(benchmark::State& s) { RunFrameCrypto(s, true, false); }
void BM_Frame_VerifyCcm64(benchmark::State& s) { RunFrameCrypto(s, true, true); }
BENCHMARK(BM_Frame_ProtectHmac64);
BENCHMARK(BM_Frame_VerifyHmac64);
BENCHMARK(BM_Frame_ProtectCcm64);
BENCHMARK(BM_Frame_VerifyCcm64);

// The whole receive path of the coordinator: MAC frame decode, message decode, session
// lookup, replay window, tag check, event. Frames are made in advance, in batches.
void BM_Frame_CoordinatorReceive64(benchmark::State& state) {
  const bool encrypt = state.range(0) != 0;
  ProtocolConfig c = Config(Version::kHardened);
  c.encrypt_data = encrypt;
  std::unique_ptr<Pair> p;
  std::vector<OutFrame> frames;
  size_t next = 0;
  std::vector<uint8_t> payload(64, 0x5a);
  auto refill = [&] {
    p = std::make_unique<Pair>(c);
    p->Associate();
    frames.clear();
    for (int i = 0; i < 4096; ++i) {
      p->device->SendData(payload, p->now);
      OutFrame f;
      while (p->device->PollTransmit(&f)) frames.push_back(f);
    }
    next = 0;
  };
  refill();
  Event ev;
  for (auto _ : state) {
    if (next == frames.size()) {
      state.PauseTiming();
      refill();
      state.ResumeTiming();
    }
    p->cpan->HandleFrame(frames[next++].span(), 1, p->now);
    while (p->cpan->PollEvent(&ev)) {
    }
  }
  state.counters["frames_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Frame_CoordinatorReceive64)->Arg(0)->Arg(1);

}  // namespace
}  // namespace vigil
