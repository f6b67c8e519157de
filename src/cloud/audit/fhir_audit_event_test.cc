#include "cloud/audit/fhir_audit_event.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "cloud/audit/audit_test_records.h"

namespace vigil::audit {
namespace {

using fhir::Json;

Json Export(const AuditRecord& r, uint64_t seq = 12) {
  ChainEntry e;
  ChainHead tail{seq - 1, kGenesisHash};
  EXPECT_EQ(Link(tail, r, &e), Error::kOk);
  return ToFhirAuditEvent(e, AuditEventSource{"vigil-cloud-1", "site-a"});
}

const Json* EntityWithRole(const Json& a, std::string_view code) {
  for (const Json& e : a["entity"])
    if (e.contains("role") && e["role"]["code"] == code) return &e;
  return nullptr;
}

TEST(FhirAuditEvent, EachEventHasItsTypeSubtypeAndAction) {
  struct Row {
    Event event;
    std::string type, subtype, action;
  };
  const Row rows[] = {
      {Event::kRead, "rest", "read", "R"},           {Event::kSearch, "rest", "search-type", "E"},
      {Event::kCreate, "rest", "create", "C"},       {Event::kUpdate, "rest", "update", "U"},
      {Event::kDelete, "rest", "delete", "D"},       {Event::kExport, "rest", "operation", "E"},
      {Event::kLogin, "110114", "110122", "E"},      {Event::kLogout, "110114", "110123", "E"},
      {Event::kBreakGlass, "110113", "110127", "E"}, {Event::kSecurityAlert, "110113", "", "E"},
  };
  for (const Row& row : rows) {
    AuditRecord r = testing::NurseRead();
    r.event = row.event;
    if (row.event == Event::kBreakGlass) r.reason = "emergency";
    const Json a = Export(r);
    EXPECT_EQ(a["type"]["code"], row.type) << EventName(row.event);
    if (row.subtype.empty()) {
      EXPECT_FALSE(a.contains("subtype"));
    } else {
      EXPECT_EQ(a["subtype"][0]["code"], row.subtype) << EventName(row.event);
    }
    EXPECT_EQ(a["action"], row.action) << EventName(row.event);
  }
}

TEST(FhirAuditEvent, SuccessfulPatientReadClaimsBalpPatientRead) {
  const Json a = Export(testing::NurseRead());
  EXPECT_EQ(a["resourceType"], "AuditEvent");
  EXPECT_EQ(a["id"], "12");
  EXPECT_EQ(a["meta"]["profile"][0],
            "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead");
  EXPECT_EQ(a["recorded"], "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(a["outcome"], "0");
  EXPECT_EQ(a["outcomeDesc"], "allow by rule nurse-ward-on-duty");
  const Json* patient = EntityWithRole(a, "1");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ((*patient)["what"]["reference"], "Patient/42");
  EXPECT_EQ((*patient)["type"]["code"], "1");
}

TEST(FhirAuditEvent, AgentsNameTheUserTheClientAndTheService) {
  const Json a = Export(testing::NurseRead());
  ASSERT_EQ(a["agent"].size(), 3u);
  const Json& user = a["agent"][0];
  EXPECT_EQ(user["who"]["identifier"]["value"], "u-1017");
  EXPECT_EQ(user["who"]["identifier"]["system"], fhir::kVigilUser);
  EXPECT_EQ(user["requestor"], true);
  EXPECT_EQ(user["role"][0]["coding"][0]["code"], "nurse");
  const Json& client = a["agent"][1];
  EXPECT_EQ(client["network"]["address"], "192.0.2.7");
  EXPECT_EQ(client["network"]["type"], "2");
  EXPECT_EQ(client["who"]["display"], "Mozilla/5.0 (X11; Linux x86_64)");
  EXPECT_EQ(a["agent"][2]["who"]["display"], "vigil-cloud-1");
  EXPECT_EQ(a["source"]["observer"]["display"], "vigil-cloud-1");
  EXPECT_EQ(a["source"]["site"], "site-a");
}

TEST(FhirAuditEvent, RefusedAccessIsMinorFailureWithoutABalpProfile) {
  const Json a = Export(testing::WrongWardDenied());
  EXPECT_EQ(a["outcome"], "4");
  EXPECT_FALSE(a.contains("meta"));
  EXPECT_EQ(a["outcomeDesc"], "deny by rule default-deny");
}

TEST(FhirAuditEvent, SearchKeepsTheRawQueryBase64AndClaimsPatientQuery) {
  const AuditRecord r = testing::DoctorSearch();
  const Json a = Export(r);
  EXPECT_EQ(a["meta"]["profile"][0],
            "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientQuery");
  const Json* query = EntityWithRole(a, "24");
  ASSERT_NE(query, nullptr);
  const std::string b64 = (*query)["query"];
  std::string decoded(b64.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  ASSERT_GT(n, 0);
  decoded.resize(static_cast<size_t>(n));
  while (decoded.size() > r.operation.size() && decoded.back() == '\0') decoded.pop_back();
  EXPECT_EQ(decoded, r.operation);
}

TEST(FhirAuditEvent, BreakGlassCarriesPurposeOfUseAndTheReason) {
  const Json a = Export(testing::BreakGlass());
  EXPECT_EQ(a["purposeOfEvent"][0]["coding"][0]["code"], "BTG");
  EXPECT_EQ(a["purposeOfEvent"][0]["text"], testing::BreakGlass().reason);
  EXPECT_EQ(a["agent"][0]["purposeOfUse"][0]["coding"][0]["code"], "BTG");
  EXPECT_EQ((*EntityWithRole(a, "1"))["what"]["reference"], "Patient/77");
}

TEST(FhirAuditEvent, FailedLoginNamesNoPatientAndKeepsTheReason) {
  const Json a = Export(testing::FailedLogin());
  EXPECT_EQ(EntityWithRole(a, "1"), nullptr);
  EXPECT_EQ(a["outcome"], "4");
  EXPECT_EQ(a["outcomeDesc"], "wrong password");
  EXPECT_FALSE(a.contains("meta"));
}

TEST(FhirAuditEvent, ServiceActorIsNamedInTheServiceNamespace) {
  const Json a = Export(testing::ServiceExport());
  EXPECT_EQ(a["agent"][0]["who"]["identifier"]["system"], fhir::kVigilService);
  EXPECT_EQ(a["agent"][1]["network"]["address"], "2001:db8::15");
}

TEST(FhirAuditEvent, ChainHashTravelsWithTheExport) {
  ChainEntry e;
  ASSERT_EQ(Link({}, testing::NurseRead(), &e), Error::kOk);
  const Json a = ToFhirAuditEvent(e, {});
  const std::string want =
      fhir::Base64(std::string_view(reinterpret_cast<const char*>(e.hash.data()), e.hash.size()));
  bool found = false;
  for (const Json& ent : a["entity"])
    for (const Json& d : ent.value("detail", Json::array()))
      found = found || (d["type"] == "vigil-audit-hash" && d["valueBase64Binary"] == want);
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace vigil::audit
