// Checks the protocol test vectors (testdata/vectors/*.json, docs/test-vectors.md)
// without the generator: every frame is decoded, every tag, OTP, proof, AEAD tag and
// signature is recomputed from the secrets and random draws recorded in the file, both
// with session_crypto.h and with the formulas of docs/protocol.md written out here; and
// fresh cores fed the recorded random draws must reproduce every frame byte for byte.
// A failure here means the wire format changed: regenerate the vectors with
// `gen_vectors testdata/vectors` only if the change is intended, and update
// docs/protocol.md with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/hex.h"
#include "connection/coordinator_core.h"
#include "connection/crypto/openssl_provider.h"
#include "connection/device_core.h"
#include "connection/device_directory.h"
#include "connection/keys.h"
#include "connection/scripted_random.h"
#include "connection/session_crypto.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil {
namespace {

using Bytes = std::vector<uint8_t>;
using json = nlohmann::json;
using wire::MsgType;
using wire::Version;

const std::filesystem::path kDir = std::filesystem::path(VIGIL_SOURCE_DIR) / "testdata/vectors";

struct Draw {
  std::string by, name;
  Bytes bytes;
};

struct Frame {
  size_t index = 0;
  std::string phase, from, to, type;
  int header = 0, mac_seq = 0;
  Bytes mpdu, payload, plaintext;
  bool has_plaintext = false;
  bool key_confirm = false;  // hardened's empty DATA after a grant (protocol.md 9.5)
  std::optional<uint32_t> otp;
  std::optional<uint32_t> counter;
};

struct Vector {
  std::string name;
  Version version = Version::kV1;
  ProtocolConfig config;
  DeviceSecrets secrets;
  CoordinatorIdentity cpan;
  Bytes r1, r2, r3, session_prk, session_enc_key, bcast_mac_key, bcast_enc_key;
  std::string association_secret;
  int bcast_epoch = 0;
  std::vector<Draw> random;
  std::vector<Frame> frames;

