#include "ids/signatures.h"

#include <gtest/gtest.h>

#include <set>

namespace vigil::ids {
namespace {

TEST(Signatures, IdsAreUniqueSortedAndSeveritiesInRange) {
  std::set<int> ids;
  int previous = 0;
  for (const Signature& s : AllSignatures()) {
    EXPECT_TRUE(ids.insert(s.id).second) << "duplicate id " << s.id;
    EXPECT_GT(s.id, previous) << "catalogue must stay ordered by id";
    previous = s.id;
    EXPECT_GE(s.severity, 1);
    EXPECT_LE(s.severity, 3);
    EXPECT_FALSE(s.name.empty());
    EXPECT_FALSE(s.category.empty());
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST(Signatures, MakeAlertCopiesTheRule) {
  Alert a = MakeAlert(sig::kBruteForceDevice);
  EXPECT_EQ(a.signature_id, 9100040);
  EXPECT_EQ(a.severity, 1);
  EXPECT_EQ(a.category, "Attempted User Privilege Gain");
}

}  // namespace
}  // namespace vigil::ids
