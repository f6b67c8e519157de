#include "edge/privacy/ward_aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "connection/crypto/openssl_provider.h"

namespace vigil::privacy {
namespace {

Epsilon Eps(double e) {
  Epsilon out;
  EXPECT_EQ(EpsilonFromDouble(e, &out), Error::kOk);
  return out;
}

WardMeanQuery HeartRate(double epsilon, std::string period = "2025-06-12") {
  WardMeanQuery q;
  q.ward = "icu";
  q.period = std::move(period);
  q.vital = Vital::kHeartRate;
  q.bounds = DefaultResearchBounds(Vital::kHeartRate);
  q.epsilon = Eps(epsilon);
  return q;
}

std::vector<PatientValue> Ward(size_t n, double base) {
  std::vector<PatientValue> v;
  for (size_t i = 0; i < n; ++i)
    v.push_back({"p" + std::to_string(i), base + static_cast<double>(i % 7) * 3});
  return v;
}

class CountingRandom final : public RandomSource {
 public:
  Error Fill(MutableByteSpan out) override {
    ++fills;
    return inner.Fill(out);
  }
  SeededRandom inner{9};
  int fills = 0;
};

TEST(WardAggregate, SensitivityAndScalesFollowTheDeclaredBounds) {
  PrivacyBudget budget(Eps(1.0));
  SeededRandom rng(1);
  WardMeanRelease r;
  std::string why;
  ASSERT_EQ(ReleaseWardMean(HeartRate(1.0), Ward(30, 70), budget, rng, &r, &why), Error::kOk)
      << why;
  EXPECT_EQ(r.sensitivity_units, 850);  // [30, 200] at 0.1: half the range, centred on 115
  EXPECT_DOUBLE_EQ(r.centre, 115.0);
  EXPECT_EQ(r.epsilon_sum.micro + r.epsilon_count.micro, 1000000u);
  EXPECT_DOUBLE_EQ(r.sum_noise_scale, 170.0);  // 85 /min / 0.5
  EXPECT_DOUBLE_EQ(r.count_noise_scale, 2.0);  // 1 patient / 0.5
  EXPECT_GE(r.mean, 30.0);
  EXPECT_LE(r.mean, 200.0);
}

TEST(WardAggregate, ReleasesAreCentredOnTheTrueMean) {
  const std::vector<PatientValue> ward = Ward(30, 70);
  double truth = 0;
  for (const PatientValue& v : ward) truth += v.value;
  truth /= static_cast<double>(ward.size());
  SeededRandom rng(2);
  double sum = 0;
  constexpr int kRuns = 2000;
  for (int i = 0; i < kRuns; ++i) {
    PrivacyBudget budget(Eps(1.0));
    WardMeanRelease r;
    ASSERT_EQ(ReleaseWardMean(HeartRate(1.0), ward, budget, rng, &r, nullptr), Error::kOk);
    sum += r.mean;
  }
  // One release errs by about 170 / 30 = 5.7 /min; the average of 2000 by ~0.2.
  EXPECT_NEAR(sum / kRuns, truth, 1.0);
}

// One patient with a thousand readings weighs as much as one with a single reading: the
// sensitivity argument counts patients, not readings.
TEST(WardAggregate, OnePatientWithManyReadingsCountsOnce) {
  std::vector<PatientValue> values(1000, PatientValue{"busy", 190});
  values.push_back({"quiet-1", 60});
  values.push_back({"quiet-2", 60});
  values.push_back({"quiet-2", std::nan("")});  // ignored
  PrivacyBudget budget(Eps(100));
  SeededRandom rng(3);
  WardMeanRelease r;
  ASSERT_EQ(ReleaseWardMean(HeartRate(100), values, budget, rng, &r, nullptr), Error::kOk);
  EXPECT_EQ(r.count, 3.0);                          // count noise scale 0.02: exact here
  EXPECT_NEAR(r.mean, (190 + 60 + 60) / 3.0, 2.0);  // not the reading-weighted 189.7
}

TEST(WardAggregate, ValuesAreClampedToTheDeclaredBounds) {
  const std::vector<PatientValue> values = {{"a", 1000}, {"b", 1000}, {"c", -50}};
  PrivacyBudget budget(Eps(100));
  SeededRandom rng(4);
  WardMeanRelease r;
  ASSERT_EQ(ReleaseWardMean(HeartRate(100), values, budget, rng, &r, nullptr), Error::kOk);
  EXPECT_NEAR(r.mean, (200 + 200 + 30) / 3.0, 2.0);
}

TEST(WardAggregate, SpentBudgetRefusesBeforeAnyNoiseIsDrawn) {
  PrivacyBudget budget(Eps(1.0));
  CountingRandom rng;
  WardMeanRelease r;
  std::string why;
  ASSERT_EQ(ReleaseWardMean(HeartRate(0.6), Ward(30, 70), budget, rng, &r, &why), Error::kOk);
  const int fills = rng.fills;
  EXPECT_GT(fills, 0);
  EXPECT_EQ(ReleaseWardMean(HeartRate(0.6), Ward(30, 70), budget, rng, &r, &why),
            Error::kInvalidState);
  EXPECT_EQ(rng.fills, fills);
  EXPECT_NE(why.find("is spent"), std::string::npos);
  double count = 0;
  const std::vector<std::string> ids = {"a", "b", "a"};
  EXPECT_EQ(ReleaseWardCount({"icu", "2025-06-12", Eps(0.5)}, ids, budget, rng, &count, &why),
            Error::kInvalidState);
  EXPECT_EQ(ReleaseWardCount({"icu", "2025-06-12", Eps(0.4)}, ids, budget, rng, &count, &why),
            Error::kOk);
}

TEST(WardAggregate, CountCountsDistinctPatients) {
  PrivacyBudget budget(Eps(100));
  SeededRandom rng(5);
  const std::vector<std::string> ids = {"a", "b", "a", "c", "b"};
  double count = -1;
  ASSERT_EQ(ReleaseWardCount({"icu", "p", Eps(100)}, ids, budget, rng, &count, nullptr),
            Error::kOk);
  EXPECT_EQ(count, 3.0);
}

TEST(WardAggregate, BadBoundsAreRefused) {
  PrivacyBudget budget(Eps(1.0));
  SeededRandom rng(6);
  WardMeanRelease r;
  WardMeanQuery q = HeartRate(1.0);
  q.bounds = {200, 30, 0.1};
  EXPECT_EQ(ReleaseWardMean(q, {}, budget, rng, &r, nullptr), Error::kInvalidArgument);
  q.bounds = {30, 200, 0};
  EXPECT_EQ(ReleaseWardMean(q, {}, budget, rng, &r, nullptr), Error::kInvalidArgument);
  q = HeartRate(1.0);
  q.epsilon = Epsilon{1};
  EXPECT_EQ(ReleaseWardMean(q, {}, budget, rng, &r, nullptr), Error::kInvalidArgument);
  EXPECT_EQ(budget.Spent("icu", "2025-06-12").micro, 0u);
}

}  // namespace
}  // namespace vigil::privacy
