#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "cloud/backup/backup_test_util.h"
#include "cloud/backup/backup_writer.h"
#include "cloud/backup/catalogue.h"
#include "cloud/backup/dump_codec.h"
#include "cloud/backup/restore.h"
#include "cloud/backup/verify.h"
#include "cloud/crypto/keyring.h"
#include "cloud/ingest/ingester.h"
#include "cloud/ingest/test_messages.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"

namespace vigil::cloud::backup {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;
using vigil::cloud::testing::TelemetryMessage;

constexpr int64_t kT0 = 1764633600000;

MasterKey Master(uint8_t fill) {
  MasterKey k;
  k.key.fill(fill);
  k.id = MasterKeyId(k.key);
  return k;
}

// A cloud database as ingest leaves it: data keys, admitted patients (sealed identity,
// pseudonyms), linked and unlinked readings, a duplicate, a dead letter, cloud_state.
void Populate(Database& db) {
  MigrateReport r;
  ASSERT_TRUE(Migrate(db, CloudMigrations(), kT0, &r).ok());
  Keyring keys;
  ASSERT_TRUE(keys.Open(db, {Master(0x42)}, kT0).ok());
  for (int p = 1; p <= 3; ++p) {
    AdmitRequest req;
    req.identity = {"Ada Lovelace " + std::to_string(p), "MRN-000" + std::to_string(p),
                    "1815-12-10"};
    req.pseudonym = "ps-secret-" + std::to_string(p);
    req.device_kind = "thermometer";
    req.ward = "icu";
    req.bed = "b" + std::to_string(p);
    req.start_ms = kT0;
    AdmitResult out;
    ASSERT_TRUE(Admit(db, keys, req, kT0, &out).ok());
  }
  Ingester ingester(db, keys);
  std::vector<IngestMessage> batch;
  for (uint64_t seq = 1; seq <= 300; ++seq)
    batch.push_back(TelemetryMessage(
        seq, kT0 + static_cast<int64_t>(seq) * 1000,
        seq % 10 == 0 ? "ps-unadmitted" : "ps-secret-" + std::to_string(seq % 3 + 1),
        36.0 + static_cast<double>(seq % 20) / 10));
  batch.push_back(batch.front());  // a duplicate: counted, not stored
  batch.push_back({"vigil/v1/site-a/gw-01/telemetry", "{not json", kT0});
  IngestCounters c;
  ASSERT_TRUE(ingester.IngestBatch(batch, &c).ok());
  ASSERT_EQ(c.dead_letters, 1u);
  ASSERT_TRUE(db.Execute("INSERT INTO cloud_state (name, value) VALUES (?, ?)",
                         {std::string("rollup_cursor"), int64_t{12345}})
                  .ok());
}

bool ValueLess(const Value& a, const Value& b) {
  if (a.index() != b.index()) return a.index() < b.index();
  if (std::holds_alternative<std::nullptr_t>(a)) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>)
          return false;
        else
          return x < std::get<T>(b);
      },
      a);
}

bool RowLess(const std::vector<Value>& a, const std::vector<Value>& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), ValueLess);
}

// Every row of every table, each table's rows sorted (the back-ends order text apart).
std::map<std::string, std::vector<std::vector<Value>>> Everything(Database& db) {
  std::vector<TableInfo> tables;
  EXPECT_TRUE(ReadCatalogue(db, &tables).ok());
  std::map<std::string, std::vector<std::vector<Value>>> all;
  for (const TableInfo& t : tables) {
    std::string cols;
    for (const std::string& c : t.columns) cols += (cols.empty() ? "" : ", ") + c;
    std::vector<Row> rows;
    EXPECT_TRUE(db.Execute("SELECT " + cols + " FROM " + t.name, {}, &rows).ok());
    auto& out = all[t.name];
    for (Row& r : rows) out.push_back(std::move(r.cols));
    std::sort(out.begin(), out.end(), RowLess);
  }
  return all;
}

void ExpectSameRows(Database& a, Database& b) {
  const auto x = Everything(a), y = Everything(b);
  ASSERT_EQ(x.size(), y.size());
  for (const auto& [table, rows] : x) {
    ASSERT_TRUE(y.count(table)) << table;
    ASSERT_EQ(rows.size(), y.at(table).size()) << table;
    for (size_t i = 0; i < rows.size(); ++i)
      EXPECT_EQ(rows[i], y.at(table)[i]) << table << " " << i;
  }
}

