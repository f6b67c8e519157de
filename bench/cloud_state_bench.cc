// Audit append figures (docs/audit.md, "Figures") and their reference.
//
//  BM_Cloud_AuditAppend/<backend>/<writers>  AuditLog::Append as the service calls it: one
//                              transaction per record that locks the tail row, links
//                              (check, canonical form, SHA-256), inserts the entry and
//                              updates the tail. <writers> connections append at once, in
//                              their own threads, to one chain. items/s = records/s.
//  BM_Ref_AuditRowInsert/<backend>/<writers> the reference: a plain INSERT of the same row
//                              shape (seq, time_ms, the same canonical bytes, two 32-byte
//                              hashes) into a table like audit_log, one auto-committed
//                              statement per row, each writer on its own seq range: the
//                              cost of one durable row without the chain.
// Both run against the same database settings: SQLite in WAL with synchronous=FULL, and a
// private PostgreSQL started by this program (scripts/postgres.sh) and stopped at exit.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_databases.h"
#include "cloud/audit/audit_canonical.h"
#include "cloud/audit/audit_test_records.h"
#include "cloud/store/audit_log.h"
#include "cloud/store/schema.h"
#include "common/test_temp_dir.h"

namespace {

using namespace vigil::cloud;

constexpr int kPerWriter = 50;  // records each writer appends per iteration

std::string Url(Backend b, const std::string& name) {
  return vigil::bench::BenchDatabaseUrl(b, name);
}

vigil::audit::AuditRecord Record(int i) {
  vigil::audit::AuditRecord r = vigil::audit::testing::NurseRead();
  r.time_ms += i;
  return r;
}

// Opens `writers` connections to a fresh, migrated database. Empty on failure.
std::vector<std::unique_ptr<Database>> Connections(Backend backend, const std::string& name,
                                                   int writers) {
  const std::string url = Url(backend, name);
  std::vector<std::unique_ptr<Database>> out;
  if (url.empty()) return out;
  for (int w = 0; w < writers; ++w) {
    std::unique_ptr<Database> db;
    if (!OpenDatabase(url, {}, &db).ok()) return {};
    if (w == 0 && !Migrate(*db, CloudMigrations(), 1, nullptr).ok()) return {};
    out.push_back(std::move(db));
  }
  return out;
}

// Runs body(writer) on every writer at once and waits; false if any returned false.
template <typename F>
bool Together(int writers, F body) {
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      if (!body(w)) ok = false;
    });
  for (std::thread& t : threads) t.join();
  return ok;
}

void BM_Cloud_AuditAppend(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  const int writers = static_cast<int>(state.range(1));
  static int n = 0;
  auto conns = Connections(backend, "audit" + std::to_string(++n), writers);
  if (conns.empty()) {
    state.SkipWithError("no database");
    return;
  }
  std::vector<std::unique_ptr<AuditLog>> logs;
  for (auto& c : conns) logs.push_back(std::make_unique<AuditLog>(*c));
  int i = 0;
  for (auto _ : state) {
    const int base = i;
    i += kPerWriter;
    const bool ok = Together(writers, [&](int w) {
      for (int k = 0; k < kPerWriter; ++k)
        if (!logs[static_cast<size_t>(w)]->Append(Record(base + k)).ok()) return false;
      return true;
    });
    if (!ok) {
      state.SkipWithError("append failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kPerWriter * writers);
  state.SetLabel(std::string(BackendName(backend)));
}

void BM_Ref_AuditRowInsert(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  const int writers = static_cast<int>(state.range(1));
  static int n = 0;
  auto conns = Connections(backend, "auditref" + std::to_string(++n), writers);
  if (conns.empty() ||
      !conns[0]
           ->ExecScript("CREATE TABLE audit_ref (seq BIGINT PRIMARY KEY, time_ms BIGINT NOT NULL, "
                        "record " +
                        std::string(conns[0]->BlobType()) + " NOT NULL, prev_hash " +
                        std::string(conns[0]->BlobType()) + " NOT NULL, hash " +
                        std::string(conns[0]->BlobType()) + " NOT NULL)")
           .ok()) {
    state.SkipWithError("no database");
    return;
  }
  const std::string bytes = vigil::audit::Canonical(1, Record(0));
  const Blob record(bytes.begin(), bytes.end());
  const Blob hash(32, 0xab);
  int64_t round = 0;
  for (auto _ : state) {
    const int64_t base = round;
    round += kPerWriter;
    const bool ok = Together(writers, [&](int w) {
      for (int k = 0; k < kPerWriter; ++k) {
        const int64_t seq = (base + k) * writers + w + 1;  // disjoint per writer
        if (!conns[static_cast<size_t>(w)]
                 ->Execute("INSERT INTO audit_ref (seq, time_ms, record, prev_hash, hash) "
                           "VALUES (?, ?, ?, ?, ?)",
                           {Value{seq}, Value{seq}, Value{record}, Value{hash}, Value{hash}})
                 .ok())
          return false;
      }
      return true;
    });
    if (!ok) {
      state.SkipWithError("insert failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kPerWriter * writers);
  state.SetLabel(std::string(BackendName(backend)));
}

void Args(benchmark::internal::Benchmark* b) {
  for (Backend be : {Backend::kSqlite, Backend::kPostgres})
    for (int writers : {1, 2}) b->Args({static_cast<int>(be), writers});
}

BENCHMARK(BM_Cloud_AuditAppend)->Apply(Args)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Ref_AuditRowInsert)->Apply(Args)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
