#include "cloud/store/sql_mfa_store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cloud/auth/mfa.h"
#include "cloud/auth/recovery_codes.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr TimeUs kNow = 1'750'000'020LL * kSeconds;

MasterKey Key(uint8_t fill) {
  MasterKey k;
  k.key.fill(fill);
  k.id = MasterKeyId(k.key);
  return k;
}

class SqlMfaStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
    ASSERT_TRUE(keys_.Open(*db_, {Key(1)}, 1).ok());
    store_ = std::make_unique<SqlMfaStore>(*db_, keys_);
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
  std::unique_ptr<SqlMfaStore> store_;
};

TEST_P(SqlMfaStoreSuite, SecretIsSealedAtRestAndReadsBack) {
  const std::vector<uint8_t> secret = {'s', 'e', 'c', 'r', 'e', 't', '-', 'b', 'y', 't',
                                       'e', 's', '-', '1', '2', '3', '4', '5', '6', '7'};
  ASSERT_EQ(store_->PutPendingTotp("ada", secret, kNow), Error::kOk);
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT secret FROM mfa_totp WHERE user_id = 'ada'", {}, &rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  const Blob stored = rows[0].Bytes(0);
  EXPECT_EQ(std::search(stored.begin(), stored.end(), secret.begin(), secret.end()), stored.end())
      << "the secret is not in clear";
  std::optional<auth::TotpRecord> r;
  ASSERT_EQ(store_->FindTotp("ada", &r), Error::kOk);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->secret, secret);
  EXPECT_FALSE(r->confirmed);
  EXPECT_EQ(r->last_step, -1);
}

TEST_P(SqlMfaStoreSuite, SealedSecretMovedToAnotherUserDoesNotOpen) {
  ASSERT_EQ(store_->PutPendingTotp("ada", std::vector<uint8_t>(20, 7), kNow), Error::kOk);
  ASSERT_EQ(store_->PutPendingTotp("bob", std::vector<uint8_t>(20, 8), kNow), Error::kOk);
  ASSERT_TRUE(db_->Execute("UPDATE mfa_totp SET secret = (SELECT secret FROM mfa_totp WHERE "
                           "user_id = 'ada') WHERE user_id = 'bob'",
                           {})
                  .ok());
  std::optional<auth::TotpRecord> r;
  EXPECT_EQ(store_->FindTotp("bob", &r), Error::kCrypto);
  EXPECT_FALSE(r.has_value());
}

TEST_P(SqlMfaStoreSuite, PendingSecretNeverReplacesAConfirmedOne) {
  ASSERT_EQ(store_->PutConfirmedTotp("ada", std::vector<uint8_t>(20, 7), 5, kNow), Error::kOk);
  EXPECT_EQ(store_->PutPendingTotp("ada", std::vector<uint8_t>(20, 9), kNow), Error::kInvalidState);
  std::optional<auth::TotpRecord> r;
  ASSERT_EQ(store_->FindTotp("ada", &r), Error::kOk);
  EXPECT_EQ(r->secret, std::vector<uint8_t>(20, 7));
  EXPECT_EQ(store_->ConfirmTotp("ada", 9), Error::kInvalidState) << "already confirmed";
}

TEST_P(SqlMfaStoreSuite, AStepIsAcceptedOnceEvenByAnotherConnectionsStore) {
  ASSERT_EQ(store_->PutConfirmedTotp("ada", std::vector<uint8_t>(20, 7), 5, kNow), Error::kOk);
  SqlMfaStore other(*db_, keys_);
  bool accepted = false;
  ASSERT_EQ(store_->AcceptStep("ada", 6, &accepted), Error::kOk);
  EXPECT_TRUE(accepted);
  ASSERT_EQ(other.AcceptStep("ada", 6, &accepted), Error::kOk);
  EXPECT_FALSE(accepted) << "replay of step 6";
  ASSERT_EQ(other.AcceptStep("ada", 5, &accepted), Error::kOk);
  EXPECT_FALSE(accepted) << "an older step";
  ASSERT_EQ(other.AcceptStep("ada", 7, &accepted), Error::kOk);
  EXPECT_TRUE(accepted);
}

TEST_P(SqlMfaStoreSuite, RecoveryCodesAreHashedAndEachWorksOnce) {
  auth::TotpEnrolment en;
  ASSERT_EQ(auth::EnrolTotp(*store_, "ada", kNow, auth::MfaConfig{}, &en), Error::kOk);
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT code_hash FROM mfa_recovery_codes", {}, &rows).ok());
  EXPECT_EQ(rows.size(), auth::kRecoveryCodeCount);
  for (const Row& row : rows) EXPECT_EQ(row.Bytes(0).size(), 32u);
  auth::SecondFactorCheck c;
  ASSERT_EQ(auth::CheckSecondFactor(*store_, "ada", en.recovery_codes[0], kNow, {}, &c),
            Error::kOk);
  EXPECT_EQ(c.result, auth::SecondFactor::kRecoveryCode);
  EXPECT_EQ(c.recovery_left, auth::kRecoveryCodeCount - 1);
  ASSERT_EQ(auth::CheckSecondFactor(*store_, "ada", en.recovery_codes[0], kNow, {}, &c),
            Error::kOk);
  EXPECT_EQ(c.result, auth::SecondFactor::kWrong);
}

TEST_P(SqlMfaStoreSuite, TicketIsTakenOnceAndCountsFailures) {
  std::string t;
  ASSERT_EQ(auth::IssueTicket(*store_, "ada", kNow, auth::MfaConfig{}, &t), Error::kOk);
  const auth::Digest h = *auth::TicketHash(t);
  ASSERT_EQ(store_->CountTicketFailure(h), Error::kOk);
  ASSERT_EQ(store_->CountTicketFailure(h), Error::kOk);
  std::optional<auth::MfaTicket> found;
  ASSERT_EQ(store_->FindTicket(h, &found), Error::kOk);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->failures, 2u);
  EXPECT_EQ(found->user_id, "ada");
  bool taken = false;
  ASSERT_EQ(store_->TakeTicket(h, &taken), Error::kOk);
  EXPECT_TRUE(taken);
  ASSERT_EQ(store_->TakeTicket(h, &taken), Error::kOk);
  EXPECT_FALSE(taken);
  EXPECT_EQ(store_->DeleteExpiredTickets(kNow), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlMfaStoreSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