  const Draw* FindDraw(const std::string& n) const {
    for (const Draw& d : random)
      if (d.name == n) return &d;
    return nullptr;
  }
  Transcript MakeTranscript() const {
    Transcript t;
    t.version = version;
    t.device_uid = secrets.uid;
    t.cpan_uid = cpan.uid;
    if (const Draw* d = FindDraw("nd")) std::copy(d->bytes.begin(), d->bytes.end(), t.nd.begin());
    if (const Draw* d = FindDraw("nc")) std::copy(d->bytes.begin(), d->bytes.end(), t.nc.begin());
    if (const Draw* d = FindDraw("ncf")) std::copy(d->bytes.begin(), d->bytes.end(), t.ncf.begin());
    return t;
  }
  ByteSpan AssocSecret() const {
    return version == Version::kHardened ? ByteSpan(secrets.kd) : ByteSpan(r1);
  }
};

Bytes HexField(const json& j, const char* key, size_t want = 0) {
  auto b = FromHex(j.at(key).get<std::string>());
  if (!b) throw std::runtime_error(std::string("bad hex in ") + key);
  if (want != 0 && b->size() != want) throw std::runtime_error(std::string("wrong size of ") + key);
  return *b;
}

template <size_t N>
void HexInto(const json& j, const char* key, std::array<uint8_t, N>& out) {
  Bytes b = HexField(j, key, N);
  std::copy(b.begin(), b.end(), out.begin());
}

uint64_t UidField(const json& j, const char* key) {
  auto u = UidFromString(j.at(key).get<std::string>());
  if (!u) throw std::runtime_error(std::string("bad uid in ") + key);
  return *u;
}

Version VersionFromName(const std::string& n) {
  for (Version v : {Version::kV1, Version::kV2, Version::kV3Paper, Version::kHardened})
    if (n == wire::VersionName(v)) return v;
  throw std::runtime_error("unknown version " + n);
}

Vector Load(const std::string& file) {
  std::ifstream in(kDir / file);
  if (!in) throw std::runtime_error("cannot open " + file);
  const json j = json::parse(in);
  if (j.at("format") != "vigil-test-vectors/1") throw std::runtime_error("unknown format");
  Vector v;
  v.name = j.at("name").get<std::string>();
  v.version = VersionFromName(j.at("version").get<std::string>());
  if (j.at("version_nibble").get<int>() != static_cast<int>(v.version))
    throw std::runtime_error("version_nibble disagrees with version");
  const json& c = j.at("config");
  v.config.version = v.version;
  v.config.pan_id = c.at("pan_id").get<uint16_t>();
  v.config.wire.data_tag_size = c.at("data_tag_size").get<uint8_t>();
  v.config.encrypt_data = c.at("encrypt_data").get<bool>();
  v.config.authenticate = c.at("authenticate").get<bool>();
  v.config.confirm =
      c.at("confirm_policy") == "always" ? ConfirmPolicy::kAlways : ConfirmPolicy::kOnAnomaly;
  const json& d = j.at("device");
  v.secrets.uid = UidField(d, "uid");
  HexInto(d, "kd", v.secrets.kd);
  HexInto(d, "secretkey2", v.secrets.secretkey2);
  if (!v.secrets.username.Set(HexField(d, "username")) ||
      !v.secrets.password.Set(HexField(d, "password")))
    throw std::runtime_error("bad credentials");
  const json& p = j.at("cpan");
  v.cpan.uid = UidField(p, "uid");
  v.secrets.cpan_uid = v.cpan.uid;
  HexInto(p, "sign_priv", v.cpan.sign_priv);
  HexInto(p, "sign_pub", v.cpan.sign_pub);
  v.secrets.cpan_sign_pub = v.cpan.sign_pub;
  const json& dv = j.at("derived");
  v.r1 = HexField(dv, "r1", 32);
  v.r2 = HexField(dv, "r2", 32);
  v.r3 = HexField(dv, "r3", 32);
  v.association_secret = dv.at("association_secret").get<std::string>();
  v.session_prk = HexField(dv, "session_prk", 32);
  v.session_enc_key = HexField(dv, "session_enc_key", 16);
  if (dv.contains("bcast_mac_key")) {
    v.bcast_mac_key = HexField(dv, "bcast_mac_key", 32);
    v.bcast_enc_key = HexField(dv, "bcast_enc_key", 16);
    v.bcast_epoch = dv.at("bcast_epoch").get<int>();
  }
  for (const json& r : j.at("random"))
    v.random.push_back(
        {r.at("by").get<std::string>(), r.at("name").get<std::string>(), HexField(r, "hex")});
  for (const json& f : j.at("frames")) {
    Frame fr;
    fr.index = f.at("index").get<size_t>();
    fr.phase = f.at("phase").get<std::string>();
    fr.from = f.at("from").get<std::string>();
    fr.to = f.at("to").get<std::string>();
    fr.type = f.at("type").get<std::string>();
    fr.header = f.at("header").get<int>();
    fr.mac_seq = f.at("mac_seq").get<int>();
    fr.mpdu = HexField(f, "mpdu");
    fr.payload = HexField(f, "payload");
    if (f.contains("key_confirm")) fr.key_confirm = f["key_confirm"].get<bool>();
    if (f.contains("plaintext")) {
      fr.plaintext = HexField(f, "plaintext");
      fr.has_plaintext = true;
    }
    if (f.contains("otp")) fr.otp = f.at("otp").get<uint32_t>();
    if (f.contains("counter")) fr.counter = f.at("counter").get<uint32_t>();
    v.frames.push_back(std::move(fr));
  }
  return v;
}

std::vector<std::string> VectorFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(kDir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::array<uint8_t, 8> UidLe(uint64_t u) {
  std::array<uint8_t, 8> b{};
  for (size_t i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(u >> (8 * i));
  return b;
}

ByteSpan Label(const char* s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s), std::char_traits<char>::length(s));
}

// HMAC-SHA256 over the concatenation of parts, truncated to n bytes.
Bytes Hmac(CryptoProvider& c, ByteSpan key, std::initializer_list<ByteSpan> parts, size_t n) {
  Bytes out(n);
  EXPECT_EQ(HmacSha256(c, key, parts, out), Error::kOk);
  return out;
}

// The implicit associated data of hardened MACs: direction | src uid (LE) | dst uid (LE).
Bytes Implicit(wire::Direction d, uint64_t src, uint64_t dst) {
  Bytes b{static_cast<uint8_t>(d)};
  for (uint8_t x : UidLe(src)) b.push_back(x);
  for (uint8_t x : UidLe(dst)) b.push_back(x);
  return b;
}

Bytes Cat(std::initializer_list<ByteSpan> parts) {
  Bytes b;
  for (ByteSpan p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

Bytes ToBytes(ByteSpan s) { return Bytes(s.begin(), s.end()); }

wire::Direction DirectionOf(const Frame& f) {
  if (f.to == "broadcast") return wire::Direction::kBroadcast;
  return f.from == "device" ? wire::Direction::kDeviceToCpan : wire::Direction::kCpanToDevice;
}

class VectorFile : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(v_ = Load(GetParam())) << GetParam();
    ASSERT_FALSE(v_.frames.empty());
  }
  // Decodes a frame's payload, failing the test if it does not decode.
  wire::Message Msg(const Frame& f) {
    auto m = wire::Decode(f.payload, v_.config.wire);
    EXPECT_TRUE(m.ok()) << "frame " << f.index << ": " << ErrorName(m.error());
    return *m;
  }
  FrameAddress AddressOf(const Frame& f) const {
    switch (DirectionOf(f)) {
      case wire::Direction::kDeviceToCpan:
        return {wire::Direction::kDeviceToCpan, v_.secrets.uid, v_.cpan.uid};
      case wire::Direction::kCpanToDevice:
        return {wire::Direction::kCpanToDevice, v_.cpan.uid, v_.secrets.uid};
      case wire::Direction::kBroadcast:
        break;
    }
    return {wire::Direction::kBroadcast, v_.cpan.uid, wire::kBroadcastUid};
  }
  Vector v_;
  OpenSslCrypto crypto_;
};

TEST(VectorSet, EveryVersionHasAVectorFile) {
  const std::vector<std::string> files = VectorFiles();
  for (const char* want : {"v1.json", "v2.json", "v3-paper.json", "hardened.json"})
    EXPECT_NE(std::find(files.begin(), files.end(), want), files.end()) << want;
}

TEST_P(VectorFile, MacFramesDecodeReencodeAndFitTheBudget) {
  for (const Frame& f : v_.frames) {
    SCOPED_TRACE("frame " + std::to_string(f.index) + " " + f.type);
    auto mf = wire::DecodeMacFrame(f.mpdu);
    ASSERT_TRUE(mf.ok()) << ErrorName(mf.error());
    EXPECT_EQ(ToBytes(mf->payload), f.payload);
    EXPECT_EQ(mf->pan_id, v_.config.pan_id);
    EXPECT_EQ(mf->seq, f.mac_seq);
    const bool bcast = f.to == "broadcast";
    EXPECT_EQ(mf->src, f.from == "device" ? v_.secrets.uid : v_.cpan.uid);
    EXPECT_EQ(mf->dst,
              bcast ? wire::kBroadcastUid : (f.to == "cpan" ? v_.cpan.uid : v_.secrets.uid));
    EXPECT_EQ(mf->ack_request, !bcast);
    // FCS: CRC-16/ITU-T (KERMIT) of the MHR and payload, little-endian.
    const size_t n = f.mpdu.size();
    const uint16_t fcs = wire::Crc16Itu(ByteSpan(f.mpdu.data(), n - 2));
    EXPECT_EQ(f.mpdu[n - 2], fcs & 0xFF);
    EXPECT_EQ(f.mpdu[n - 1], fcs >> 8);
    EXPECT_EQ(n - f.payload.size() - wire::kFcsSize,
              bcast ? wire::kMhrBroadcast : wire::kMhrUnicast);
    EXPECT_LE(n, wire::kMaxPhyPayload);
    EXPECT_LE(f.payload.size(), bcast ? wire::kMaxBroadcastPayload : wire::kMaxUnicastPayload);
    std::array<uint8_t, wire::kMaxPhyPayload> out{};
    auto len = wire::EncodeMacFrame(*mf, out);
    ASSERT_TRUE(len.ok());
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<ptrdiff_t>(*len)), f.mpdu);
  }
}

