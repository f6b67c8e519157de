#include "connection/otp.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

ByteSpan Ascii(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// RFC 4226, Appendix D: secret "12345678901234567890", HMAC-SHA-1, 6 digits.
constexpr std::string_view kRfc4226Secret = "12345678901234567890";
constexpr uint32_t kRfc4226Hotp[10] = {755224, 287082, 359152, 969429, 338314,
                                       254676, 287922, 162583, 399871, 520489};

TEST(HotpRfc4226, AppendixDValues) {
  OpenSslCrypto c;
  for (uint64_t count = 0; count < 10; ++count) {
    Result<uint32_t> otp = HotpCounter(c, HashAlg::kSha1, Ascii(kRfc4226Secret), count, 6);
    ASSERT_TRUE(otp.ok()) << count;
    EXPECT_EQ(*otp, kRfc4226Hotp[count]) << "count " << count;
  }
}

// The moving factor is the counter as 8 big-endian bytes: the generic entry point with
// that encoding must agree with HotpCounter.
TEST(HotpRfc4226, MovingFactorIsBigEndianCounter) {
  OpenSslCrypto c;
  const uint8_t factor[8] = {0, 0, 0, 0, 0, 0, 0, 9};
  Result<uint32_t> otp = Hotp(c, HashAlg::kSha1, Ascii(kRfc4226Secret), factor, 6);
  ASSERT_TRUE(otp.ok());
  EXPECT_EQ(*otp, 520489u);
}

// RFC 6238, Appendix B, SHA-256 rows (8 digits): TOTP is HOTP over T = floor(t / 30),
// which checks dynamic truncation on a 32-byte MAC (offset from its last byte).
TEST(HotpSha256Rfc6238, AppendixBValues) {
  OpenSslCrypto c;
  constexpr std::string_view kSeed32 = "12345678901234567890123456789012";
  struct Row {
    uint64_t unix_time;
    uint32_t totp;
  };
  constexpr Row kRows[] = {{59, 46119246},         {1111111109, 68084774}, {1111111111, 67062674},
                           {1234567890, 91819424}, {2000000000, 90698825}, {20000000000, 77737706}};
  for (const Row& r : kRows) {
    Result<uint32_t> otp = HotpCounter(c, HashAlg::kSha256, Ascii(kSeed32), r.unix_time / 30, 8);
    ASSERT_TRUE(otp.ok()) << r.unix_time;
    EXPECT_EQ(*otp, r.totp) << "t = " << r.unix_time;
  }
}

TEST(Hotp, DigitsOutsideSixToNineAreRefused) {
  OpenSslCrypto c;
  for (int digits : {-1, 0, 5, 10, 31}) {
    Result<uint32_t> otp = HotpCounter(c, HashAlg::kSha256, Ascii(kRfc4226Secret), 1, digits);
    EXPECT_EQ(otp.error(), Error::kInvalidArgument) << digits;
  }
  for (int digits = 6; digits <= 9; ++digits) {
    Result<uint32_t> otp = HotpCounter(c, HashAlg::kSha256, Ascii(kRfc4226Secret), 1, digits);
    ASSERT_TRUE(otp.ok()) << digits;
    uint64_t limit = 1;
    for (int i = 0; i < digits; ++i) limit *= 10;
    EXPECT_LT(*otp, limit) << digits;
  }
}

// Nine digits keep the most of the 31-bit value: the 9-digit code must end with the
// 6-digit code of the same counter.
TEST(Hotp, FewerDigitsAreASuffixOfMore) {
  OpenSslCrypto c;
  for (uint64_t count = 0; count < 10; ++count) {
    Result<uint32_t> six = HotpCounter(c, HashAlg::kSha1, Ascii(kRfc4226Secret), count, 6);
    Result<uint32_t> nine = HotpCounter(c, HashAlg::kSha1, Ascii(kRfc4226Secret), count, 9);
    ASSERT_TRUE(six.ok() && nine.ok());
    EXPECT_EQ(*nine % 1000000, *six) << count;
  }
}

}  // namespace
}  // namespace vigil
