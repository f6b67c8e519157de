#include "ids/signatures.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

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
  EXPECT_EQ(ids.size(), 25u);
}

// Suricata's etc/classification.config (OISF/suricata): "config classification:
// shortname,short description,priority". Suricata derives an alert's severity from its
// classtype's priority, so a consumer that maps category to priority must get ours.
const std::map<std::string, int>& SuricataClasstypePriorities() {
  static const std::map<std::string, int> kTable = {
      {"Not Suspicious Traffic", 3},
      {"Unknown Traffic", 3},
      {"Potentially Bad Traffic", 2},
      {"Attempted Information Leak", 2},
      {"Attempted Denial of Service", 2},
      {"Denial of Service", 2},
      {"Attempted User Privilege Gain", 1},
      {"Unsuccessful User Privilege Gain", 1},
      {"Successful User Privilege Gain", 1},
      {"Attempted Administrator Privilege Gain", 1},
      {"Successful Administrator Privilege Gain", 1},
      {"Detection of a Network Scan", 3},
      {"Detection of a Denial of Service Attack", 2},
      {"Detection of a non-standard protocol or event", 2},
      {"Generic Protocol Command Decode", 3},
      {"Misc activity", 3},
      {"Misc Attack", 2},
      {"Targeted Malicious Activity was Detected", 1},
  };
  return kTable;
}

TEST(Signatures, SeverityDisagreesWithSuricataClasstypePriority) {
  for (const Signature& s : AllSignatures()) {
    const auto it = SuricataClasstypePriorities().find(std::string(s.category));
    ASSERT_NE(it, SuricataClasstypePriorities().end())
        << s.id << ": \"" << s.category << "\" is not a Suricata classtype description";
    EXPECT_EQ(s.severity, it->second) << s.id << " " << s.name;
    EXPECT_GE(s.rev, 1);
  }
}

TEST(Signatures, RefusedInputsAreReportedAsBlocked) {
  EXPECT_EQ(sig::kAuthFailed.action, AlertAction::kBlocked);
  EXPECT_EQ(sig::kReplay.action, AlertAction::kBlocked);
  EXPECT_EQ(sig::kRateLimited.action, AlertAction::kBlocked);
  EXPECT_EQ(sig::kBroadcastForgery.action, AlertAction::kBlocked);
  EXPECT_EQ(sig::kConfirmationFailed.action, AlertAction::kBlocked);
  EXPECT_EQ(sig::kIdentityConflict.action, AlertAction::kBlocked);
  // Accepted traffic that only looks wrong.
  EXPECT_EQ(sig::kAssociationFloodLink.action, AlertAction::kAllowed);
  EXPECT_EQ(sig::kImpossibleTravel.action, AlertAction::kAllowed);
  EXPECT_EQ(sig::kDataRateAnomaly.action, AlertAction::kAllowed);
  EXPECT_EQ(sig::kUnresolvedChallenge.action, AlertAction::kAllowed);
}

TEST(Signatures, FindSignatureKnowsEveryIdAndNoOther) {
  for (const Signature& s : AllSignatures()) EXPECT_EQ(FindSignature(s.id), &s);
  EXPECT_EQ(FindSignature(9100999), nullptr);
  EXPECT_EQ(FindSignature(0), nullptr);
}

TEST(Signatures, MakeAlertCopiesTheRule) {
  Alert a = MakeAlert(sig::kBruteForceDevice);
  EXPECT_EQ(a.signature_id, 9100040);
  EXPECT_EQ(a.severity, 1);
  EXPECT_EQ(a.category, "Attempted User Privilege Gain");
  EXPECT_EQ(a.action, AlertAction::kBlocked);
  EXPECT_EQ(MakeAlert(sig::kFrameTagBurst).rev, 2);
}

}  // namespace
}  // namespace vigil::ids
