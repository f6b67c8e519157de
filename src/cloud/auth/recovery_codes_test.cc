#include "cloud/auth/recovery_codes.h"

#include <gtest/gtest.h>

#include <set>

namespace vigil::auth {
namespace {

TEST(RecoveryCodes, TenDistinctCodesOfFourGroupsOfFour) {
  const auto codes = GenerateRecoveryCodes();
  ASSERT_TRUE(codes.has_value());
  ASSERT_EQ(codes->size(), kRecoveryCodeCount);
  std::set<std::string> seen;
  for (const std::string& c : *codes) {
    ASSERT_EQ(c.size(), 19u) << c;
    EXPECT_EQ(c[4], '-');
    EXPECT_EQ(c[9], '-');
    EXPECT_EQ(c[14], '-');
    EXPECT_TRUE(NormaliseRecoveryCode(c).has_value()) << c;
    seen.insert(c);
  }
  EXPECT_EQ(seen.size(), kRecoveryCodeCount);
}

TEST(RecoveryCodes, TypedVariantsNormaliseToTheSameCode) {
  EXPECT_EQ(NormaliseRecoveryCode("ab1c-0d2e-f3gh-jk4m"), "ab1c0d2ef3ghjk4m");
  EXPECT_EQ(NormaliseRecoveryCode("AB1C 0D2E F3GH JK4M"), "ab1c0d2ef3ghjk4m");
  EXPECT_EQ(NormaliseRecoveryCode("abIc-Od2e-f3gh-jk4m"), "ab1c0d2ef3ghjk4m") << "I, O as 1, 0";
}

TEST(RecoveryCodes, WrongLengthOrLettersOutsideTheAlphabetAreNotCodes) {
  EXPECT_FALSE(NormaliseRecoveryCode("ab1c-0d2e-f3gh-jk4").has_value());
  EXPECT_FALSE(NormaliseRecoveryCode("ab1c-0d2e-f3gh-jk4mm").has_value());
  EXPECT_FALSE(NormaliseRecoveryCode("ab1c-0d2e-f3gh-jk4u").has_value()) << "u is not Crockford";
  EXPECT_FALSE(NormaliseRecoveryCode("123456").has_value());
  EXPECT_FALSE(NormaliseRecoveryCode(std::string(100, 'a')).has_value());
}

TEST(RecoveryCodes, HashIsBoundToTheUser) {
  EXPECT_NE(RecoveryCodeHash("ada", "ab1c0d2ef3ghjk4m"),
            RecoveryCodeHash("bob", "ab1c0d2ef3ghjk4m"));
  EXPECT_EQ(RecoveryCodeHash("ada", "ab1c0d2ef3ghjk4m"),
            RecoveryCodeHash("ada", "ab1c0d2ef3ghjk4m"));
}

}  // namespace
}  // namespace vigil::auth