TEST_P(VectorFile, MessagesDecodeToTheirTypeAndReencodeWithTheTagZeroed) {
  for (const Frame& f : v_.frames) {
    SCOPED_TRACE("frame " + std::to_string(f.index) + " " + f.type);
    const wire::Message m = Msg(f);
    EXPECT_EQ(wire::MsgTypeName(m.type), f.type);
    EXPECT_EQ(m.version, v_.version);
    EXPECT_EQ(f.payload[0], f.header);
    EXPECT_EQ(f.header, wire::Header(v_.version, m.type));
    if (f.counter && m.type != MsgType::kAssocResp) {
      EXPECT_EQ(m.counter, *f.counter);
    }
    std::array<uint8_t, wire::kMaxBroadcastPayload> out{};
    auto n = wire::Encode(m, v_.config.wire, out);
    ASSERT_TRUE(n.ok()) << ErrorName(n.error());
    Bytes expect = f.payload;
    std::fill(expect.begin() + static_cast<ptrdiff_t>(m.prefix.size()), expect.end(), 0);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<ptrdiff_t>(*n)), expect);
    EXPECT_EQ(m.prefix.size() + m.tag.size() + m.signature.size(), f.payload.size());
  }
}

TEST_P(VectorFile, CommonFunctionGivesTheRecordedR1R2R3) {
  std::array<uint8_t, 32> r1{}, r3{};
  ASSERT_EQ(CommonFunctionR1(crypto_, v_.secrets.username.span(), v_.secrets.password.span(), r1),
            Error::kOk);
  ASSERT_EQ(CommonFunctionR3(crypto_, v_.secrets, r3), Error::kOk);
  EXPECT_EQ(ToBytes(r1), v_.r1);
  EXPECT_EQ(ToBytes(r3), v_.r3);
  // Written out: the first argument of the paper's HMAC-SHA256(a, b) is the key.
  EXPECT_EQ(Hmac(crypto_, v_.secrets.username.span(), {v_.secrets.password.span()}, 32), v_.r1);
  EXPECT_EQ(Hmac(crypto_, v_.r1, {v_.secrets.kd}, 32), v_.r2);
  EXPECT_EQ(Hmac(crypto_, v_.r2, {v_.secrets.secretkey2}, 32), v_.r3);
  EXPECT_EQ(v_.association_secret, v_.version == Version::kHardened ? "kd" : "r1");
  // The enrollment record the CPAN keeps: R1, R3 and Kd, never the password or Secretkey2.
  const EnrolledDevice rec = EnrollmentRecord(crypto_, v_.secrets);
  EXPECT_EQ(ToBytes(rec.r1), v_.r1);
  EXPECT_EQ(ToBytes(rec.r3), v_.r3);
}

