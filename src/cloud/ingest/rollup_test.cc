#include "cloud/ingest/rollup.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloud/ingest/ingester.h"
#include "cloud/ingest/test_messages.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"
#include "edge/uplink/envelope.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr int64_t kMinute = 1714564800000;  // a whole minute

IngestMessage At(int64_t seq, int64_t t, const std::string& pseudonym, double value) {
  return testing::TelemetryMessage(static_cast<uint64_t>(seq), t, pseudonym, value);
}

class RollUpSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
    MasterKey k;
    k.key.fill(3);
    k.id = MasterKeyId(k.key);
    ASSERT_TRUE(keys_.Open(*db_, {k}, 1).ok());
  }
  int64_t AdmitAs(const std::string& pseudonym) {
    AdmitRequest req;
    req.identity = {"Patient " + pseudonym, "", ""};
    req.pseudonym = pseudonym;
    AdmitResult r;
    EXPECT_TRUE(Admit(*db_, keys_, req, kMinute, &r).ok());
    return r.patient_id;
  }
  void Ingest(std::vector<IngestMessage> batch) {
    Ingester in(*db_, keys_);
    ASSERT_TRUE(in.IngestBatch(batch, nullptr).ok());
  }
  size_t Roll() {
    size_t n = 0;
    EXPECT_TRUE(RollUp(*db_, keys_, 1000, &n).ok());
    return n;
  }
  MinuteStats Stats(int64_t patient, int64_t minute) {
    std::vector<Row> rows;
    EXPECT_TRUE(db_->Execute("SELECT stats FROM vitals_minute WHERE patient_id = ? AND vital = ? "
                             "AND minute_ms = ?",
                             {Value{patient}, Value{std::string("temperature")}, Value{minute}},
                             &rows)
                    .ok());
    MinuteStats m;
    if (rows.empty()) return m;
    std::vector<uint8_t> plain;
    EXPECT_TRUE(keys_
                    .Unseal({"vitals_minute", "stats", PatientOwner(patient),
                             MinuteRowKey("temperature", minute)},
                            rows[0].Bytes(0), &plain)
                    .ok());
    EXPECT_TRUE(DecodeMinuteStats(plain, &m));
    return m;
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
};

TEST_P(RollUpSuite, EachReadingIsMergedIntoItsMinuteOnceAndLateOnesAdd) {
  const int64_t p = AdmitAs("p-1");
  Ingest({At(1, kMinute + 1000, "p-1", 36), At(2, kMinute + 20000, "p-1", 38),
          At(3, kMinute + 59999, "p-1", 37), At(4, kMinute + 60000, "p-1", 39)});
  EXPECT_EQ(Roll(), 4u);
  EXPECT_EQ(Roll(), 0u);  // nothing merged twice
  MinuteStats m = Stats(p, kMinute);
  EXPECT_EQ(m.n, 3);
  EXPECT_EQ(m.min, 36);
  EXPECT_EQ(m.max, 38);
  EXPECT_EQ(m.sum, 111);
  EXPECT_EQ(Stats(p, kMinute + 60000).n, 1);
  Ingest({At(5, kMinute + 30000, "p-1", 35)});  // arrives late, after the roll-up
  EXPECT_EQ(Roll(), 1u);
  m = Stats(p, kMinute);
  EXPECT_EQ(m.n, 4);
  EXPECT_EQ(m.min, 35);
}

TEST_P(RollUpSuite, ReadingsLinkedAfterTheRollUpPassedThemAreMergedOnceByTheAdmission) {
  Ingest({At(1, kMinute + 1000, "p-late", 36.5), At(2, kMinute + 2000, "p-late", 37.5)});
  EXPECT_EQ(Roll(), 0u);  // no patient yet: passed over
  const int64_t p = AdmitAs("p-late");
  EXPECT_EQ(Stats(p, kMinute).n, 2);
  EXPECT_EQ(Roll(), 0u);
  Ingest({At(3, kMinute + 3000, "p-late", 38.5)});
  EXPECT_EQ(Roll(), 1u);
  const MinuteStats m = Stats(p, kMinute);
  EXPECT_EQ(m.n, 3);
  EXPECT_DOUBLE_EQ(m.sum, 112.5);
}

TEST_P(RollUpSuite, PruneDeletesOnlyMergedReadingsOlderThanTheRetention) {
  AdmitAs("p-1");
  Ingest({At(1, kMinute, "p-1", 36), At(2, kMinute + 3600000, "p-1", 37),
          At(3, kMinute, "p-unknown", 38)});
  Roll();
  Ingest({At(4, kMinute, "p-1", 36)});  // not merged yet
  size_t deleted = 0;
  ASSERT_TRUE(Prune(*db_, kMinute + 3600000, 1800000, &deleted).ok());
  EXPECT_EQ(deleted, 1u);  // seq 1: old and merged; 2 is recent, 3 unlinked, 4 not merged
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT COUNT(*) FROM vitals", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, RollUpSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
