#include "edge/privacy/pseudonym.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/hex.h"

namespace vigil::privacy {
namespace {

std::array<uint8_t, kSiteKeySize> Key(std::string_view hex) {
  std::array<uint8_t, kSiteKeySize> k{};
  const std::optional<std::vector<uint8_t>> bytes = FromHex(hex);
  EXPECT_TRUE(bytes && bytes->size() == kSiteKeySize);
  if (bytes) std::copy(bytes->begin(), bytes->end(), k.begin());
  return k;
}

std::string Of(const Pseudonymiser& p, std::string_view id) {
  std::string out;
  EXPECT_EQ(p.Pseudonym(id, &out), Error::kOk);
  return out;
}

// The documented form, computed independently: a change of label, truncation, encoding
// or input layout fails here.
TEST(Pseudonym, MatchesTheDocumentedFormOnVectors) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/privacy/pseudonym.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_GE(j["cases"].size(), 4u);
  for (const nlohmann::json& c : j["cases"]) {
    Pseudonymiser p(Key(c["site_key"].get<std::string>()));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(Of(p, c["patient_id"].get<std::string>()), c["pseudonym"].get<std::string>());
  }
}

TEST(Pseudonym, PseudonymDiffersAcrossSiteKeys) {
  std::array<uint8_t, kSiteKeySize> a{}, b{};
  a.fill(0x11);
  b = a;
  b[31] ^= 1;  // one bit apart
  Pseudonymiser pa(a), pb(b);
  EXPECT_NE(Of(pa, "MRN-0042"), Of(pb, "MRN-0042"));
}

TEST(Pseudonym, StableForOnePatientDistinctAcrossPatients) {
  std::array<uint8_t, kSiteKeySize> k{};
  k.fill(0x42);
  Pseudonymiser p1(k), p2(k);
  const std::string x = Of(p1, "MRN-0042");
  EXPECT_EQ(x.size(), kPseudonymChars);
  EXPECT_EQ(x.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Of(p1, "MRN-0042"), x);
  EXPECT_EQ(Of(p2, "MRN-0042"), x);  // another instance (a restart) agrees
  EXPECT_NE(Of(p1, "MRN-0043"), x);
  EXPECT_NE(Of(p1, "mrn-0042"), x);  // taken byte for byte: no case folding
  EXPECT_EQ(x.find("0042"), std::string::npos);
  std::string out;
  EXPECT_EQ(p1.Pseudonym("", &out), Error::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::privacy