TEST_P(VectorFile, RandomDrawsAreTheNoncesOnTheAir) {
  const Transcript t = v_.MakeTranscript();
  ASSERT_NE(v_.FindDraw("nd"), nullptr);
  ASSERT_NE(v_.FindDraw("nc"), nullptr);
  EXPECT_EQ(v_.FindDraw("ncf") != nullptr, v_.version == Version::kHardened);
  EXPECT_EQ(v_.FindDraw("kb") != nullptr, v_.version != Version::kV1);
  for (const Frame& f : v_.frames) {
    SCOPED_TRACE("frame " + std::to_string(f.index) + " " + f.type);
    const wire::Message m = Msg(f);
    if (m.type == MsgType::kAssocReq && v_.version != Version::kV1) {
      EXPECT_EQ(m.nd, t.nd);
    }
    if (m.type == MsgType::kAuthReq) {
      EXPECT_EQ(m.nc, t.nc);
      if (UsesConfirmation(v_.version)) {
        EXPECT_EQ(m.nd, t.nd);  // echoed
      }
    }
    if (m.type == MsgType::kConfirmReq && v_.version == Version::kHardened) {
      EXPECT_EQ(m.ncf, t.ncf);
    }
  }
}

// The handshake tags, recomputed with session_crypto.h and with the formulas written out.
TEST_P(VectorFile, HandshakeTagsRecomputeFromTheSecrets) {
  const Transcript t = v_.MakeTranscript();
  const bool hardened = v_.version == Version::kHardened;
  const ByteSpan secret = v_.AssocSecret();
  const Bytes to_dev = Implicit(wire::Direction::kCpanToDevice, v_.cpan.uid, v_.secrets.uid);
  const Bytes to_cpan = Implicit(wire::Direction::kDeviceToCpan, v_.secrets.uid, v_.cpan.uid);
  std::set<MsgType> seen;
  for (const Frame& f : v_.frames) {
    SCOPED_TRACE("frame " + std::to_string(f.index) + " " + f.type);
    const wire::Message m = Msg(f);
    seen.insert(m.type);
    Bytes out(m.tag.size());
    switch (m.type) {
      case MsgType::kAssocReq:
        EXPECT_EQ(m.flags, wire::kAssocFlagAuthenticate);
        EXPECT_TRUE(m.tag.empty());
        break;
      case MsgType::kAuthReq:
        if (v_.version == Version::kV1) {
          EXPECT_TRUE(m.tag.empty());
          break;
        }
        ASSERT_EQ(CpanProof(crypto_, secret, t, m.prefix, out), Error::kOk);
        EXPECT_EQ(out, ToBytes(m.tag));
        if (hardened) {
          EXPECT_EQ(Hmac(crypto_, secret, {Label("vigil/auth-req"), m.prefix, to_dev}, 8),
                    ToBytes(m.tag));
        } else {
          EXPECT_EQ(Hmac(crypto_, secret, {Label("cpan"), t.nd, t.nc}, 8), ToBytes(m.tag));
        }
        break;
      case MsgType::kAuthResp: {
        EXPECT_EQ(m.flags, 0);
        ASSERT_EQ(DeviceAnswer(crypto_, secret, t, m.prefix, out), Error::kOk);
        EXPECT_EQ(out, ToBytes(m.tag));
        if (hardened) {
          EXPECT_EQ(
              Hmac(crypto_, secret, {Label("vigil/auth-resp"), m.prefix, t.nd, t.nc, to_cpan}, 8),
              ToBytes(m.tag));
          break;
        }
        // HOTP dynamic truncation (RFC 4226 5.3) over HMAC-SHA256(R1, Nc [| Nd]), 8 digits.
        const Bytes mac = v_.version == Version::kV1 ? Hmac(crypto_, secret, {t.nc}, 32)
                                                     : Hmac(crypto_, secret, {t.nc, t.nd}, 32);
        const size_t off = mac[31] & 0x0F;
        const uint32_t bin = (uint32_t{mac[off]} & 0x7F) << 24 | uint32_t{mac[off + 1]} << 16 |
                             uint32_t{mac[off + 2]} << 8 | uint32_t{mac[off + 3]};
        EXPECT_EQ(m.otp, bin % 100000000u);
        ASSERT_TRUE(f.otp.has_value());
        EXPECT_EQ(m.otp, *f.otp);
        break;
      }
      case MsgType::kConfirmReq:
        if (!hardened) {
          EXPECT_EQ(f.payload.size(), 1u);  // the paper's request carries nothing
          break;
        }
        ASSERT_EQ(ConfirmRequestTag(crypto_, v_.secrets.kd, t, m.prefix, out), Error::kOk);
        EXPECT_EQ(out, ToBytes(m.tag));
        EXPECT_EQ(Hmac(crypto_, v_.secrets.kd,
                       {Label("vigil/confirm-req"), m.prefix, t.nd, t.nc, to_dev}, 8),
                  ToBytes(m.tag));
        break;
      case MsgType::kConfirmResp:
        ASSERT_EQ(ConfirmAnswer(crypto_, v_.r3, t, m.prefix, out), Error::kOk);
        EXPECT_EQ(out, ToBytes(m.tag));
        if (hardened) {
          EXPECT_EQ(Hmac(crypto_, v_.r3,
                         {Label("vigil/confirm-resp"), m.prefix, t.nd, t.nc, t.ncf, to_cpan}, 16),
                    ToBytes(m.tag));
        } else {
          EXPECT_EQ(ToBytes(m.tag), v_.r3);  // static: the hole hardened closes
        }
        break;
      default:
        break;
    }
  }
  EXPECT_EQ(seen.count(MsgType::kConfirmReq) == 1, UsesConfirmation(v_.version));
  EXPECT_EQ(seen.count(MsgType::kConfirmResp) == 1, UsesConfirmation(v_.version));
}

