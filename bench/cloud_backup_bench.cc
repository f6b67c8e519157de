// Backup and restore figures (docs/backup.md, "Figures") and their references, on one
// SQLite database of kRows readings (VIGIL_BACKUP_BENCH_ROWS overrides) with their dedup
// ids, as ingest leaves it (sealed 41-byte values, 32-byte pseudonym hashes, the indexes).
//
//  BM_Cloud_Backup_Sqlite        `vigil backup`'s work: the snapshot, keyset pages, the
//                                dump, AES-256-GCM chunks, written and fsynced to a file
//  BM_Cloud_Restore_Sqlite       `vigil restore`'s work: decrypt, check, migrate a new
//                                file, bulk insert in one transaction (indexes maintained)
//  BM_Ref_SqliteBackupApi        reference: SQLite's online backup API (what `sqlite3
//                                .backup` runs) to a new file, fsynced
//  BM_Ref_FileCopy               reference: a plain copy of the checkpointed file, fsynced
// items/s are rows (readings + dedup ids + the rest); bytes/s are the bytes written (the
// backup file, or the database copy). One iteration each: each is seconds long.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cloud/backup/backup_file.h"
#include "cloud/backup/backup_writer.h"
#include "cloud/backup/restore.h"
#include "cloud/crypto/keyring.h"
#include "cloud/store/schema.h"
#include "common/test_temp_dir.h"

