#include "cloud/store/audit_head_key.h"

#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "cloud/store/audit_log.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

MasterKey Key(uint8_t fill) {
  MasterKey k;
  k.key.fill(fill);
  k.id = MasterKeyId(k.key);
  return k;
}

class AuditHeadKeySuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
    ASSERT_TRUE(keys_.Open(*db_, {Key(1)}, 1).ok());
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
};

TEST_P(AuditHeadKeySuite, OneKeyIsCreatedAndEveryReplicaSignsWithIt) {
  bool has = true;
  ASSERT_TRUE(HasHeadKey(*db_, &has).ok());
  EXPECT_FALSE(has);
  audit::HeadSigner a, b;
  std::string id_a, id_b;
  ASSERT_TRUE(LoadOrCreateHeadSigner(*db_, keys_, 1, &a, &id_a).ok());
  std::unique_ptr<Database> other;
  ASSERT_TRUE(OpenDatabase(url_, {}, &other).ok());
  Keyring other_keys;
  ASSERT_TRUE(other_keys.Open(*other, {Key(1)}, 1).ok());
  ASSERT_TRUE(LoadOrCreateHeadSigner(*other, other_keys, 2, &b, &id_b).ok());
  EXPECT_EQ(id_a, id_b);
  EXPECT_EQ(a.public_key(), b.public_key());
  audit::HeadVerifier v;
  ASSERT_TRUE(LoadHeadVerifier(*db_, keys_, &v).ok());
  audit::SignedHead h;
  ASSERT_EQ(b.Sign({3, {}}, 5, &h), Error::kOk);
  EXPECT_TRUE(v.Verify(h));
}

TEST_P(AuditHeadKeySuite, ReplicasStartingTogetherEndUpWithOneKey) {
  std::array<std::array<uint8_t, audit::kEd25519KeyBytes>, 2> pubs{};
  std::array<bool, 2> ok{};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < 2; ++w)
    threads.emplace_back([&, w] {
      std::unique_ptr<Database> conn;
      Keyring k;
      audit::HeadSigner s;
      ok[w] = OpenDatabase(url_, {}, &conn).ok() && k.Open(*conn, {Key(1)}, 1).ok() &&
              LoadOrCreateHeadSigner(*conn, k, 1, &s).ok();
      if (ok[w]) pubs[w] = s.public_key();
    });
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(ok[0] && ok[1]);
  EXPECT_EQ(pubs[0], pubs[1]);
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT COUNT(*) FROM audit_head_keys", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 1);
}

TEST_P(AuditHeadKeySuite, TableHoldsNoSeedInClear) {
  audit::HeadSigner s;
  ASSERT_TRUE(LoadOrCreateHeadSigner(*db_, keys_, 1, &s).ok());
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT private_key, public_key FROM audit_head_keys", {}, &rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Bytes(0).size(), audit::kEd25519KeyBytes + kFieldBlobOverhead);
  const auto pub = s.public_key();
  EXPECT_EQ(rows[0].Bytes(1), Blob(pub.begin(), pub.end()));
}

// Whoever writes the database cannot swap in a key of their own: a sealed seed copied to
// another key id does not open, and neither does a seed sealed elsewhere.
TEST_P(AuditHeadKeySuite, SealedSeedMovedToAnotherRowFailsToOpen) {
  audit::HeadSigner s;
  std::string id;
  ASSERT_TRUE(LoadOrCreateHeadSigner(*db_, keys_, 1, &s, &id).ok());
  ASSERT_TRUE(db_->Execute("UPDATE audit_head_keys SET key_id = ?", {Value{id + "x"}}).ok());
  audit::HeadVerifier v;
  EXPECT_EQ(LoadHeadVerifier(*db_, keys_, &v).code, StoreError::kCrypto);
  Blob elsewhere;
  ASSERT_TRUE(keys_
                  .Seal({"notes", "body", "patient:1", id + "x"},
                        std::string(audit::kEd25519KeyBytes, 'k'), &elsewhere)
                  .ok());
  ASSERT_TRUE(db_->Execute("UPDATE audit_head_keys SET private_key = ?", {Value{elsewhere}}).ok());
  EXPECT_EQ(LoadHeadVerifier(*db_, keys_, &v).code, StoreError::kCrypto);
  EXPECT_FALSE(v.ready());
}

TEST_P(AuditHeadKeySuite, NoKeyYetIsNotFoundForTheVerifier) {
  audit::HeadVerifier v;
  EXPECT_EQ(LoadHeadVerifier(*db_, keys_, &v).code, StoreError::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditHeadKeySuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
