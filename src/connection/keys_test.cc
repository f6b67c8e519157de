#include "connection/keys.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "common/hex.h"
#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

ByteSpan Ascii(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(Credential, RefusesEmptyAndOverlong) {
  Credential cr;
  EXPECT_FALSE(cr.Set(ByteSpan()));
  std::array<uint8_t, kMaxCredentialSize + 1> big{};
  EXPECT_FALSE(cr.Set(big));
  EXPECT_EQ(cr.size, 0);
  EXPECT_TRUE(cr.Set(ByteSpan(big).first(kMaxCredentialSize)));
  EXPECT_EQ(cr.size, kMaxCredentialSize);
}

// A shorter credential set after a longer one must not leave the old tail behind.
TEST(Credential, ShorterValueWipesTheOldTail) {
  Credential cr;
  ASSERT_TRUE(cr.Set(Ascii("a-rather-long-password")));
  ASSERT_TRUE(cr.Set(Ascii("pin")));
  EXPECT_EQ(cr.size, 3);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(cr.span().data()), cr.size), "pin");
  for (size_t i = 3; i < cr.bytes.size(); ++i) EXPECT_EQ(cr.bytes[i], 0) << i;
}

// R1 = HMAC-SHA256(key = username, msg = password). With username "Jefe" and password
// "what do ya want for nothing?" this is RFC 4231 test case 2, so swapping key and
// message fails here.
TEST(CommonFunction, R1UsesUsernameAsHmacKey) {
  OpenSslCrypto c;
  std::array<uint8_t, 32> r1{};
  ASSERT_EQ(CommonFunctionR1(c, Ascii("Jefe"), Ascii("what do ya want for nothing?"), r1),
            Error::kOk);
  EXPECT_EQ(ToHex(r1), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

DeviceSecrets ExampleSecrets() {
  DeviceSecrets s;
  s.uid = 0x0011223344556677;
  for (size_t i = 0; i < s.kd.size(); ++i) s.kd[i] = static_cast<uint8_t>(i);
  for (size_t i = 0; i < s.secretkey2.size(); ++i) s.secretkey2[i] = static_cast<uint8_t>(0x20 + i);
  EXPECT_TRUE(s.username.Set(Ascii("nurse-station-7")));
  EXPECT_TRUE(s.password.Set(Ascii("correct horse")));
  return s;
}

// The full chain of Algorithm 1, pinned to a value computed with an independent HMAC
// implementation: R1 = b0bb498b..., R2 = HMAC(R1, Kd), R3 = HMAC(R2, Secretkey2).
TEST(CommonFunction, R3MatchesIndependentlyComputedChain) {
  OpenSslCrypto c;
  const DeviceSecrets s = ExampleSecrets();
  std::array<uint8_t, 32> r1{}, r3{};
  ASSERT_EQ(CommonFunctionR1(c, s.username.span(), s.password.span(), r1), Error::kOk);
  EXPECT_EQ(ToHex(r1), "b0bb498b9b89ac0b15f821687523492b2f296076b69b5412e76a9d3061313998");
  ASSERT_EQ(CommonFunctionR3(c, s, r3), Error::kOk);
  EXPECT_EQ(ToHex(r3), "d81924bc5a46354ee5925df0b50a3b5756e94cf961df39f94596b6d771073bef");
}

TEST(CommonFunction, R3DependsOnEverySecret) {
  OpenSslCrypto c;
  std::array<uint8_t, 32> base{}, other{};
  ASSERT_EQ(CommonFunctionR3(c, ExampleSecrets(), base), Error::kOk);

  DeviceSecrets s = ExampleSecrets();
  s.kd[15] ^= 1;
  ASSERT_EQ(CommonFunctionR3(c, s, other), Error::kOk);
  EXPECT_NE(other, base) << "Kd ignored";

  s = ExampleSecrets();
  s.secretkey2[0] ^= 1;
  ASSERT_EQ(CommonFunctionR3(c, s, other), Error::kOk);
  EXPECT_NE(other, base) << "Secretkey2 ignored";

  s = ExampleSecrets();
  ASSERT_TRUE(s.password.Set(Ascii("correct horsE")));
  ASSERT_EQ(CommonFunctionR3(c, s, other), Error::kOk);
  EXPECT_NE(other, base) << "password ignored";

  s = ExampleSecrets();
  s.uid ^= 1;  // the uid is not an input of Algorithm 1
  ASSERT_EQ(CommonFunctionR3(c, s, other), Error::kOk);
  EXPECT_EQ(other, base);
}

TEST(CommonFunction, WrongOutputSizeOrUnsetCredentialIsRefused) {
  OpenSslCrypto c;
  std::array<uint8_t, 16> small{};
  std::array<uint8_t, 32> out{};
  EXPECT_EQ(CommonFunctionR1(c, Ascii("u"), Ascii("p"), small), Error::kInvalidArgument);
  EXPECT_EQ(CommonFunctionR3(c, ExampleSecrets(), small), Error::kInvalidArgument);
  EXPECT_EQ(CommonFunctionR1(c, ByteSpan(), Ascii("p"), out), Error::kInvalidArgument);
  DeviceSecrets unset = ExampleSecrets();
  unset.password = Credential{};
  EXPECT_EQ(CommonFunctionR3(c, unset, out), Error::kInvalidArgument);
}

TEST(SecureZero, ClearsEveryByte) {
  std::array<uint8_t, 37> buf;
  buf.fill(0xa5);
  SecureZero(buf.data(), buf.size());
  for (uint8_t b : buf) EXPECT_EQ(b, 0);
  SecureZero(nullptr, 0);  // allowed
}

}  // namespace
}  // namespace vigil
