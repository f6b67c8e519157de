#include "cloud/store/audit_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cloud/audit/audit_canonical.h"
#include "cloud/audit/audit_test_records.h"
#include "cloud/store/audit_log_verify.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/hex.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

// RFC 8032 section 7.1, TEST 1.
constexpr char kSeed[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

audit::AuditRecord RecordNo(int i) {
  audit::AuditRecord r = audit::testing::NurseRead();
  r.time_ms += i;
  r.operation = "GET /fhir/Observation/" + std::to_string(i);
  return r;
}

class AuditLogSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    MigrateReport r;
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, &r).ok());
    log_ = std::make_unique<AuditLog>(*db_);
    ASSERT_EQ(signer_.Init(*FromHex(kSeed)), Error::kOk);
    ASSERT_EQ(verifier_.Init(signer_.public_key()), Error::kOk);
  }

  void AppendN(int n) {
    for (int i = 1; i <= n; ++i) ASSERT_TRUE(log_->Append(RecordNo(i)).ok()) << i;
  }

  audit::VerifyReport VerifyAll(const audit::SignedHead* head, size_t page = 4) {
    audit::VerifyOptions o;
    o.head = head;
    o.verifier = &verifier_;
    audit::VerifyReport r;
    EXPECT_TRUE(VerifyStoredChain(*log_, o, page, &r).ok());
    return r;
  }

  // Rewrites the stored bytes of row `seq` as if `r` had been appended there (a changed
  // field, the hash left as it was).
  void OverwriteRecord(int64_t seq, const audit::AuditRecord& r) {
    const std::string bytes = audit::Canonical(static_cast<uint64_t>(seq), r);
    ASSERT_TRUE(db_->Execute("UPDATE audit_log SET record = ? WHERE seq = ?",
                             {Value{Blob(bytes.begin(), bytes.end())}, Value{seq}})
                    .ok());
  }

  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<AuditLog> log_;
  audit::HeadSigner signer_;
  audit::HeadVerifier verifier_;
};

TEST_P(AuditLogSuite, AppendsFormOneLinkedChainThatReadsBackAsAppended) {
  std::vector<audit::ChainEntry> appended;
  for (int i = 1; i <= 7; ++i) {
    audit::ChainEntry e;
    ASSERT_TRUE(log_->Append(RecordNo(i), &e).ok());
    appended.push_back(e);
  }
  EXPECT_EQ(appended[0].prev_hash, audit::kGenesisHash);
  EXPECT_EQ(appended[6].seq, 7u);
  std::vector<StoredAuditEntry> got;
  ASSERT_TRUE(log_->ReadRange(3, 10, &got).ok());
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].row_seq, static_cast<int64_t>(i + 3));
    EXPECT_EQ(got[i].entry, appended[i + 2]);
  }
  audit::ChainHead tail;
  ASSERT_TRUE(log_->Tail(&tail).ok());
  EXPECT_EQ(tail, (audit::ChainHead{7, appended[6].hash}));
  EXPECT_TRUE(VerifyAll(nullptr).ok());
}

TEST_P(AuditLogSuite, EmptyChainHasTheGenesisTailAndVerifies) {
  audit::ChainHead tail{5, {}};
  ASSERT_TRUE(log_->Tail(&tail).ok());
  EXPECT_EQ(tail, audit::ChainHead{});
  std::optional<audit::SignedHead> head;
  ASSERT_TRUE(log_->LatestHead(&head).ok());
  EXPECT_FALSE(head.has_value());
  EXPECT_TRUE(VerifyAll(nullptr).ok());
}

TEST_P(AuditLogSuite, RefusedRecordWritesNothingAndNamesTheField) {
  audit::AuditRecord r = RecordNo(1);
  r.actor_id.clear();
  const Status s = log_->Append(r);
  EXPECT_EQ(s.code, StoreError::kMisuse);
  EXPECT_NE(s.message.find("actor_id"), std::string::npos) << s.message;
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT COUNT(*) FROM audit_log", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 0);
}

