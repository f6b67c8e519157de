#include "cloud/auth/totp.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::auth {
namespace {

ByteSpan Bytes(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// The RFC's seeds: "12345678901234567890" repeated to the hash's size.
std::string Seed(const std::string& mode) {
  const std::string base = "1234567890";
  const size_t n = mode == "SHA1" ? 20 : mode == "SHA256" ? 32 : 64;
  std::string s;
  while (s.size() < n) s += base;
  return s.substr(0, n);
}

TEST(Totp, Rfc6238AppendixBVectorsFromTheDataFile) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/auth/rfc6238-vectors.csv");
  ASSERT_TRUE(in) << "testdata/auth/rfc6238-vectors.csv missing";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.starts_with("unix_time")) continue;
    std::stringstream ss(line);
    std::string time, step_hex, code, mode;
    std::getline(ss, time, ',');
    std::getline(ss, step_hex, ',');
    std::getline(ss, code, ',');
    std::getline(ss, mode, ',');
    TotpParams p;
    p.digits = 8;
    p.algorithm = mode == "SHA1"     ? TotpAlgorithm::kSha1
                  : mode == "SHA256" ? TotpAlgorithm::kSha256
                                     : TotpAlgorithm::kSha512;
    const TimeUs now = std::stoll(time) * kSeconds;
    const int64_t step = TotpStep(now, p);
    EXPECT_EQ(step, std::stoll(step_hex, nullptr, 16)) << line;
    const std::string seed = Seed(mode);
    EXPECT_EQ(TotpCodeAt(Bytes(seed), step, p).value_or(""), code) << line;
    EXPECT_EQ(MatchTotp(Bytes(seed), code, now, -1, p), step) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 18) << "Appendix B has 18 vectors";
}

TEST(Totp, OneStepOfSkewEitherWayIsAcceptedTwoIsNot) {
  const std::string seed = Seed("SHA1");
  TotpParams p;
  const TimeUs now = 1'750'000'020LL * kSeconds;
  const int64_t s = TotpStep(now, p);
  for (int64_t d : {-1, 0, 1}) {
    const std::string code = *TotpCodeAt(Bytes(seed), s + d, p);
    EXPECT_EQ(MatchTotp(Bytes(seed), code, now, -1, p), s + d) << d;
  }
  for (int64_t d : {-2, 2}) {
    const std::string code = *TotpCodeAt(Bytes(seed), s + d, p);
    // (A six-digit code can collide with a neighbour's; these do not, for this seed.)
    EXPECT_FALSE(MatchTotp(Bytes(seed), code, now, -1, p).has_value()) << d;
  }
}

TEST(Totp, CodeOfAnAcceptedStepOrEarlierIsRefusedAsReplay) {
  const std::string seed = Seed("SHA1");
  TotpParams p;
  const TimeUs now = 1'750'000'020LL * kSeconds;
  const int64_t s = TotpStep(now, p);
  const std::string code = *TotpCodeAt(Bytes(seed), s, p);
  EXPECT_FALSE(MatchTotp(Bytes(seed), code, now, s, p).has_value());
  EXPECT_FALSE(MatchTotp(Bytes(seed), *TotpCodeAt(Bytes(seed), s - 1, p), now, s, p).has_value());
  EXPECT_EQ(MatchTotp(Bytes(seed), *TotpCodeAt(Bytes(seed), s + 1, p), now, s, p), s + 1);
}

TEST(Totp, MalformedCodesAreRefused) {
  const std::string seed = Seed("SHA1");
  TotpParams p;
  const TimeUs now = 1'750'000'020LL * kSeconds;
  const std::string good = *TotpCodeAt(Bytes(seed), TotpStep(now, p), p);
  for (const std::string& bad : {std::string(""), good.substr(0, 5), good + "0", " " + good,
                                 good.substr(0, 5) + "a", std::string("１２３４５６")}) {
    EXPECT_FALSE(MatchTotp(Bytes(seed), bad, now, -1, p).has_value()) << bad;
  }
  EXPECT_FALSE(TotpCodeAt({}, 1, p).has_value()) << "an empty secret";
}

TEST(Totp, Base32AndOtpauthUriAreWhatAuthenticatorAppsRead) {
  // RFC 4648 section 10: BASE32("foobar") = "MZXW6YTBOI======", padding dropped.
  EXPECT_EQ(Base32Encode(Bytes("foobar")), "MZXW6YTBOI");
  // Back again as the demo and a person typing it give it: any case, padded or not.
  const std::vector<uint8_t> foobar = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(Base32Decode("MZXW6YTBOI"), foobar);
  EXPECT_EQ(Base32Decode("mzxw6ytboi======"), foobar);
  EXPECT_FALSE(Base32Decode("MZXW6YTBO1").has_value()) << "1 is not a base32 digit";
  EXPECT_FALSE(Base32Decode("").has_value());
  const std::string uri = OtpauthUri("Vigil Site A", "nurse.ada@icu", "MZXW6YTBOI", TotpParams{});
  EXPECT_EQ(uri,
            "otpauth://totp/Vigil%20Site%20A:nurse.ada%40icu?secret=MZXW6YTBOI&issuer=Vigil%20"
            "Site%20A&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace vigil::auth