std::vector<uint8_t> Backup(Database& db, uint32_t chunk_size = kDefaultChunkSize,
                            BackupSummary* sum = nullptr) {
  MemorySink sink;
  const BackupStatus s = WriteBackup(db, testing::TestKey(7), kT0, &sink, sum, chunk_size);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink.bytes;
}

BackupStatus Restore(Database& db, const std::vector<uint8_t>& file,
                     ContentSummary* sum = nullptr) {
  MemorySource src(file);
  return RestoreBackup(db, testing::TestKey(7), &src, CloudMigrations(), kT0 + 1, sum);
}

class BackupRestore : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    src_ = FreshDatabase(GetParam(), dir_, &src_url_);
    ASSERT_NE(src_, nullptr);
    Populate(*src_);
  }
  std::unique_ptr<Database> Fresh(Backend b) {
    std::string url;
    return FreshDatabase(b, dir_, &url);
  }
  vigil::testing::TempDir dir_;
  std::string src_url_;
  std::unique_ptr<Database> src_;
};

TEST_P(BackupRestore, RestoredDatabaseHoldsEveryRowOfEveryTable) {
  BackupSummary made;
  const auto file = Backup(*src_, kDefaultChunkSize, &made);
  EXPECT_GE(made.tables.size(), 13u);  // every table of migration 1, schema_migrations too
  EXPECT_EQ(made.schema_version, CloudMigrations().back().version);
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  ContentSummary got;
  const BackupStatus s = Restore(*dst, file, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got.rows, made.rows);
  ExpectSameRows(*src_, *dst);
  std::vector<Row> n;
  ASSERT_TRUE(dst->Execute("SELECT COUNT(*) FROM vitals", {}, &n).ok());
  EXPECT_EQ(n.at(0).Int(0), 300);
}

TEST_P(BackupRestore, RestoredSealedFieldsOpenWithTheSourcesMasterKeyOnly) {
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  ASSERT_TRUE(Restore(*dst, Backup(*src_)).ok());
  Keyring keys;
  ASSERT_TRUE(keys.Open(*dst, {Master(0x42)}, kT0).ok());
  PatientIdentity id;
  ASSERT_TRUE(ReadIdentity(*dst, keys, 2, &id).ok());
  EXPECT_EQ(id.name, "Ada Lovelace 2");
  // The backup carries the wrapped data keys, not the master key.
  Keyring other;
  EXPECT_EQ(other.Open(*dst, {Master(0x43)}, kT0).code, StoreError::kCrypto);
}