TEST_P(VectorFile, SessionAndBroadcastKeysFollowTheDocumentedDerivation) {
  const Transcript t = v_.MakeTranscript();
  const ByteSpan secret = v_.AssocSecret();
  Bytes prk;
  if (v_.version == Version::kHardened) {
    prk = Hmac(crypto_, secret,
               {Label("vigil/session"), UidLe(v_.secrets.uid), UidLe(v_.cpan.uid), t.nd, t.nc}, 32);
  } else if (v_.version == Version::kV1) {
    prk = Hmac(crypto_, secret, {Label("Ku"), t.nc}, 32);
  } else {
    prk = Hmac(crypto_, secret, {Label("Ku"), t.nc, t.nd}, 32);
  }
  EXPECT_EQ(prk, v_.session_prk);
  EXPECT_EQ(Hmac(crypto_, prk, {Label("enc")}, 16), v_.session_enc_key);
  if (const Draw* kb = v_.FindDraw("kb")) {
    EXPECT_EQ(Hmac(crypto_, kb->bytes, {Label("vigil/bcast-mac")}, 32), v_.bcast_mac_key);
    EXPECT_EQ(Hmac(crypto_, kb->bytes, {Label("vigil/bcast-enc")}, 16), v_.bcast_enc_key);
  }
}

