// Generates the protocol test vectors (testdata/vectors/*.json, format in
// docs/test-vectors.md) and measures the byte budgets quoted in docs/protocol.md.
//
// Each vector file is one reproducible run of the in-memory PAN (fixed seed): one device
// enrolled, one complete association, one data frame each way and, from v2 on, one
// broadcast. Every frame is captured as it went on the medium.
//
//   gen_vectors <out_dir>   writes <out_dir>/<name>.json and prints the measurements
//   gen_vectors             prints the measurements only
#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/hex.h"
#include "connection/loopback_pan.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil {
namespace {

using json = nlohmann::ordered_json;
using wire::MsgType;
using wire::Version;

constexpr uint64_t kSeed = 1;
constexpr char kUplink[] = "hr=72 spo2=98";
constexpr char kDownlink[] = "set-interval 5s";
constexpr char kBroadcastText[] = "code-blue ward 3";

ByteSpan Text(const char* s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s), std::char_traits<char>::length(s));
}

struct Captured {
  OutFrame frame;
  bool from_cpan = false;
  std::string phase;
  std::string plaintext;  // hex, data-bearing frames only
};

struct Variant {
  std::string name;
  Version version;
  bool encrypt_data;
  uint8_t data_tag_size;
};

ProtocolConfig ConfigFor(const Variant& v) {
  ProtocolConfig c;
  c.version = v.version;
  c.encrypt_data = v.encrypt_data;
  c.wire.data_tag_size = v.data_tag_size;
  // The vectors show the confirmation round in both v3 variants; v1 and v2 never confirm.
  c.confirm = ConfirmPolicy::kAlways;
  return c;
}

std::string Hex(ByteSpan b) { return ToHex(b); }

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "gen_vectors: %s\n", why.c_str());
  std::exit(1);
}

void Check(bool ok, const std::string& why) {
  if (!ok) Die(why);
}

std::array<uint8_t, 32> HmacOf(CryptoProvider& c, ByteSpan key,
                               std::initializer_list<ByteSpan> parts) {
  std::array<uint8_t, 32> out{};
  Check(HmacSha256(c, key, parts, out) == Error::kOk, "hmac");
  return out;
}

