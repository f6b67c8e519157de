#include "cloud/auth/password_policy.h"

#include <gtest/gtest.h>

namespace vigil::auth {
namespace {

TEST(PasswordPolicy, ShortPasswordIsRefusedCountingCharactersNotBytes) {
  const PasswordPolicy p;
  EXPECT_EQ(CheckPasswordPolicy("short-pass1", "ada", p), "at least 12 characters");
  // Eleven code points in 22 bytes: still too short.
  EXPECT_TRUE(CheckPasswordPolicy(
                  "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", "ada", p)
                  .has_value());
  EXPECT_FALSE(CheckPasswordPolicy("gentle otter under tall pines", "ada", p).has_value());
}

TEST(PasswordPolicy, OverlongPasswordIsRefused) {
  EXPECT_TRUE(
      CheckPasswordPolicy(std::string(1025, 'x') + "q", "ada", PasswordPolicy{}).has_value());
}

TEST(PasswordPolicy, PasswordContainingTheAccountNameIsRefused) {
  EXPECT_EQ(CheckPasswordPolicy("nurse.ada-is-on-call", "nurse.ada", PasswordPolicy{}),
            "must not contain the account name");
  EXPECT_TRUE(CheckPasswordPolicy("NURSE.ADA.2024.icu", "nurse.ada", PasswordPolicy{}).has_value());
}

TEST(PasswordPolicy, ShippedListRefusesCommonPasswordsAndTheirDecoratedForms) {
  EXPECT_GT(BreachedListSize(), 3000u);
  // Entries of password.lst, as is and decorated as people do.
  EXPECT_TRUE(IsBreachedPassword("password"));
  EXPECT_TRUE(IsBreachedPassword("winniethepooh"));
  EXPECT_TRUE(IsBreachedPassword("Password2024!"));
  EXPECT_TRUE(IsBreachedPassword("!!iloveyou123456"));
  EXPECT_TRUE(IsBreachedPassword("qwertyqwertyqwerty"));
  EXPECT_TRUE(IsBreachedPassword("aaaaaaaaaaaaaaaa")) << "one letter repeated";
  EXPECT_FALSE(IsBreachedPassword("gentle otter under tall pines"));
  EXPECT_EQ(CheckPasswordPolicy("Password2024!", "ada", PasswordPolicy{}),
            "on a list of breached or common passwords; choose another");
  PasswordPolicy off;
  off.check_breached = false;
  EXPECT_FALSE(CheckPasswordPolicy("Password2024!", "ada", off).has_value());
}

}  // namespace
}  // namespace vigil::auth