// Frame protection written out: CCM nonce = src uid (LE) | counter (BE) | direction,
// associated data = the message bytes before the body [| implicit, hardened]; HMAC frames
// carry HMAC(mac key, message before the tag [| implicit])[0:tag].
TEST_P(VectorFile, FrameProtectionVerifiesWithTheRecordedKeys) {
  KeyHandle s_aead, s_mac, b_aead, b_mac;
  ASSERT_EQ(crypto_.AeadImport(v_.session_enc_key, &s_aead), Error::kOk);
  ASSERT_EQ(crypto_.MacImport(v_.session_prk, &s_mac), Error::kOk);
  if (!v_.bcast_enc_key.empty()) {
    ASSERT_EQ(crypto_.AeadImport(v_.bcast_enc_key, &b_aead), Error::kOk);
    ASSERT_EQ(crypto_.MacImport(v_.bcast_mac_key, &b_mac), Error::kOk);
  }
  const bool hardened = v_.version == Version::kHardened;
  size_t protected_frames = 0;
  for (const Frame& f : v_.frames) {
    SCOPED_TRACE("frame " + std::to_string(f.index) + " " + f.type);
    const wire::Message m = Msg(f);
    const bool protected_type = (m.type == MsgType::kAssocResp && !m.body.empty()) ||
                                m.type == MsgType::kData || m.type == MsgType::kBroadcast;
    if (!protected_type) continue;
    ++protected_frames;
    ASSERT_TRUE(f.has_plaintext);
    const FrameAddress a = AddressOf(f);
    const bool bcast = m.type == MsgType::kBroadcast;
    const uint32_t counter = m.type == MsgType::kAssocResp ? 0 : m.counter;
    const bool encrypted = m.type == MsgType::kAssocResp || (m.flags & wire::kDataFlagEncrypted);
    const ByteSpan header = m.prefix.first(m.prefix.size() - m.body.size());
    const Bytes imp = hardened ? Implicit(a.dir, a.src, a.dst) : Bytes{};
    if (encrypted) {
      Bytes nonce = ToBytes(UidLe(a.src));
      for (int s = 24; s >= 0; s -= 8) nonce.push_back(static_cast<uint8_t>(counter >> s));
      nonce.push_back(static_cast<uint8_t>(a.dir));
      const Bytes aad = Cat({header, imp});
      Bytes plain(m.body.size());
      ASSERT_EQ(crypto_.AeadOpen(bcast ? b_aead : s_aead, nonce, aad, m.body, m.tag, plain),
                Error::kOk);
      EXPECT_EQ(plain, f.plaintext);
    } else {
      Bytes mac(m.tag.size());
      const ByteSpan parts[] = {m.prefix, imp};
      ASSERT_EQ(crypto_.MacCompute(bcast ? b_mac : s_mac, parts, mac), Error::kOk);
      EXPECT_EQ(mac, ToBytes(m.tag));
      EXPECT_EQ(ToBytes(m.body), f.plaintext);
    }
    if (bcast) {
      EXPECT_EQ(m.epoch, v_.bcast_epoch);
    }
    if (bcast && hardened) {
      std::array<uint8_t, 32> pub{};
      ASSERT_EQ(crypto_.Ed25519PublicFromPrivate(v_.cpan.sign_priv, pub), Error::kOk);
      EXPECT_EQ(pub, v_.cpan.sign_pub);
      const uint8_t pan[] = {static_cast<uint8_t>(v_.config.pan_id),
                             static_cast<uint8_t>(v_.config.pan_id >> 8)};
      const Bytes msg = Cat({pan, UidLe(v_.cpan.uid), m.prefix, m.tag});
      EXPECT_EQ(crypto_.Ed25519Verify(v_.cpan.sign_pub, msg, m.signature), Error::kOk);
    }
  }
  // ASSOC_RESP (v2+), the key confirmation (hardened), DATA up and down, BROADCAST (v2+).
  EXPECT_EQ(protected_frames,
            v_.version == Version::kV1 ? 2u : (v_.version == Version::kHardened ? 5u : 4u));
  for (KeyHandle* h : {&s_aead, &s_mac, &b_aead, &b_mac})
    if (h->valid()) crypto_.Release(h);
}