TEST_P(AuditLogSuite, AppendInsideACallersTransactionRollsBackWithIt) {
  AppendN(2);
  ASSERT_TRUE(db_->Begin().ok());
  ASSERT_TRUE(log_->Append(RecordNo(3)).ok());
  ASSERT_TRUE(db_->Rollback().ok());
  audit::ChainHead tail;
  ASSERT_TRUE(log_->Tail(&tail).ok());
  EXPECT_EQ(tail.seq, 2u);
  ASSERT_TRUE(log_->Append(RecordNo(3)).ok());
  EXPECT_TRUE(VerifyAll(nullptr).ok());
}

// A tail row set back (a partial restore, an edit) would make the next append reuse a
// seq: the primary key refuses it, and after the retries the append fails instead of
// forking the chain or overwriting a record.
TEST_P(AuditLogSuite, TailRowBehindTheLogFailsTheAppendInsteadOfForking) {
  AppendN(3);
  ASSERT_TRUE(db_->Execute("UPDATE audit_tail SET seq = 1", {}).ok());
  AuditLog impatient(*db_, {.max_attempts = 2});
  const Status s = impatient.Append(RecordNo(4));
  EXPECT_EQ(s.code, StoreError::kSchema) << s.ToString();
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT COUNT(*) FROM audit_log", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 3);
  EXPECT_TRUE(VerifyAll(nullptr).ok());
}

TEST_P(AuditLogSuite, SignedHeadIsStoredAndReadBackAsTheLatest) {
  AppendN(3);
  audit::SignedHead first, second;
  ASSERT_TRUE(log_->SignHead(signer_, 1000, &first).ok());
  AppendN(2);
  ASSERT_TRUE(log_->SignHead(signer_, 2000, &second).ok());
  EXPECT_EQ(second.head.seq, 5u);
  std::optional<audit::SignedHead> latest;
  ASSERT_TRUE(log_->LatestHead(&latest).ok());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(audit::FormatSignedHead(*latest), audit::FormatSignedHead(second));
  EXPECT_TRUE(verifier_.Verify(*latest));
  const audit::VerifyReport r = VerifyAll(&*latest);
  EXPECT_TRUE(r.ok()) << r.detail;
  EXPECT_TRUE(r.head_checked);
}

// The head signed pages before the end of the chain: it is checked where it lies, and
// what was appended after it is checked by its links.
TEST_P(AuditLogSuite, HeadInAnEarlierPageIsCheckedWhereItLies) {
  AppendN(6);
  audit::SignedHead h;
  ASSERT_TRUE(log_->SignHead(signer_, 1000, &h).ok());
  AppendN(9);
  for (size_t page : {2u, 3u, 5u, 100u}) {
    const audit::VerifyReport r = VerifyAll(&h, page);
    EXPECT_TRUE(r.ok()) << page << ": " << r.detail;
    EXPECT_TRUE(r.head_checked) << page;
    EXPECT_EQ(r.verified, 15u) << page;
  }
}

TEST_P(AuditLogSuite, DamagedStoredHeadIsAnErrorNotSilence) {
  AppendN(1);
  audit::SignedHead h;
  ASSERT_TRUE(log_->SignHead(signer_, 1000, &h).ok());
  ASSERT_TRUE(db_->Execute("UPDATE audit_heads SET line = ?", {Value{std::string("x")}}).ok());
  std::optional<audit::SignedHead> latest;
  EXPECT_EQ(log_->LatestHead(&latest).code, StoreError::kCrypto);
}

TEST_P(AuditLogSuite, ChangedFieldIsAlteredAtItsSeq) {
  AppendN(10);
  audit::AuditRecord r = RecordNo(6);
  r.actor_id = "u-6666";
  OverwriteRecord(6, r);
  for (size_t page : {2u, 3u, 4u, 100u}) {
    const audit::VerifyReport v = VerifyAll(nullptr, page);
    EXPECT_EQ(v.finding, audit::Finding::kAltered) << page;
    EXPECT_EQ(v.seq, 6u) << page;
    EXPECT_EQ(v.verified, 5u) << page;
  }
}

