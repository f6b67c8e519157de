// Not a check of its own: the writer of the chain that tests/e2e/audit_verify.sh tampers
// with, run by that script as
//   VIGIL_AUDIT_FIXTURE_DB=path VIGIL_AUDIT_FIXTURE_COUNT=n VIGIL_CLOUD_MASTER_KEY=hex
//     cloud_test --gtest_filter='AuditFixture.*'
// It appends n records through AuditLog (as the service does), creates the sealed head
// key and signs the head. Skipped when the variable is not set.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "cloud/audit/audit_test_records.h"
#include "cloud/crypto/keyring.h"
#include "cloud/crypto/master_key.h"
#include "cloud/store/audit_head_key.h"
#include "cloud/store/audit_log.h"
#include "cloud/store/schema.h"

namespace vigil::cloud {
namespace {

TEST(AuditFixture, WritesTheChainTheEndToEndTestTampersWith) {
  const char* path = std::getenv("VIGIL_AUDIT_FIXTURE_DB");
  if (path == nullptr) GTEST_SKIP() << "VIGIL_AUDIT_FIXTURE_DB not set";
  const char* count_env = std::getenv("VIGIL_AUDIT_FIXTURE_COUNT");
  const int count = count_env != nullptr ? std::atoi(count_env) : 20;
  std::unique_ptr<Database> db;
  ASSERT_TRUE(OpenDatabase(path, {}, &db).ok());
  ASSERT_TRUE(Migrate(*db, CloudMigrations(), 1, nullptr).ok());
  std::vector<MasterKey> masters;
  std::string why;
  ASSERT_EQ(LoadMasterKeys("", &masters, &why), Error::kOk) << why;
  Keyring keys;
  ASSERT_TRUE(keys.Open(*db, masters, 1).ok());
  AuditLog log(*db);
  for (int i = 1; i <= count; ++i) {
    audit::AuditRecord r =
        i % 3 == 0 ? audit::testing::DoctorSearch() : audit::testing::NurseRead();
    r.time_ms += i;
    r.operation += "&n=" + std::to_string(i);
    ASSERT_TRUE(log.Append(r).ok()) << i;
  }
  audit::HeadSigner signer;
  ASSERT_TRUE(LoadOrCreateHeadSigner(*db, keys, 1, &signer).ok());
  audit::SignedHead h;
  ASSERT_TRUE(log.SignHead(signer, audit::testing::kT0 + count, &h).ok());
  EXPECT_EQ(h.head.seq, static_cast<uint64_t>(count));
}

}  // namespace
}  // namespace vigil::cloud