TEST_P(BackupRestore, BackupContentHoldsNoPatientDataInClear) {
  std::vector<uint8_t> content;
  ASSERT_TRUE(testing::OpenAll(testing::TestKey(7), Backup(*src_), &content).ok());
  const std::string text(content.begin(), content.end());
  ASSERT_NE(text.find("vitals"), std::string::npos);  // the dump itself is readable here
  for (const char* secret :
       {"Ada Lovelace", "MRN-0001", "1815-12-10", "ps-secret-1", "ps-unadmitted"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
}

TEST_P(BackupRestore, TargetThatHoldsRowsIsRefusedAndLeftAsItWas) {
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  MigrateReport r;
  ASSERT_TRUE(Migrate(*dst, CloudMigrations(), kT0, &r).ok());
  ASSERT_TRUE(dst->Execute("INSERT INTO cloud_state (name, value) VALUES ('x', 1)", {}).ok());
  const BackupStatus s = Restore(*dst, Backup(*src_));
  EXPECT_EQ(s.code, BackupError::kNotEmpty);
  EXPECT_NE(s.message.find("cloud_state"), std::string::npos) << s.message;
  std::vector<Row> n;
  ASSERT_TRUE(dst->Execute("SELECT COUNT(*) FROM vitals", {}, &n).ok());
  EXPECT_EQ(n.at(0).Int(0), 0);
}

TEST_P(BackupRestore, TargetOnlyMigratedIsEmptyEnough) {
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  MigrateReport r;
  ASSERT_TRUE(Migrate(*dst, CloudMigrations(), kT0, &r).ok());
  ASSERT_TRUE(Restore(*dst, Backup(*src_)).ok());
  ExpectSameRows(*src_, *dst);
}

TEST_P(BackupRestore, DamagedLastChunkRollsEverythingBackAndARetrySucceeds) {
  // Small chunks, so that many rows were inserted before the damage is met.
  auto file = Backup(*src_, 4096);
  auto damaged = file;
  damaged[damaged.size() - 3] ^= 0x10;
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  const BackupStatus s = Restore(*dst, damaged);
  EXPECT_EQ(s.code, BackupError::kCorrupt) << s.ToString();
  for (const char* t : {"patients", "vitals", "data_keys", "schema_migrations"}) {
    std::vector<Row> n;
    ASSERT_TRUE(dst->Execute(std::string("SELECT COUNT(*) FROM ") + t, {}, &n).ok());
    // schema_migrations keeps the migrations it ran; no row of the backup is left.
    EXPECT_EQ(n.at(0).Int(0), std::string(t) == "schema_migrations"
                                  ? static_cast<int64_t>(CloudMigrations().size())
                                  : 0)
        << t;
  }
  const BackupStatus again = Restore(*dst, file);
  ASSERT_TRUE(again.ok()) << again.ToString();
  ExpectSameRows(*src_, *dst);
}

TEST_P(BackupRestore, TruncatedBackupIsRefusedBeforeAnyCommit) {
  auto file = Backup(*src_, 4096);
  file.resize(file.size() - (4096 + kTagSize) - 10);
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  const BackupStatus s = Restore(*dst, file);
  EXPECT_TRUE(s.code == BackupError::kCorrupt || s.code == BackupError::kTruncated) << s.ToString();
  std::vector<Row> n;
  ASSERT_TRUE(dst->Execute("SELECT COUNT(*) FROM vitals", {}, &n).ok());
  EXPECT_EQ(n.at(0).Int(0), 0);
}

TEST_P(BackupRestore, RestoredDatabaseNumbersNewRowsPastTheRestoredOnes) {
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  ASSERT_TRUE(Restore(*dst, Backup(*src_)).ok());
  Keyring keys;
  ASSERT_TRUE(keys.Open(*dst, {Master(0x42)}, kT0).ok());
  AdmitRequest req;
  req.identity = {"Grace Hopper", "MRN-0009", "1906-12-09"};
  req.pseudonym = "ps-new";
  req.start_ms = kT0;
  AdmitResult out;
  const Status s = Admit(*dst, keys, req, kT0, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();  // on PostgreSQL: the sequence was moved past 3
  EXPECT_EQ(out.patient_id, 4);
}

TEST_P(BackupRestore, TableNoMigrationMadeIsBackedUpAndATargetWithoutItIsRefused) {
  ASSERT_TRUE(
      src_->ExecScript("CREATE TABLE operator_notes (note_id BIGINT PRIMARY KEY, body TEXT)").ok());
  ASSERT_TRUE(src_->Execute("INSERT INTO operator_notes VALUES (1, 'hello')", {}).ok());
  const auto file = Backup(*src_);
  MemorySource src(file);
  ContentSummary sum;
  ASSERT_TRUE(VerifyBackup(testing::TestKey(7), &src, &sum).ok());
  EXPECT_NE(std::find(sum.tables.begin(), sum.tables.end(),
                      std::pair<std::string, uint64_t>{"operator_notes", 1}),
            sum.tables.end());
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  const BackupStatus s = Restore(*dst, file);
  EXPECT_EQ(s.code, BackupError::kSchema);
  EXPECT_NE(s.message.find("operator_notes"), std::string::npos) << s.message;
}

TEST_P(BackupRestore, PagesByCompositeKeyAndWithoutKeyLoseAndRepeatNoRow) {
  // Keys that tie on their first columns, so that the row-value comparison of the keyset
  // page matters; and a table with no key at all, with duplicate rows (OFFSET paging).
  const int64_t n = 2 * static_cast<int64_t>(kPageRows) + 7;
  std::vector<std::vector<Value>> minute, loose;
  for (int64_t i = 0; i < n; ++i) {
    minute.push_back({int64_t{i % 3}, std::string(i % 2 ? "spo2" : "heart_rate"), i / 6, Blob{1}});
    loose.push_back({int64_t{i / 2}, std::string("dup")});
  }
  static constexpr std::string_view kMinute[] = {"patient_id", "vital", "minute_ms", "stats"};
  static constexpr std::string_view kLoose[] = {"a", "b"};
  ASSERT_TRUE(src_->BulkInsert("vitals_minute", kMinute, minute).ok());
  ASSERT_TRUE(src_->ExecScript("CREATE TABLE loose_rows (a BIGINT, b TEXT)").ok());
  ASSERT_TRUE(src_->BulkInsert("loose_rows", kLoose, loose).ok());
  const auto file = Backup(*src_);
  std::vector<std::vector<Value>> dumped_loose;
  std::set<std::vector<int64_t>> dumped_minute;
  MemorySource src(file);
  ChunkReader in;
  ASSERT_TRUE(in.Open(testing::TestKey(7), &src).ok());
  DumpReader dump(&in);
  for (;;) {
    DumpItem item{};
    ASSERT_TRUE(dump.Next(&item).ok());
    if (item == DumpItem::kEnd) break;
    if (item != DumpItem::kRow) continue;
    if (dump.table() == "loose_rows") dumped_loose.push_back(dump.row());
    if (dump.table() == "vitals_minute")
      dumped_minute.insert({std::get<int64_t>(dump.row()[0]),
                            std::get<std::string>(dump.row()[1]) == "spo2" ? 1 : 0,
                            std::get<int64_t>(dump.row()[2])});
  }
  EXPECT_EQ(dumped_minute.size(), static_cast<size_t>(n));  // every key once
  ASSERT_EQ(dumped_loose.size(), static_cast<size_t>(n));
  std::sort(dumped_loose.begin(), dumped_loose.end(), RowLess);
  std::sort(loose.begin(), loose.end(), RowLess);
  EXPECT_EQ(dumped_loose, loose);
}

TEST_P(BackupRestore, BackupOfANewerSchemaIsRefusedWithoutTouchingTheTarget) {
  const auto file = Backup(*src_);
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  MemorySource src(file);
  const BackupStatus s =
      RestoreBackup(*dst, testing::TestKey(7), &src, CloudMigrations().first(0), kT0, nullptr);
  EXPECT_EQ(s.code, BackupError::kSchema);
  EXPECT_NE(s.message.find("newer than this binary"), std::string::npos) << s.message;
}

TEST_P(BackupRestore, WrongBackupKeyIsRefused) {
  const auto file = Backup(*src_);
  auto dst = Fresh(GetParam());
  ASSERT_NE(dst, nullptr);
  MemorySource src(file);
  EXPECT_EQ(RestoreBackup(*dst, testing::TestKey(8), &src, CloudMigrations(), kT0, nullptr).code,
            BackupError::kWrongKey);
}

// A transaction writes a reading and its dedup row together; a backup taken meanwhile
// must hold both or neither, for every one.
TEST_P(BackupRestore, BackupTakenWhileIngestWritesHoldsWholeTransactionsOnly) {
  // Enough rows that the dump reads vitals in several pages while the writer goes on.
  auto add_pair = [](Database& db, int64_t n) {
    Transaction tx(db);
    if (!tx.Begin().ok()) return false;
    const std::string id = "gw-x/1/" + std::to_string(n);
    if (!db.Execute("INSERT INTO vitals (message_id, pseudonym_hash, vital, time_ms, quality, "
                    "ward, gateway, value) VALUES (?, ?, 'spo2', ?, 'valid', 'icu', 'gw-x', ?)",
                    {id, Blob{1, 2, 3}, n, Blob{4}})
             .ok() ||
        !db.Execute("INSERT INTO ingest_dedup (message_id, kind, received_ms) VALUES (?, "
                    "'telemetry', ?)",
                    {id, n})
             .ok())
      return false;
    return tx.Commit().ok();
  };
  {
    // The first pairs in one transaction (one commit instead of thousands).
    std::vector<std::vector<Value>> v, d;
    for (int64_t n = 0; n < 3 * static_cast<int64_t>(kPageRows); ++n) {
      const std::string id = "gw-x/1/" + std::to_string(n);
      v.push_back({id, Blob{1, 2, 3}, std::string("spo2"), n, std::string("valid"),
                   std::string("icu"), std::string("gw-x"), Blob{4}});
      d.push_back({id, std::string("telemetry"), n});
    }
    static constexpr std::string_view kV[] = {"message_id", "pseudonym_hash", "vital",   "time_ms",
                                              "quality",    "ward",           "gateway", "value"};
    static constexpr std::string_view kD[] = {"message_id", "kind", "received_ms"};
    Transaction tx(*src_);
    ASSERT_TRUE(tx.Begin().ok());
    ASSERT_TRUE(src_->BulkInsert("vitals", kV, v).ok());
    ASSERT_TRUE(src_->BulkInsert("ingest_dedup", kD, d).ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int64_t> written{3 * static_cast<int64_t>(kPageRows)};
  std::atomic<bool> writer_ok{true};
  std::thread writer([&] {
    std::unique_ptr<Database> w;
    if (!OpenDatabase(src_url_, {}, &w).ok()) {
      writer_ok = false;
      return;
    }
    while (!stop) {
      if (!add_pair(*w, written.load())) {
        writer_ok = false;
        return;
      }
      ++written;
    }
  });
  // The writer is under way before the first backup starts.
  while (written.load() == 3 * static_cast<int64_t>(kPageRows) && writer_ok)
    std::this_thread::yield();
  int overlapped = 0;
  for (int run = 0; run < 5; ++run) {
    const int64_t before = written.load();
    const auto file = Backup(*src_, kDefaultChunkSize);
    if (written.load() > before) ++overlapped;
    MemorySource src(file);
    ChunkReader in;
    ASSERT_TRUE(in.Open(testing::TestKey(7), &src).ok());
    DumpReader dump(&in);
    std::set<std::string> vitals, dedup;
    for (;;) {
      DumpItem item{};
      const BackupStatus s = dump.Next(&item);
      ASSERT_TRUE(s.ok()) << s.ToString();
      if (item == DumpItem::kEnd) break;
      if (item != DumpItem::kRow) continue;
      const auto& cols = dump.columns();
      const auto at = [&](const char* c) {
        return static_cast<size_t>(std::find(cols.begin(), cols.end(), c) - cols.begin());
      };
      if (dump.table() == "vitals") {
        const std::string id = std::get<std::string>(dump.row()[at("message_id")]);
        if (id.rfind("gw-x/", 0) == 0) vitals.insert(id);
      } else if (dump.table() == "ingest_dedup") {
        const std::string id = std::get<std::string>(dump.row()[at("message_id")]);
        if (id.rfind("gw-x/", 0) == 0) dedup.insert(id);
      }
    }
    EXPECT_GE(vitals.size(), 3 * kPageRows);
    EXPECT_EQ(vitals, dedup) << "run " << run;
  }
  stop = true;
  writer.join();
  EXPECT_TRUE(writer_ok);
  EXPECT_GT(overlapped, 0);  // the writer committed while a backup was being read
}

INSTANTIATE_TEST_SUITE_P(Backends, BackupRestore,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

// One back-end's backup into the other's database, both ways.
TEST(BackupAcrossBackends, SqliteBackupRestoresIntoPostgresAndBack) {
  vigil::testing::TempDir dir;
  std::string url;
  auto lite = FreshDatabase(Backend::kSqlite, dir, &url);
  ASSERT_NE(lite, nullptr);
  Populate(*lite);
  auto pg = FreshDatabase(Backend::kPostgres, dir, &url);
  ASSERT_NE(pg, nullptr);
  const BackupStatus s = Restore(*pg, Backup(*lite));
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSameRows(*lite, *pg);
  auto lite2 = FreshDatabase(Backend::kSqlite, dir, &url);
  ASSERT_NE(lite2, nullptr);
  const BackupStatus back = Restore(*lite2, Backup(*pg));
  ASSERT_TRUE(back.ok()) << back.ToString();
  ExpectSameRows(*lite, *lite2);
  Keyring keys;
  ASSERT_TRUE(keys.Open(*lite2, {Master(0x42)}, kT0).ok());
  PatientIdentity id;
  ASSERT_TRUE(ReadIdentity(*lite2, keys, 1, &id).ok());
  EXPECT_EQ(id.mrn, "MRN-0001");
}

}  // namespace
}  // namespace vigil::cloud::backup