namespace {

using namespace vigil::cloud;
using namespace vigil::cloud::backup;
using vigil::testing::TempDir;

constexpr int64_t kT0 = 1764633600000;

BackupKey BenchBackupKey() {
  BackupKey k;
  k.key.fill(0x6b);
  k.id = BackupKeyId(k.key);
  return k;
}

void Fsync(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

struct Fixture {
  TempDir dir;
  std::string db_path, backup_path;
  uint64_t rows = 0, db_bytes = 0, backup_bytes = 0;
  int copies = 0;
  std::string error;

  Fixture() {
    const char* env = std::getenv("VIGIL_BACKUP_BENCH_ROWS");
    const int64_t n = env != nullptr ? std::atoll(env) : 1000000;
    db_path = dir.File("source.db");
    std::unique_ptr<Database> db;
    MigrateReport r;
    if (!OpenDatabase(db_path, {}, &db).ok() || !Migrate(*db, CloudMigrations(), kT0, &r).ok()) {
      error = "open";
      return;
    }
    MasterKey m;
    m.key.fill(0x5a);
    m.id = MasterKeyId(m.key);
    Keyring keys;
    if (!keys.Open(*db, {m}, kT0).ok()) {
      error = "keyring";
      return;
    }
    static constexpr std::string_view kVitalCols[] = {"message_id", "patient_id", "pseudonym_hash",
                                                      "vital",      "time_ms",    "quality",
                                                      "ward",       "gateway",    "value"};
    static constexpr std::string_view kDedupCols[] = {"message_id", "kind", "received_ms"};
    std::vector<std::vector<Value>> vitals, dedup;
    uint32_t x = 12345;
    auto bytes = [&](size_t len) {
      Blob b(len);
      for (auto& c : b) c = static_cast<uint8_t>((x = x * 1103515245u + 12345u) >> 24);
      return b;
    };
    for (int64_t i = 0; i < n; i += 10000) {
      vitals.clear();
      dedup.clear();
      for (int64_t j = i; j < std::min(n, i + 10000); ++j) {
        const std::string id = "gw-01/5f3a9c0d12e4b781/" + std::to_string(j + 1);
        vitals.push_back({id, int64_t{j % 200 + 1}, bytes(32), std::string("temperature"),
                          kT0 + j * 1000, std::string("valid"), std::string("icu"),
                          std::string("gw-01"), bytes(41)});
        dedup.push_back({id, std::string("telemetry"), kT0 + j * 1000});
      }
      Transaction tx(*db);
      if (!tx.Begin().ok() || !db->BulkInsert("vitals", kVitalCols, vitals).ok() ||
          !db->BulkInsert("ingest_dedup", kDedupCols, dedup).ok() || !tx.Commit().ok()) {
        error = "insert";
        return;
      }
    }
    db->ExecScript("PRAGMA wal_checkpoint(TRUNCATE)");
    db.reset();
    db_bytes = std::filesystem::file_size(db_path);
    backup_path = dir.File("made-once.vbk");
    if (OpenDatabase(db_path, {}, &db).ok()) {
      BackupFileSink sink;
      BackupSummary sum;
      if (sink.Open(backup_path).ok() &&
          WriteBackup(*db, BenchBackupKey(), kT0, &sink, &sum).ok() && sink.Commit().ok()) {
        rows = sum.rows;
        backup_bytes = sum.file_bytes;
        return;
      }
    }
    error = "backup";
  }
  std::string Next(const char* what) { return dir.File(what + std::to_string(++copies)); }
};

Fixture& Get() {
  static Fixture* f = new Fixture();  // lives for the whole run
  return *f;
}

void Report(benchmark::State& state, uint64_t rows, uint64_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(rows * state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_Cloud_Backup_Sqlite(benchmark::State& state) {
  Fixture& f = Get();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  uint64_t bytes = 0;
  for (auto _ : state) {
    std::unique_ptr<Database> db;
    if (!OpenDatabase(f.db_path, {}, &db).ok()) return state.SkipWithError("open");
    const std::string out = f.Next("backup-");
    BackupFileSink sink;
    BackupSummary sum;
    if (!sink.Open(out).ok() || !WriteBackup(*db, BenchBackupKey(), kT0, &sink, &sum).ok() ||
        !sink.Commit().ok())
      return state.SkipWithError("backup");
    bytes = sum.file_bytes;
    state.PauseTiming();
    std::filesystem::remove(out);
    state.ResumeTiming();
  }
  Report(state, f.rows, bytes);
}
BENCHMARK(BM_Cloud_Backup_Sqlite)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Cloud_Restore_Sqlite(benchmark::State& state) {
  Fixture& f = Get();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  for (auto _ : state) {
    const std::string out = f.Next("restored-") + ".db";
    std::unique_ptr<Database> db;
    if (!OpenDatabase(out, {}, &db).ok()) return state.SkipWithError("open");
    BackupFileSource src;
    ContentSummary sum;
    if (!src.Open(f.backup_path).ok() ||
        !RestoreBackup(*db, BenchBackupKey(), &src, CloudMigrations(), kT0, &sum).ok())
      return state.SkipWithError("restore");
    state.PauseTiming();
    db.reset();
    std::filesystem::remove(out);
    std::filesystem::remove(out + "-wal");
    std::filesystem::remove(out + "-shm");
    state.ResumeTiming();
  }
  Report(state, f.rows, f.backup_bytes);
}
BENCHMARK(BM_Cloud_Restore_Sqlite)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Ref_SqliteBackupApi(benchmark::State& state) {
  Fixture& f = Get();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  for (auto _ : state) {
    const std::string out = f.Next("api-") + ".db";
    sqlite3 *src = nullptr, *dst = nullptr;
    sqlite3_open_v2(f.db_path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_open(out.c_str(), &dst);
    sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
    const int rc = b != nullptr ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    sqlite3_backup_finish(b);
    sqlite3_close(dst);
    sqlite3_close(src);
    if (rc != SQLITE_DONE) return state.SkipWithError("sqlite3_backup_step");
    Fsync(out);
    state.PauseTiming();
    std::filesystem::remove(out);
    state.ResumeTiming();
  }
  Report(state, f.rows, f.db_bytes);
}
BENCHMARK(BM_Ref_SqliteBackupApi)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Ref_FileCopy(benchmark::State& state) {
  Fixture& f = Get();
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  for (auto _ : state) {
    const std::string out = f.Next("copy-") + ".db";
    std::filesystem::copy_file(f.db_path, out);
    Fsync(out);
    state.PauseTiming();
    std::filesystem::remove(out);
    state.ResumeTiming();
  }
  Report(state, f.rows, f.db_bytes);
}
BENCHMARK(BM_Ref_FileCopy)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