TEST_P(AuditLogSuite, UnparseableBytesAreAlteredAndSaySo) {
  AppendN(5);
  ASSERT_TRUE(db_->Execute("UPDATE audit_log SET record = ? WHERE seq = 4",
                           {Value{Blob{'V', 'G', 'A', 'R', 1, 1}}})
                  .ok());
  const audit::VerifyReport v = VerifyAll(nullptr);
  EXPECT_EQ(v.finding, audit::Finding::kAltered);
  EXPECT_EQ(v.seq, 4u);
  EXPECT_NE(v.detail.find("do not parse"), std::string::npos) << v.detail;
}

TEST_P(AuditLogSuite, DeletedRowsAreNamedWithTheirCount) {
  AppendN(12);
  ASSERT_TRUE(db_->Execute("DELETE FROM audit_log WHERE seq IN (8, 9)", {}).ok());
  for (size_t page : {2u, 3u, 7u, 100u}) {
    const audit::VerifyReport v = VerifyAll(nullptr, page);
    EXPECT_EQ(v.finding, audit::Finding::kDeleted) << page;
    EXPECT_EQ(v.seq, 8u) << page;
    EXPECT_EQ(v.count, 2u) << page;
  }
}

// A forged record slipped in at 5, hashed and linked properly, by moving every later row
// one key up: the moved rows still carry their own seq, so the chain sees two records
// claiming 5 and keeps the one record 6 links to.
TEST_P(AuditLogSuite, RowInsertedByRenumberingIsInserted) {
  AppendN(9);
  std::vector<StoredAuditEntry> four;
  ASSERT_TRUE(log_->ReadRange(4, 1, &four).ok());
  ASSERT_TRUE(db_->Execute("UPDATE audit_log SET seq = -seq WHERE seq >= 5", {}).ok());
  ASSERT_TRUE(db_->Execute("UPDATE audit_log SET seq = 1 - seq WHERE seq < 0", {}).ok());
  audit::AuditRecord forged = RecordNo(5);
  forged.actor_id = "u-forger";
  audit::ChainEntry e;
  ASSERT_EQ(audit::Link({4, four.at(0).entry.hash}, forged, &e), Error::kOk);
  const std::string bytes = audit::Canonical(5, forged);
  ASSERT_TRUE(db_->Execute("INSERT INTO audit_log (seq, time_ms, record, prev_hash, hash) "
                           "VALUES (5, 0, ?, ?, ?)",
                           {Value{Blob(bytes.begin(), bytes.end())},
                            Value{Blob(e.prev_hash.begin(), e.prev_hash.end())},
                            Value{Blob(e.hash.begin(), e.hash.end())}})
                  .ok());
  for (size_t page : {2u, 4u, 5u, 100u}) {
    const audit::VerifyReport v = VerifyAll(nullptr, page);
    EXPECT_EQ(v.finding, audit::Finding::kInserted) << page;
    EXPECT_EQ(v.seq, 5u) << page;
    EXPECT_EQ(v.position, 4u) << page;
  }
}

// The cheap insert: a copy of an earlier row replayed under a new key.
TEST_P(AuditLogSuite, ReplayedCopyOfAnEarlierRowIsInserted) {
  AppendN(6);
  ASSERT_TRUE(
      db_->Execute("INSERT INTO audit_log (seq, time_ms, record, prev_hash, hash) "
                   "SELECT 7, time_ms, record, prev_hash, hash FROM audit_log WHERE seq = 2",
                   {})
          .ok());
  const audit::VerifyReport v = VerifyAll(nullptr, 3);
  EXPECT_EQ(v.finding, audit::Finding::kInserted);
  EXPECT_EQ(v.seq, 2u);
  EXPECT_EQ(v.position, 6u);
}

