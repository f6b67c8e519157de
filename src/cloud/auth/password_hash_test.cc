#include "cloud/auth/password_hash.h"

#include <gtest/gtest.h>

namespace vigil::auth {
namespace {

// Small parameters keep the suite quick; the defaults are exercised once.
constexpr ScryptParams kFast{10, 8, 1};

TEST(PasswordHash, DefaultParametersRoundTrip) {
  auto h = HashPassword("correct horse battery staple", ScryptParams{});
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$scrypt$ln=15,r=8,p=1$"));
  EXPECT_EQ(VerifyPassword("correct horse battery staple", *h), PasswordCheck::kMatch);
  EXPECT_EQ(VerifyPassword("correct horse battery stapl", *h), PasswordCheck::kMismatch);
}

TEST(PasswordHash, SaltMakesEqualPasswordsHashApart) {
  EXPECT_NE(*HashPassword("pw", kFast), *HashPassword("pw", kFast));
}

TEST(PasswordHash, RfcVectorMatchesOpenSslScrypt) {
  // RFC 7914 section 12, third vector: P="pleaseletmein", S="SodiumChloride", N=16384, r=8,
  // p=1, the first 32 bytes of the 64-byte output, in our encoding.
  const std::string enc =
      "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046_2o-7qQT44-qbVD9lRdofI";
  // (PBKDF2's blocks are independent, so a 32-byte output is the 64-byte one's prefix.)
  EXPECT_EQ(VerifyPassword("pleaseletmein", enc), PasswordCheck::kMatch);
  EXPECT_EQ(VerifyPassword("pleaseletmeout", enc), PasswordCheck::kMismatch);
}

TEST(PasswordHash, TamperedOrHostileHashStringsAreRefused) {
  const std::string h = *HashPassword("pw", kFast);
  for (const std::string& bad :
       {std::string(""), std::string("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
        h.substr(0, h.size() - 1), h + "A",
        std::string("$scrypt$ln=30,r=8,p=1$") + h.substr(h.find('$', 20) + 1),
        std::string("$scrypt$ln=15,r=99,p=1$") + h.substr(h.find('$', 20) + 1),
        std::string("$scrypt$ln=015,r=8,p=1$") + h.substr(h.find('$', 20) + 1)}) {
    EXPECT_EQ(VerifyPassword("pw", bad), PasswordCheck::kMalformedHash) << bad;
  }
  std::string flipped = h;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyPassword("pw", flipped), PasswordCheck::kMismatch);
}

TEST(PasswordHash, OverlongPasswordIsRefusedNotTruncated) {
  const std::string h = *HashPassword("pw", kFast);
  EXPECT_EQ(VerifyPassword(std::string(kMaxPasswordBytes + 1, 'a'), h), PasswordCheck::kTooLong);
  EXPECT_FALSE(HashPassword(std::string(kMaxPasswordBytes + 1, 'a'), kFast).has_value());
}

TEST(PasswordHash, WeakerParametersNeedRehash) {
  const std::string h = *HashPassword("pw", kFast);
  EXPECT_TRUE(NeedsRehash(h, ScryptParams{}));
  EXPECT_FALSE(NeedsRehash(h, kFast));
  EXPECT_TRUE(NeedsRehash("garbage", kFast));
}

TEST(PasswordHash, DummyVerifyNeverMatches) { EXPECT_FALSE(VerifyAgainstDummy("anything", kFast)); }

}  // namespace
}  // namespace vigil::auth
