// A prepared key (MacKey with a handle) must give the same bytes as the key itself: the
// cores pass their long-term keys prepared, the test vectors pass bytes.
#include "connection/session_crypto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

using Bytes = std::vector<uint8_t>;
using wire::Version;

Transcript MakeTranscript(Version v) {
  Transcript t;
  t.version = v;
  t.device_uid = 0x00124b0000000001ULL;
  t.cpan_uid = 0x00124b0000c0ffeeULL;
  for (size_t i = 0; i < t.nd.size(); ++i) {
    t.nd[i] = static_cast<uint8_t>(i);
    t.nc[i] = static_cast<uint8_t>(0x40 + i);
    t.ncf[i] = static_cast<uint8_t>(0x80 + i);
  }
  return t;
}

// Both sessions seal the same block the same way when their keys are the same.
Bytes Seal(CryptoProvider& c, const SessionKeys& k) {
  std::array<uint8_t, 40> msg{};
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i * 7);
  FrameAddress a{wire::Direction::kCpanToDevice, 1, 2};
  EXPECT_EQ(ProtectMessage(c, k, Version::kHardened, a, 9, true, msg, 8, 24, 8), Error::kOk);
  std::array<uint8_t, 40> mac_msg = msg;
  EXPECT_EQ(ProtectMessage(c, k, Version::kHardened, a, 9, false, mac_msg, 8, 16, 16), Error::kOk);
  Bytes out(2 * msg.size());
  std::copy(msg.begin(), msg.end(), out.begin());
  std::copy(mac_msg.begin(), mac_msg.end(), out.begin() + static_cast<long>(msg.size()));
  return out;
}

class PreparedKeys : public ::testing::TestWithParam<Version> {};

TEST_P(PreparedKeys, GiveTheSameTagsAndSessionKeysAsTheBytes) {
  OpenSslCrypto c;
  const Transcript t = MakeTranscript(GetParam());
  std::array<uint8_t, 32> secret{}, r3{};
  std::array<uint8_t, 16> kd{};
  for (size_t i = 0; i < secret.size(); ++i) {
    secret[i] = static_cast<uint8_t>(0xA0 ^ i);
    r3[i] = static_cast<uint8_t>(0x30 + i);
  }
  for (size_t i = 0; i < kd.size(); ++i) kd[i] = static_cast<uint8_t>(0x11 * i);
  KeyHandle hs, hk, hr;
  ASSERT_EQ(c.MacImport(secret, &hs), Error::kOk);
  ASSERT_EQ(c.MacImport(kd, &hk), Error::kOk);
  ASSERT_EQ(c.MacImport(r3, &hr), Error::kOk);
  const MacKey bytes_secret(secret), bytes_kd(kd), bytes_r3(r3);
  const MacKey prep_secret(secret, hs), prep_kd(kd, hk), prep_r3(r3, hr);
  const Bytes prefix = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const size_t answer = GetParam() == Version::kHardened ? 8 : 4;
  const size_t confirm = GetParam() == Version::kHardened ? 16 : 32;
  struct Out {
    Bytes proof = Bytes(16), answer, confirm_req = Bytes(16), confirm;
  } a, b;
  a.answer.resize(answer);
  b.answer.resize(answer);
  a.confirm.resize(confirm);
  b.confirm.resize(confirm);
  ASSERT_EQ(CpanProof(c, bytes_secret, t, prefix, a.proof), Error::kOk);
  ASSERT_EQ(CpanProof(c, prep_secret, t, prefix, b.proof), Error::kOk);
  ASSERT_EQ(DeviceAnswer(c, bytes_secret, t, prefix, a.answer), Error::kOk);
  ASSERT_EQ(DeviceAnswer(c, prep_secret, t, prefix, b.answer), Error::kOk);
  ASSERT_EQ(ConfirmRequestTag(c, bytes_kd, t, prefix, a.confirm_req), Error::kOk);
  ASSERT_EQ(ConfirmRequestTag(c, prep_kd, t, prefix, b.confirm_req), Error::kOk);
  ASSERT_EQ(ConfirmAnswer(c, bytes_r3, t, prefix, a.confirm), Error::kOk);
  ASSERT_EQ(ConfirmAnswer(c, prep_r3, t, prefix, b.confirm), Error::kOk);
  EXPECT_EQ(a.proof, b.proof);
  EXPECT_EQ(a.answer, b.answer);
  EXPECT_EQ(a.confirm_req, b.confirm_req);
  EXPECT_EQ(a.confirm, b.confirm);
  // Keys of different roles must not be confused with each other.
  EXPECT_NE(a.proof, a.confirm_req);

  SessionKeys ka, kb;
  ASSERT_EQ(DeriveSessionKeys(c, bytes_secret, t, &ka), Error::kOk);
  ASSERT_EQ(DeriveSessionKeys(c, prep_secret, t, &kb), Error::kOk);
  EXPECT_EQ(Seal(c, ka), Seal(c, kb));
  ka.Release(c);
  kb.Release(c);
  c.Release(&hs);
  c.Release(&hk);
  c.Release(&hr);
}

INSTANTIATE_TEST_SUITE_P(Versions, PreparedKeys,
                         ::testing::Values(Version::kV1, Version::kV2, Version::kV3Paper,
                                           Version::kHardened),
                         [](const auto& param_info) {
                           std::string n = wire::VersionName(param_info.param);
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace vigil