std::array<uint8_t, 8> UidLe(uint64_t u) {
  std::array<uint8_t, 8> b{};
  for (size_t i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(u >> (8 * i));
  return b;
}

struct Totals {
  size_t frames = 0, payload = 0, mpdu = 0;
};

struct Measured {
  Totals assoc;    // the vector's association (confirm policy "always")
  Totals anomaly;  // v3-paper / hardened under the on-anomaly policy
  Totals noauth;   // association without authentication
  size_t data_payload = 0, data_mpdu = 0, bcast_payload = 0, bcast_mpdu = 0;
  size_t max_uplink = 0, max_broadcast = 0;
};

// Bytes on the air for one association under `c` (for the byte table).
Totals MeasureAssociation(const ProtocolConfig& c, const std::string& what) {
  Totals t;
  LoopbackPan pan(c, kSeed);
  const size_t d = pan.AddDevice();
  pan.tap = [&](const OutFrame& f, size_t) {
    auto mf = wire::DecodeMacFrame(f.span());
    Check(mf.ok(), what + ": frame does not decode");
    ++t.frames;
    t.payload += mf->payload.size();
    t.mpdu += f.size;
  };
  Check(pan.node(d).core->StartAssociation(pan.now()) == Error::kOk, "start");
  pan.RunFor(kSeconds);
  Check(pan.node(d).core->state() == DeviceCore::State::kAssociated, what + ": no session");
  return t;
}

void MeasureVariants(const Variant& v, Measured* m) {
  ProtocolConfig c = ConfigFor(v);
  c.authenticate = false;  // Table 1's first column
  c.allow_unauthenticated = true;
  m->noauth = MeasureAssociation(c, v.name + " without authentication");
  if (UsesConfirmation(v.version)) {
    c = ConfigFor(v);
    c.confirm = ConfirmPolicy::kOnAnomaly;  // no confirmation round without an anomaly
    m->anomaly = MeasureAssociation(c, v.name + " on-anomaly");
  }
}

json Generate(const Variant& v, Measured* meas) {
  const ProtocolConfig config = ConfigFor(v);
  LoopbackPan pan(config, kSeed);
  const size_t d = pan.AddDevice();
  const DeviceSecrets& s = pan.node(d).secrets;
  CryptoProvider& c = pan.crypto();

  std::vector<Captured> frames;
  std::string phase = "association";
  std::string plaintext;
  pan.tap = [&](const OutFrame& f, size_t from) {
    frames.push_back(Captured{f, from == LoopbackPan::kCpan, phase, plaintext});
  };
  Check(pan.node(d).core->StartAssociation(pan.now()) == Error::kOk, "start");
  pan.RunFor(kSeconds);
  Check(pan.node(d).core->state() == DeviceCore::State::kAssociated, v.name + ": no session");

  phase = "data";
  plaintext = Hex(Text(kUplink));
  Check(pan.node(d).core->SendData(Text(kUplink), pan.now()) == Error::kOk, "uplink");
  pan.RunFor(kSeconds);
  plaintext = Hex(Text(kDownlink));
  Check(pan.coordinator().SendData(s.uid, Text(kDownlink), pan.now()) == Error::kOk, "downlink");
  pan.RunFor(kSeconds);
  if (v.version != Version::kV1) {
    phase = "broadcast";
    plaintext = Hex(Text(kBroadcastText));
    Check(pan.coordinator().SendBroadcast(Text(kBroadcastText), pan.now()) == Error::kOk,
          "broadcast");
    pan.RunFor(kSeconds);
  }
  for (const Event& e : pan.coordinator_events())
    Check(!IsSecurityEvent(e.kind), v.name + ": coordinator reported a security event");
  for (const Event& e : pan.node(d).events)
    Check(!IsSecurityEvent(e.kind), v.name + ": device reported a security event");

  // ---- derived values ----
  std::array<uint8_t, 32> r1{}, r3{};
  Check(CommonFunctionR1(c, s.username.span(), s.password.span(), r1) == Error::kOk, "r1");
  const std::array<uint8_t, 32> r2 = HmacOf(c, r1, {s.kd});
  Check(CommonFunctionR3(c, s, r3) == Error::kOk, "r3");
  const bool hardened = v.version == Version::kHardened;
  const ByteSpan secret = hardened ? ByteSpan(s.kd) : ByteSpan(r1);

  // ---- the random draws ----
  // The CPAN's draws are all on the air (Nc, Ncf) or in its persisted state (Kb). The
  // device's Nd is not sent in v1, so it is read from a mirror of the PAN's seeded stream,
  // after checking that the mirror reproduces every earlier draw (the identity key and the
  // device secrets) and, from v2 on, the Nd on the air.
  wire::Nonce nd{}, nc{}, ncf{};
  {
    SeededRandom mirror(kSeed);
    std::array<uint8_t, kEd25519PrivateKeySize> priv{};
    mirror.Fill(priv);
    Check(priv == pan.identity().sign_priv, "mirror: identity key");
    uint64_t uid = 0;
    do {
      uid = mirror.Next64();
    } while (uid == 0 || uid == wire::kBroadcastUid);
    Check(uid == s.uid, "mirror: uid");
    DeviceSecrets m;
    std::array<uint8_t, 12> user{}, pass{};
    mirror.Fill(m.kd);
    mirror.Fill(m.secretkey2);
    mirror.Fill(user);
    mirror.Fill(pass);
    Check(m.kd == s.kd && m.secretkey2 == s.secretkey2 &&
              ByteSpan(user).size() == s.username.size &&
              std::equal(user.begin(), user.end(), s.username.bytes.begin()) &&
              std::equal(pass.begin(), pass.end(), s.password.bytes.begin()),
          "mirror: device secrets");
    mirror.Fill(nd);
  }
  bool have_ncf = false;
  json frames_json = json::array();
  size_t index = 0;
  for (const Captured& cap : frames) {
    auto mf = wire::DecodeMacFrame(cap.frame.span());
    Check(mf.ok(), "captured frame does not decode");
    auto m = wire::Decode(mf->payload, config.wire);
    Check(m.ok(), "captured payload does not decode");
    if (cap.phase == "association") {
      if (m->type == MsgType::kAssocReq && v.version != Version::kV1)
        Check(m->nd == nd, "mirror: Nd on the air");
      if (m->type == MsgType::kAuthReq) nc = m->nc;
      if (m->type == MsgType::kConfirmReq && hardened) {
        ncf = m->ncf;
        have_ncf = true;
      }
      ++meas->assoc.frames;
      meas->assoc.payload += mf->payload.size();
      meas->assoc.mpdu += cap.frame.size;
    } else if (m->type == MsgType::kData && !cap.from_cpan) {
      meas->data_payload = mf->payload.size();
      meas->data_mpdu = cap.frame.size;
    } else if (m->type == MsgType::kBroadcast) {
      meas->bcast_payload = mf->payload.size();
      meas->bcast_mpdu = cap.frame.size;
    }
    json f;
    f["index"] = index++;
    f["phase"] = cap.phase;
    f["from"] = cap.from_cpan ? "cpan" : "device";
    f["to"] = mf->dst == wire::kBroadcastUid ? "broadcast" : (cap.from_cpan ? "device" : "cpan");
    f["type"] = wire::MsgTypeName(m->type);
    f["header"] = mf->payload[0];
    f["mac_seq"] = mf->seq;
    f["mpdu"] = Hex(cap.frame.span());
    f["payload"] = Hex(mf->payload);
    if (m->type == MsgType::kAuthResp && !hardened) f["otp"] = m->otp;
    if (m->type == MsgType::kData || m->type == MsgType::kBroadcast) {
      f["counter"] = m->counter;
      f["plaintext"] = cap.plaintext;
      // Hardened's key confirmation (protocol.md 9.5): protected like data, not data.
      if (m->flags & wire::kDataFlagKeyConfirm) f["key_confirm"] = true;
    }
    if (m->type == MsgType::kAssocResp && !m->body.empty()) {
      f["counter"] = 0;
      std::array<uint8_t, wire::kKeyBlockSize> block{};
      block[0] = pan.coordinator().persisted().epoch;
      std::copy(pan.coordinator().persisted().kb.begin(), pan.coordinator().persisted().kb.end(),
                block.begin() + 1);
      f["plaintext"] = Hex(block);
    }
    frames_json.push_back(f);
  }

  // ---- session and broadcast key material, from the documented formulas ----
  const auto dev_le = UidLe(s.uid), cpan_le = UidLe(s.cpan_uid);
  const auto label = [](const char* l) { return Text(l); };
  std::array<uint8_t, 32> prk{};
  if (hardened) {
    prk = HmacOf(c, secret, {label("vigil/session"), dev_le, cpan_le, nd, nc});
  } else if (v.version == Version::kV1) {
    prk = HmacOf(c, secret, {label("Ku"), nc});
  } else {
    prk = HmacOf(c, secret, {label("Ku"), nc, nd});
  }
  const std::array<uint8_t, 32> enc = HmacOf(c, prk, {label("enc")});

  json j;
  j["format"] = "vigil-test-vectors/1";
  j["name"] = v.name;
  j["version"] = wire::VersionName(v.version);
  j["version_nibble"] = static_cast<int>(v.version);
  j["seed"] = kSeed;
  j["config"] = {{"pan_id", config.pan_id},
                 {"data_tag_size", config.wire.data_tag_size},
                 {"encrypt_data", config.encrypt_data},
                 {"authenticate", config.authenticate},
                 {"confirm_policy", "always"}};
  j["device"] = {{"uid", UidToString(s.uid)},
                 {"kd", Hex(s.kd)},
                 {"secretkey2", Hex(s.secretkey2)},
                 {"username", Hex(s.username.span())},
                 {"password", Hex(s.password.span())}};
  j["cpan"] = {{"uid", UidToString(s.cpan_uid)},
               {"sign_priv", Hex(pan.identity().sign_priv)},
               {"sign_pub", Hex(pan.identity().sign_pub)}};
  json derived;
  derived["r1"] = Hex(r1);
  derived["r2"] = Hex(r2);
  derived["r3"] = Hex(r3);
  derived["association_secret"] = hardened ? "kd" : "r1";
  derived["session_prk"] = Hex(prk);
  derived["session_enc_key"] = Hex(ByteSpan(enc.data(), 16));
  json random = json::array();
  random.push_back(
      {{"by", "device"}, {"name", "nd"}, {"hex", Hex(nd)}, {"on_air", v.version != Version::kV1}});
  random.push_back({{"by", "cpan"}, {"name", "nc"}, {"hex", Hex(nc)}});
  if (have_ncf) random.push_back({{"by", "cpan"}, {"name", "ncf"}, {"hex", Hex(ncf)}});
  if (v.version != Version::kV1) {
    const auto& kb = pan.coordinator().persisted().kb;
    random.push_back({{"by", "cpan"}, {"name", "kb"}, {"hex", Hex(kb)}});
    derived["bcast_epoch"] = pan.coordinator().persisted().epoch;
    derived["bcast_mac_key"] = Hex(HmacOf(c, kb, {label("vigil/bcast-mac")}));
    derived["bcast_enc_key"] = Hex(ByteSpan(HmacOf(c, kb, {label("vigil/bcast-enc")}).data(), 16));
  }
  j["derived"] = derived;
  j["random"] = random;
  j["frames"] = frames_json;

  meas->max_uplink = pan.node(d).core->max_payload();
  meas->max_broadcast = v.version == Version::kV1 ? 0 : pan.coordinator().max_broadcast_payload();
  MeasureVariants(v, meas);
  return j;
}

int Main(int argc, char** argv) {
  const std::string out_dir = argc > 1 ? argv[1] : "";
  const std::vector<Variant> variants = {
      {"v1", Version::kV1, true, 8},
      {"v2", Version::kV2, true, 8},
      {"v3-paper", Version::kV3Paper, true, 8},
      {"hardened", Version::kHardened, true, 8},
      {"v1-integrity", Version::kV1, false, 16},
      {"v2-integrity", Version::kV2, false, 16},
      {"v3-paper-integrity", Version::kV3Paper, false, 16},
      {"hardened-integrity", Version::kHardened, false, 16},
  };
  std::printf(
      "| variant | association: frames / payload / MPDU | on-anomaly association | "
      "without authentication | DATA 13 B: payload / MPDU | BROADCAST 16 B: payload / MPDU | "
      "max DATA body | max BROADCAST body |\n");
  for (const Variant& v : variants) {
    Measured m;
    json j = Generate(v, &m);
    if (!out_dir.empty()) {
      const std::string path = out_dir + "/" + v.name + ".json";
      std::ofstream out(path);
      out << j.dump(2) << "\n";
      Check(out.good(), "cannot write " + path);
    }
    const auto tot = [](const Totals& t) {
      return t.frames == 0 ? std::string("-")
                           : std::to_string(t.frames) + " / " + std::to_string(t.payload) + " / " +
                                 std::to_string(t.mpdu);
    };
    std::printf("| %s | %s | %s | %s | %zu / %zu | %zu / %zu | %zu | %zu |\n", v.name.c_str(),
                tot(m.assoc).c_str(), tot(m.anomaly).c_str(), tot(m.noauth).c_str(), m.data_payload,
                m.data_mpdu, m.bcast_payload, m.bcast_mpdu, m.max_uplink, m.max_broadcast);
  }
  std::printf(
      "sizeof(DeviceCore) = %zu bytes, sizeof(OutFrame) = %zu, sizeof(Event) = %zu, "
      "sizeof(DeviceSecrets) = %zu\n",
      sizeof(DeviceCore), sizeof(OutFrame), sizeof(Event), sizeof(DeviceSecrets));
  return 0;
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) { return vigil::Main(argc, argv); }
