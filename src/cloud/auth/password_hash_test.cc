#include "cloud/auth/password_hash.h"

#include <gtest/gtest.h>

namespace vigil::auth {
namespace {

// Small parameters keep the suite quick; the defaults are exercised once.
constexpr ScryptParams kFast{10, 8, 1};
constexpr Argon2Params kFastArgon{1024, 1, 1};

TEST(PasswordHash, Argon2idDefaultParametersRoundTrip) {
  auto h = HashPassword("correct horse battery staple", Argon2Params{});
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *h;
  EXPECT_EQ(VerifyPassword("correct horse battery staple", *h), PasswordCheck::kMatch);
  EXPECT_EQ(VerifyPassword("correct horse battery stapl", *h), PasswordCheck::kMismatch);
  EXPECT_FALSE(NeedsRehash(*h, Argon2Params{}));
}

TEST(PasswordHash, Argon2idReferenceVectorVerifies) {
  // The reference implementation's test vector for Argon2id v1.3 (its src/test.c):
  // password "password", salt "somesalt", t=2, m=2^16 KiB, p=1, a 32-byte tag.
  const std::string enc =
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  EXPECT_EQ(VerifyPassword("password", enc), PasswordCheck::kMatch);
  EXPECT_EQ(VerifyPassword("passwore", enc), PasswordCheck::kMismatch);
}

TEST(PasswordHash, ScryptHashStillVerifiesAndNeedsRehash) {
  auto h = HashScryptPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(VerifyPassword("correct horse battery staple", *h), PasswordCheck::kMatch);
  EXPECT_TRUE(NeedsRehash(*h, kFastArgon));
}

TEST(PasswordHash, HostileArgon2ParametersAreRefusedBeforeHashing) {
  const std::string h = *HashPassword("pw", kFastArgon);
  const std::string tail = h.substr(h.find('$', 20));  // "$salt$hash"
  for (const std::string& bad :
       {std::string("$argon2id$v=19$m=4194304,t=1,p=1") + tail,  // 4 GiB
        std::string("$argon2id$v=19$m=1024,t=99,p=1") + tail,
        std::string("$argon2id$v=19$m=1024,t=1,p=0") + tail,
        std::string("$argon2id$v=19$m=01024,t=1,p=1") + tail,
        std::string("$argon2id$v=16$m=1024,t=1,p=1") + tail,
        std::string("$argon2i$v=19$m=1024,t=1,p=1") + tail, h + "=", h.substr(0, h.size() - 2)}) {
    EXPECT_EQ(VerifyPassword("pw", bad), PasswordCheck::kMalformedHash) << bad;
  }
  EXPECT_FALSE(HashPassword("pw", Argon2Params{512, 1, 1}).has_value());
}

TEST(PasswordHash, WeakerArgon2ParametersNeedRehash) {
  const std::string h = *HashPassword("pw", kFastArgon);
  EXPECT_FALSE(NeedsRehash(h, kFastArgon));
  EXPECT_TRUE(NeedsRehash(h, Argon2Params{2048, 1, 1}));
  EXPECT_TRUE(NeedsRehash(h, Argon2Params{1024, 2, 1}));
}

TEST(PasswordHash, ScryptDefaultParametersRoundTrip) {
  auto h = HashScryptPassword("correct horse battery staple", ScryptParams{});
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$scrypt$ln=15,r=8,p=1$"));
  EXPECT_EQ(VerifyPassword("correct horse battery staple", *h), PasswordCheck::kMatch);
  EXPECT_EQ(VerifyPassword("correct horse battery stapl", *h), PasswordCheck::kMismatch);
}

TEST(PasswordHash, SaltMakesEqualPasswordsHashApart) {
  EXPECT_NE(*HashScryptPassword("pw", kFast), *HashScryptPassword("pw", kFast));
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
  const std::string h = *HashScryptPassword("pw", kFast);
  for (const std::string& bad :
       {std::string(""), std::string("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),  // too short
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
  const std::string h = *HashScryptPassword("pw", kFast);
  EXPECT_EQ(VerifyPassword(std::string(kMaxPasswordBytes + 1, 'a'), h), PasswordCheck::kTooLong);
  EXPECT_FALSE(HashPassword(std::string(kMaxPasswordBytes + 1, 'a'), kFastArgon).has_value());
}

TEST(PasswordHash, GarbageNeedsRehash) { EXPECT_TRUE(NeedsRehash("garbage", kFastArgon)); }

TEST(PasswordHash, DummyVerifyNeverMatches) {
  EXPECT_FALSE(VerifyAgainstDummy("anything", kFastArgon));
}

}  // namespace
}  // namespace vigil::auth
