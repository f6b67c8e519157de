#include "edge/privacy/privacy_budget.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/private_file.h"
#include "common/test_temp_dir.h"

namespace vigil::privacy {
namespace {

using testing::FileMode;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

Epsilon Eps(double e) {
  Epsilon out;
  EXPECT_EQ(EpsilonFromDouble(e, &out), Error::kOk) << e;
  return out;
}

TEST(PrivacyBudget, EpsilonIsExactInMillionths) {
  EXPECT_EQ(Eps(0.1).micro, 100000u);
  EXPECT_EQ(Eps(1).micro, 1000000u);
  Epsilon e;
  EXPECT_EQ(EpsilonFromDouble(0, &e), Error::kInvalidArgument);
  EXPECT_EQ(EpsilonFromDouble(-1, &e), Error::kInvalidArgument);
  EXPECT_EQ(EpsilonFromDouble(1e-7, &e), Error::kInvalidArgument);
  EXPECT_EQ(EpsilonFromDouble(101, &e), Error::kInvalidArgument);
  EXPECT_EQ(EpsilonFromDouble(std::nan(""), &e), Error::kInvalidArgument);
}

TEST(PrivacyBudget, BudgetRefusedWhenSpent) {
  PrivacyBudget b(Eps(1.0));
  std::string why;
  // Ten releases of 0.1 spend 1.0 exactly (no floating drift refuses the tenth).
  for (int i = 0; i < 10; ++i) ASSERT_EQ(b.Charge("icu", "2025-06-12", Eps(0.1), &why), Error::kOk);
  EXPECT_EQ(b.Remaining("icu", "2025-06-12").micro, 0u);
  EXPECT_EQ(b.Charge("icu", "2025-06-12", Epsilon{1}, &why), Error::kInvalidState);
  EXPECT_EQ(why,
            "privacy budget of ward \"icu\", period \"2025-06-12\" is spent: 1.0 of 1.0 used, "
            "this release asks 0.000001");
  EXPECT_EQ(b.Spent("icu", "2025-06-12").micro, 1000000u);  // the refusal charged nothing
  // Other wards and periods have budgets of their own.
  EXPECT_EQ(b.Charge("cardiology", "2025-06-12", Eps(1.0), &why), Error::kOk);
  EXPECT_EQ(b.Charge("icu", "2025-06-13", Eps(0.6), &why), Error::kOk);
  EXPECT_EQ(b.Charge("icu", "2025-06-13", Eps(0.5), &why), Error::kInvalidState);
  EXPECT_EQ(b.Charge("icu", "2025-06-13", Eps(0.4), &why), Error::kOk);
  EXPECT_EQ(b.Charge("icu", "bad\tperiod", Eps(0.1), &why), Error::kInvalidArgument);
  EXPECT_EQ(b.Charge("icu", "p", Epsilon{0}, &why), Error::kInvalidArgument);
}

TEST(PrivacyBudget, SpentBudgetSurvivesARestart) {
  TempDir dir;
  const std::string path = dir.File("budget");
  std::string why;
  {
    PrivacyBudget b(Eps(1.0));
    ASSERT_EQ(b.Open(path, &why), Error::kOk) << why;
    ASSERT_EQ(b.Charge("icu", "2025-06-12", Eps(0.7), &why), Error::kOk) << why;
  }
  EXPECT_EQ(FileMode(path), 0600u);
  PrivacyBudget again(Eps(1.0));
  ASSERT_EQ(again.Open(path, &why), Error::kOk) << why;
  EXPECT_EQ(again.Spent("icu", "2025-06-12").micro, 700000u);
  EXPECT_EQ(again.Charge("icu", "2025-06-12", Eps(0.4), &why), Error::kInvalidState);
  EXPECT_EQ(again.Charge("icu", "2025-06-12", Eps(0.3), &why), Error::kOk);
}

// Flip every byte: each damaged file is refused as corrupt (a silently misread digit could
// refill a budget) and left as it was.
TEST(PrivacyBudget, DamagedBudgetFileIsRefusedNotReset) {
  TempDir dir;
  const std::string path = dir.File("budget");
  std::string why;
  {
    PrivacyBudget b(Eps(1.0));
    ASSERT_EQ(b.Open(path, &why), Error::kOk);
    ASSERT_EQ(b.Charge("icu", "2025-06-12", Eps(0.7), &why), Error::kOk);
    ASSERT_EQ(b.Charge("ward 5", "2025-06-12", Eps(0.2), &why), Error::kOk);
  }
  const std::vector<uint8_t> good = ReadAll(path);
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x01;
    WriteAll(path, bad, 0600);
    PrivacyBudget b(Eps(1.0));
    EXPECT_EQ(b.Open(path, &why), Error::kCorrupt) << "byte " << i;
    EXPECT_EQ(ReadAll(path), bad);
  }
  WriteAll(path, std::vector<uint8_t>(good.begin(), good.end() - 10), 0600);
  PrivacyBudget truncated(Eps(1.0));
  EXPECT_EQ(truncated.Open(path, &why), Error::kCorrupt);
  WriteAll(path, good, 0644);
  PrivacyBudget open_to_all(Eps(1.0));
  EXPECT_EQ(open_to_all.Open(path, &why), Error::kInvalidState);
}

TEST(PrivacyBudget, ChargeThatCannotBeWrittenIsRefusedAndNotCounted) {
  TempDir dir;
  const std::string path = dir.File("budget");
  std::string why;
  PrivacyBudget b(Eps(1.0));
  ASSERT_EQ(b.Open(path, &why), Error::kOk);
  ASSERT_EQ(b.Charge("icu", "p1", Eps(0.5), &why), Error::kOk);
  InjectFileFault(FileFault::kNoSpace);
  EXPECT_EQ(b.Charge("icu", "p1", Eps(0.3), &why), Error::kIo);
  EXPECT_EQ(b.Spent("icu", "p1").micro, 500000u);
  PrivacyBudget reread(Eps(1.0));
  ASSERT_EQ(reread.Open(path, &why), Error::kOk);
  EXPECT_EQ(reread.Spent("icu", "p1").micro, 500000u);
  EXPECT_EQ(b.Charge("icu", "p1", Eps(0.5), &why), Error::kOk);
}

}  // namespace
}  // namespace vigil::privacy