// session_crypto.h rebuilds the very bytes: keys from the transcript, then Encode +
// ProtectMessage (+ SignBroadcast) over the recorded plaintext.
TEST_P(VectorFile, ProtectedFramesRebuildByteForByte) {
  const Transcript t = v_.MakeTranscript();
  SessionKeys session, bcast;
  ASSERT_EQ(DeriveSessionKeys(crypto_, v_.AssocSecret(), t, &session), Error::kOk);
  if (const Draw* kb = v_.FindDraw("kb")) {
    ASSERT_EQ(DeriveBroadcastKeys(crypto_, kb->bytes, &bcast), Error::kOk);
  }
  for (const Frame& f : v_.frames) {
    SCOPED_TRACE("frame " + std::to_string(f.index) + " " + f.type);
    const wire::Message m = Msg(f);
    const bool protected_type = (m.type == MsgType::kAssocResp && !m.body.empty()) ||
                                m.type == MsgType::kData || m.type == MsgType::kBroadcast;
    if (!protected_type) continue;
    const SessionKeys& keys = m.type == MsgType::kBroadcast ? bcast : session;
    const FrameAddress a = AddressOf(f);
    const uint32_t counter = m.type == MsgType::kAssocResp ? 0 : m.counter;
    const bool encrypted = m.type == MsgType::kAssocResp || (m.flags & wire::kDataFlagEncrypted);
    // Verify.
    std::array<uint8_t, wire::kMaxBroadcastPayload> plain{};
    auto n = VerifyMessage(crypto_, keys, m, a, counter, encrypted, plain);
    ASSERT_TRUE(n.ok()) << ErrorName(n.error());
    EXPECT_EQ(Bytes(plain.begin(), plain.begin() + static_cast<ptrdiff_t>(*n)), f.plaintext);
    // Rebuild.
    wire::Message r = m;
    r.body = f.plaintext;
    std::array<uint8_t, wire::kMaxBroadcastPayload> buf{};
    auto len = wire::Encode(r, v_.config.wire, buf);
    ASSERT_TRUE(len.ok());
    const size_t sig = m.signature.size();
    const size_t body_off = m.prefix.size() - m.body.size();
    ASSERT_EQ(ProtectMessage(crypto_, keys, v_.version, a, counter, encrypted,
                             MutableByteSpan(buf.data(), *len), body_off, f.plaintext.size(),
                             m.tag.size()),
              Error::kOk);
    if (sig != 0) {
      ASSERT_EQ(SignBroadcast(crypto_, v_.cpan.sign_priv, v_.config.pan_id, v_.cpan.uid,
                              ByteSpan(buf.data(), *len - sig),
                              MutableByteSpan(buf.data() + *len - sig, sig)),
                Error::kOk);
      EXPECT_EQ(
          VerifyBroadcastSignature(crypto_, v_.cpan.sign_pub, v_.config.pan_id, v_.cpan.uid,
                                   ByteSpan(f.payload.data(), f.payload.size() - sig), m.signature),
          Error::kOk);
    }
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*len)), f.payload);
  }
  session.Release(crypto_);
  bcast.Release(crypto_);
}