TEST_P(AuditLogSuite, CutTailIsTruncatedAgainstTheSignedHead) {
  AppendN(9);
  audit::SignedHead h;
  ASSERT_TRUE(log_->SignHead(signer_, 5000, &h).ok());
  ASSERT_TRUE(db_->Execute("DELETE FROM audit_log WHERE seq >= 8", {}).ok());
  EXPECT_TRUE(VerifyAll(nullptr).ok()) << "without a head a cut tail is invisible";
  const audit::VerifyReport v = VerifyAll(&h, 3);
  EXPECT_EQ(v.finding, audit::Finding::kTruncated);
  EXPECT_EQ(v.seq, 8u);
  EXPECT_EQ(v.count, 2u);
}

// A suffix rewritten with recomputed hashes passes the links; only the signed head sees
// it, even when the head's record lies pages before the end.
TEST_P(AuditLogSuite, RewrittenSuffixIsAHeadMismatchInAnyPage) {
  AppendN(6);
  audit::SignedHead h;
  ASSERT_TRUE(log_->SignHead(signer_, 5000, &h).ok());
  AppendN(9);  // the head (seq 6) now lies well before the last page
  std::vector<StoredAuditEntry> all;
  ASSERT_TRUE(log_->ReadRange(1, 100, &all).ok());
  audit::ChainHead prev{4, all[3].entry.hash};
  for (size_t i = 4; i < all.size(); ++i) {
    audit::AuditRecord r = all[i].entry.record;
    if (i == 4) r.actor_id = "u-rewritten";
    audit::ChainEntry e;
    ASSERT_EQ(audit::Link(prev, r, &e), Error::kOk);
    const std::string bytes = audit::Canonical(e.seq, e.record);
    ASSERT_TRUE(db_->Execute("UPDATE audit_log SET record = ?, prev_hash = ?, hash = ? "
                             "WHERE seq = ?",
                             {Value{Blob(bytes.begin(), bytes.end())},
                              Value{Blob(e.prev_hash.begin(), e.prev_hash.end())},
                              Value{Blob(e.hash.begin(), e.hash.end())},
                              Value{static_cast<int64_t>(e.seq)}})
                    .ok());
    prev = {e.seq, e.hash};
  }
  EXPECT_TRUE(VerifyAll(nullptr).ok());
  for (size_t page : {2u, 3u, 100u}) {
    const audit::VerifyReport v = VerifyAll(&h, page);
    EXPECT_EQ(v.finding, audit::Finding::kHeadMismatch) << page;
    EXPECT_EQ(v.seq, 6u) << page;
  }
}

TEST_P(AuditLogSuite, ForgedHeadIsRefused) {
  AppendN(3);
  audit::SignedHead h;
  ASSERT_TRUE(log_->SignHead(signer_, 5000, &h).ok());
  h.time_ms += 1;
  EXPECT_EQ(VerifyAll(&h).finding, audit::Finding::kHeadForged);
}

// Two service replicas appending at once, each on its own connection: one chain.
TEST_P(AuditLogSuite, TwoWritersOnTwoConnectionsBuildOneChainWithoutGapOrFork) {
  constexpr int kEach = 500;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      std::unique_ptr<Database> conn;
      if (!OpenDatabase(url_, {}, &conn).ok()) {
        ++failures;
        return;
      }
      AuditLog log(*conn);
      for (int i = 0; i < kEach; ++i) {
        audit::AuditRecord r = RecordNo(i);
        r.actor_id = "replica-" + std::to_string(w);
        if (!log.Append(r).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT COUNT(*), MIN(seq), MAX(seq), COUNT(DISTINCT prev_hash) "
                           "FROM audit_log",
                           {}, &rows)
                  .ok());
  EXPECT_EQ(rows.at(0).Int(0), 2 * kEach);
  EXPECT_EQ(rows.at(0).Int(1), 1);
  EXPECT_EQ(rows.at(0).Int(2), 2 * kEach);
  EXPECT_EQ(rows.at(0).Int(3), 2 * kEach) << "two entries share a predecessor: a fork";
  const audit::VerifyReport v = VerifyAll(nullptr, 128);
  EXPECT_TRUE(v.ok()) << v.detail;
  EXPECT_EQ(v.verified, static_cast<uint64_t>(2 * kEach));
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditLogSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
