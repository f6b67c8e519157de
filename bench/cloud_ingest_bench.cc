// Cloud ingest figures (docs/cloud.md, "Figures") and their reference.
//
//  BM_Cloud_Ingest/<backend>   the ingest end to end on batches of 500 telemetry envelopes:
//                              the strict check, the dedup insert of every id, the value
//                              sealed with AES-256-GCM, the readings written by the bulk
//                              path, one transaction per batch; the 200 pseudonyms of the
//                              readings are admitted. items/s = readings/s.
//  BM_Ref_BulkInsert/<backend> the reference: the same number of rows of the same table
//                              shape (the vitals table, a 41-byte value blob) written by the
//                              raw bulk path (multi-row INSERT on SQLite, COPY on
//                              PostgreSQL) in one transaction per batch, no check, no
//                              dedup, no encryption.
// Both run against the same database settings: SQLite in WAL with synchronous=FULL, and a
// private PostgreSQL started by this program (scripts/postgres.sh) and stopped at exit.
// Compare items_per_second of the two for each back-end (target: at least half).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_databases.h"
#include "cloud/crypto/keyring.h"
#include "cloud/ingest/ingester.h"
#include "cloud/ingest/test_messages.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "common/test_temp_dir.h"
#include "edge/uplink/envelope.h"

namespace {

using namespace vigil::cloud;

constexpr size_t kBatch = 500;

std::string Url(Backend b, const std::string& name) {
  return vigil::bench::BenchDatabaseUrl(b, name);
}

MasterKey BenchKey() {
  MasterKey k;
  k.key.fill(0x5a);
  k.id = MasterKeyId(k.key);
  return k;
}

IngestMessage Reading(int64_t seq) {
  return vigil::cloud::testing::TelemetryMessage(
      static_cast<uint64_t>(seq), 1714564800000 + seq * 100, "p-" + std::to_string(seq % 200),
      90 + static_cast<double>(seq % 10), vigil::Vital::kSpO2, vigil::DeviceKind::kPulseOximeter);
}

void BM_Cloud_Ingest(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  static int n = 0;
  const std::string url = Url(backend, "ingest" + std::to_string(++n));
  std::unique_ptr<Database> db;
  if (url.empty() || !OpenDatabase(url, {}, &db).ok() ||
      !Migrate(*db, CloudMigrations(), 1, nullptr).ok()) {
    state.SkipWithError("no database");
    return;
  }
  Keyring keys;
  if (!keys.Open(*db, {BenchKey()}, 1).ok()) {
    state.SkipWithError("keyring");
    return;
  }
  // The readings' 200 pseudonyms are admitted, as on a ward in use.
  for (int i = 0; i < 200; ++i) {
    AdmitRequest req;
    req.identity = {"Patient " + std::to_string(i), "MRN-" + std::to_string(i), "1970-01-01"};
    req.pseudonym = "p-" + std::to_string(i);
    req.ward = "icu";
    if (!Admit(*db, keys, req, 1, nullptr).ok()) {
      state.SkipWithError("admit");
      return;
    }
  }
  Ingester ingester(*db, keys);
  int64_t seq = 0;
  std::vector<IngestMessage> batch(kBatch);
  for (auto _ : state) {
    state.PauseTiming();
    for (auto& m : batch) m = Reading(++seq);  // what the broker hands over: not measured
    state.ResumeTiming();
    if (!ingester.IngestBatch(batch, nullptr).ok()) {
      state.SkipWithError("ingest failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.SetLabel(std::string(BackendName(backend)));
}

void BM_Ref_BulkInsert(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  static int n = 0;
  const std::string url = Url(backend, "ref" + std::to_string(++n));
  std::unique_ptr<Database> db;
  if (url.empty() || !OpenDatabase(url, {}, &db).ok() ||
      !Migrate(*db, CloudMigrations(), 1, nullptr).ok()) {
    state.SkipWithError("no database");
    return;
  }
  static constexpr std::array<std::string_view, 9> cols = {
      "message_id", "patient_id", "pseudonym_hash", "vital", "time_ms",
      "quality",    "ward",       "gateway",        "value"};
  int64_t seq = 0;
  const Blob hash(32, 0x11), value(41, 0x22);
  std::vector<std::vector<Value>> rows(kBatch);
  for (auto _ : state) {
    state.PauseTiming();
    for (auto& r : rows) {
      ++seq;
      r = {Value{"gw-01/5f3a9c0d12e4b781/" + std::to_string(seq)},
           Value{seq % 200},
           Value{hash},
           Value{std::string("spo2")},
           Value{1714564800000 + seq * 100},
           Value{std::string("valid")},
           Value{std::string("icu")},
           Value{std::string("gw-01")},
           Value{value}};
    }
    state.ResumeTiming();
    if (!db->BulkInsert("vitals", cols, rows).ok()) {
      state.SkipWithError("bulk insert failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.SetLabel(std::string(BackendName(backend)));
}

BENCHMARK(BM_Cloud_Ingest)
    ->Arg(static_cast<int>(Backend::kSqlite))
    ->Arg(static_cast<int>(Backend::kPostgres))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK(BM_Ref_BulkInsert)
    ->Arg(static_cast<int>(Backend::kSqlite))
    ->Arg(static_cast<int>(Backend::kPostgres))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