// What a firmware maker runs: fresh cores, fed the recorded random draws, must put the
// recorded bytes on the air, in order, and deliver the recorded plaintexts.
TEST_P(VectorFile, FreshCoresReplayTheExchangeByteForByte) {
  ScriptedRandom dev_rnd, cpan_rnd;
  for (const Draw& d : v_.random) (d.by == "device" ? dev_rnd : cpan_rnd).Add(d.bytes);
  MemoryDirectory directory;
  directory.Put(EnrollmentRecord(crypto_, v_.secrets));
  DeviceCore dev(v_.config, v_.secrets, crypto_, dev_rnd);
  CoordinatorCore cpan(v_.config, v_.cpan, directory, crypto_, cpan_rnd);
  std::vector<Event> dev_events, cpan_events;
  size_t next = 0;
  const TimeUs now = kSeconds;
  auto expect_next = [&](const OutFrame& f, const char* from) {
    if (next >= v_.frames.size()) {
      ADD_FAILURE() << "extra frame from " << from << ": " << ToHex(f.span());
      return;
    }
    const Frame& want = v_.frames[next++];
    EXPECT_EQ(want.from, from) << "frame " << want.index;
    EXPECT_EQ(ToHex(f.span()), ToHex(want.mpdu)) << "frame " << want.index << " " << want.type;
  };
  auto pump = [&] {
    for (bool progress = true; progress;) {
      progress = false;
      Event ev;
      OutFrame f;
      while (dev.PollEvent(&ev)) dev_events.push_back(ev);
      while (cpan.PollEvent(&ev)) cpan_events.push_back(ev);
      while (dev.PollTransmit(&f)) {
        expect_next(f, "device");
        cpan.HandleFrame(f.span(), /*link=*/1, now);
        progress = true;
      }
      while (cpan.PollTransmit(&f)) {
        expect_next(f, "cpan");
        dev.HandleFrame(f.span(), now);
        progress = true;
      }
    }
  };
  ASSERT_EQ(dev.StartAssociation(now), Error::kOk);
  pump();
  ASSERT_EQ(dev.state(), DeviceCore::State::kAssociated);
  ASSERT_TRUE(cpan.HasSession(v_.secrets.uid));
  while (next < v_.frames.size()) {
    const Frame& f = v_.frames[next];
    ASSERT_TRUE(f.has_plaintext) << "frame " << f.index << " is not produced by a command";
    if (f.type == "DATA" && f.from == "device") {
      ASSERT_EQ(dev.SendData(f.plaintext, now), Error::kOk);
    } else if (f.type == "DATA") {
      ASSERT_EQ(cpan.SendData(v_.secrets.uid, f.plaintext, now), Error::kOk);
    } else if (f.type == "BROADCAST") {
      ASSERT_EQ(cpan.SendBroadcast(f.plaintext, now), Error::kOk);
    } else {
      FAIL() << "unexpected frame " << f.index << " " << f.type;
    }
    const size_t before = next;
    pump();
    ASSERT_GT(next, before) << "the command put nothing on the air";
  }
  EXPECT_EQ(next, v_.frames.size());
  EXPECT_EQ(dev_rnd.remaining(), 0u);
  EXPECT_EQ(cpan_rnd.remaining(), 0u);
  EXPECT_EQ(dev_rnd.failures() + cpan_rnd.failures(), 0u);
  // Delivered plaintexts, and no security event on either side.
  std::vector<Bytes> delivered;
  for (const auto* evs : {&cpan_events, &dev_events}) {
    for (const Event& e : *evs) {
      EXPECT_FALSE(IsSecurityEvent(e.kind)) << EventKindName(e.kind);
      if (e.kind == EventKind::kDataReceived || e.kind == EventKind::kBroadcastReceived)
        delivered.emplace_back(e.data.begin(), e.data.begin() + e.data_len);
    }
  }
  std::vector<Bytes> sent;
  for (const Frame& f : v_.frames)
    if (f.type == "DATA" && !f.key_confirm) sent.push_back(f.plaintext);
  for (const Frame& f : v_.frames)
    if (f.type == "BROADCAST") sent.push_back(f.plaintext);
  EXPECT_EQ(delivered, sent);
}

INSTANTIATE_TEST_SUITE_P(Files, VectorFile, ::testing::ValuesIn(VectorFiles()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string n = param_info.param.substr(0, param_info.param.rfind('.'));
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace vigil
