// API latency of the dashboard's queries (docs/api.md, "Figures") at hospital size: 1,000
// patients in 20 wards of 50 beds, each with 30 days of readings of three vitals every
// 15 minutes (8.6 M readings, every value sealed as the ingest seals it) and two open
// alarms per ward, in SQLite (WAL, synchronous=FULL). Each request goes through the whole
// pipeline (route, session, rate limit, target, policy, handler with decryption, audit).
//
//  BM_Api_WardLatest       GET /api/wards/{w}/latest: 50 beds, newest reading per vital
//  BM_Api_WardAlarms       GET /api/wards/{w}/alarms
//  BM_Api_Trend4h          GET /api/patients/{p}/vitals?vital=heart_rate&from=-4h
//  BM_Api_FhirSearch       GET /fhir/Observation?patient={p}&date=ge<-1d>&_count=50
//  BM_Ref_Trend4hSql       reference: the trend's SELECT alone (no policy, no decryption,
//                          no JSON), on the same connection
//  BM_Ref_WardLatestSql    reference: the 50 x 10 index probes of the ward view alone
// One request per repetition, 300 repetitions: the p50 and p99 rows are over requests.
// The database is built once per run (about two minutes on 2 cores).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cloud/api/api_service.h"
#include "cloud/api/database_alert_sink.h"
#include "cloud/api/in_memory_api.h"
#include "cloud/ingest/ingester.h"
#include "cloud/ingest/test_messages.h"
#include "cloud/store/migrations.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "common/hex.h"
#include "common/test_temp_dir.h"

namespace {

using namespace vigil;
using namespace vigil::cloud;
using namespace vigil::cloud::api;

constexpr int kWards = 20;
constexpr int kBeds = 50;
constexpr int64_t kDays = 30;
constexpr int64_t kStepMs = 15 * 60 * 1000;
constexpr TimeUs kNow = 1'750'000'000LL * kSeconds;
constexpr int64_t kNowMs = kNow / 1000;
const Vital kVitals[] = {Vital::kHeartRate, Vital::kSpO2, Vital::kRespRate};

double Percentile(const std::vector<double>& v, double p) {
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  if (s.empty()) return 0;
  return s[std::min(s.size() - 1, static_cast<size_t>(p * static_cast<double>(s.size())))];
}

struct World {
  vigil::testing::TempDir dir;
  std::unique_ptr<Database> db;
  Keyring keys;
  InMemoryApi mem{UnlimitedRates()};
  std::unique_ptr<DatabaseAlertSink> alerts;
  std::unique_ptr<ApiService> service;
  std::vector<std::pair<std::string, std::string>> nurse_headers;

  World() {
    OpenOptions oo;
    if (!OpenDatabase(dir.File("cloud.db"), oo, &db).ok()) std::abort();
    if (!Migrate(*db, CloudMigrations(), kNowMs, nullptr).ok()) std::abort();
    MasterKey mk;
    mk.key.fill(0x17);
    mk.id = MasterKeyId(mk.key);
    if (!keys.Open(*db, {mk}, kNowMs).ok()) std::abort();
    Load();
    alerts = std::make_unique<DatabaseAlertSink>(*db, "bench");
    (void)mem.token_keys.Rotate(kNow, nullptr);
    const ApiDeps d = mem.Deps(db.get(), &keys, alerts.get());
    service = std::make_unique<ApiService>(ApiConfig{}, d);
    // A nurse on duty in every ward (the benchmark reads them all).
    UserAccount u;
    u.user_id = "nurse";
    u.role = policy::Role::kNurse;
    for (int w = 0; w < kWards; ++w)
      u.wards.push_back(
          {"ward-" + std::to_string(w), kNow - 3600 * kSeconds, kNow + 3600 * kSeconds});
    (void)mem.directory.Create(u);
    auto s = mem.sessions.Create("nurse", kNow);
    nurse_headers = {{"cookie", std::string(auth::kSessionCookie) + "=" + s->session_id}};
  }

  void Load() {
    std::fprintf(stderr, "building the hospital: %d patients x %lld days...\n", kWards * kBeds,
                 static_cast<long long>(kDays));
    int64_t patient = 0;
    const std::vector<std::string_view> cols = {"message_id", "patient_id", "pseudonym_hash",
                                                "vital",      "time_ms",    "quality",
                                                "ward",       "gateway",    "value"};
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0, 2);
    for (int w = 0; w < kWards; ++w) {
      const std::string ward = "ward-" + std::to_string(w);
      std::vector<IngestMessage> alarms;
      for (int b = 0; b < kBeds; ++b) {
        const std::string pseudonym = "p-" + std::to_string(w) + "-" + std::to_string(b);
        AdmitRequest a{{"Patient " + std::to_string(patient + 1), "MRN", "1970-01-01"},
                       pseudonym,
                       "pulse_oximeter",
                       ward,
                       "bed-" + std::to_string(b),
                       kNowMs - kDays * 86400000};
        AdmitResult r;
        if (!Admit(*db, keys, a, kNowMs, &r).ok()) std::abort();
        patient = r.patient_id;
        const Blob hash = keys.PseudonymHash(pseudonym);
        const std::string owner = PseudonymOwner(hash);
        std::vector<std::vector<Value>> rows;
        int64_t seq = 0;
        for (int64_t t = kNowMs - kDays * 86400000; t < kNowMs; t += kStepMs) {
          for (Vital v : kVitals) {
            const std::string id = "gw-" + std::to_string(w) + "/bench/" + std::to_string(++seq) +
                                   "-" + std::to_string(b);
            const double value = (v == Vital::kSpO2       ? 96
                                  : v == Vital::kRespRate ? 16
                                                          : 75) +
                                 noise(rng) * (v == Vital::kSpO2 ? 0.5 : 1);
            Blob sealed;
            if (!keys.Seal({kVitalsTable, "value", owner, id}, EncodeVitalValue(value), &sealed)
                     .ok())
              std::abort();
            rows.push_back({Value{id}, Value{patient}, Value{hash},
                            Value{std::string(VitalName(v))}, Value{t}, Value{std::string("valid")},
                            Value{ward}, Value{"gw-" + std::to_string(w)},
                            Value{std::move(sealed)}});
          }
        }
        if (!db->Begin().ok() || !db->BulkInsert("vitals", cols, rows).ok() || !db->Commit().ok())
          std::abort();
      }
      for (int k = 0; k < 2; ++k) {
        const uplink::Origin origin{"site", "gw-" + std::to_string(w), 1};
        uplink::AlarmRecord al;
        al.alarm_id = "a" + std::to_string(k);
        al.priority = k == 0 ? uplink::AlarmPriority::kHigh : uplink::AlarmPriority::kMedium;
        al.condition = "spo2_low";
        al.pseudonym = "p-" + std::to_string(w) + "-" + std::to_string(k);
        al.ward = ward;
        al.device_kind = DeviceKind::kPulseOximeter;
        al.time_ms = kNowMs - 60000;
        alarms.push_back({uplink::Topic(origin, "alarm"),
                          uplink::FormatAlarm(origin, static_cast<uint64_t>(k + 1), al), kNowMs});
      }
      Ingester ing(*db, keys);
      if (!ing.IngestBatch(alarms, nullptr).ok()) std::abort();
    }
    std::fprintf(stderr, "built.\n");
  }

  HttpResponse Get(const std::string& target) {
    HttpRequest r;
    r.method = "GET";
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.remote = "127.0.0.1:40000";
    r.tls = true;
    r.headers = nurse_headers;
    return service->Handle(r, kNow);
  }
};

World& W() {
  static World* w = new World();
  return *w;
}

void ApiCall(benchmark::State& state, const std::function<std::string(int)>& target) {
  World& w = W();
  static thread_local int i = 0;
  for (auto _ : state) {
    const HttpResponse r = w.Get(target(i++));
    if (r.status != 200) state.SkipWithError(("status " + std::to_string(r.status)).c_str());
    benchmark::DoNotOptimize(r.body.data());
  }
}

void BM_Api_WardLatest(benchmark::State& state) {
  ApiCall(state, [](int i) { return "/api/wards/ward-" + std::to_string(i % kWards) + "/latest"; });
}
void BM_Api_WardAlarms(benchmark::State& state) {
  ApiCall(state, [](int i) { return "/api/wards/ward-" + std::to_string(i % kWards) + "/alarms"; });
}
void BM_Api_Trend4h(benchmark::State& state) {
  ApiCall(state, [](int i) {
    return "/api/patients/" + std::to_string(1 + (i * 37) % (kWards * kBeds)) +
           "/vitals?vital=heart_rate&from=" + std::to_string(kNowMs - 4 * 3600000);
  });
}
void BM_Api_FhirSearch(benchmark::State& state) {
  ApiCall(state, [](int i) {
    return "/fhir/Observation?patient=" + std::to_string(1 + (i * 53) % (kWards * kBeds)) +
           "&date=ge2025-06-14&_count=50";
  });
}

void BM_Ref_Trend4hSql(benchmark::State& state) {
  World& w = W();
  int i = 0;
  for (auto _ : state) {
    std::vector<Row> rows;
    const int64_t p = 1 + (i++ * 37) % (kWards * kBeds);
    if (!w.db->Execute("SELECT message_id, pseudonym_hash, vital, time_ms, quality, value, "
                       "vital_row, gateway FROM vitals WHERE patient_id = ? AND vital = ? AND "
                       "time_ms >= ? AND time_ms < ? ORDER BY time_ms",
                       {Value{p}, Value{std::string("heart_rate")}, Value{kNowMs - 4 * 3600000},
                        Value{kNowMs}},
                       &rows)
             .ok())
      state.SkipWithError("query");
    benchmark::DoNotOptimize(rows.data());
  }
}

void BM_Ref_WardLatestSql(benchmark::State& state) {
  World& w = W();
  int i = 0;
  for (auto _ : state) {
    const int ward = i++ % kWards;
    for (int b = 0; b < kBeds; ++b) {
      const int64_t p = 1 + ward * kBeds + b;
      for (Vital v : kAllVitals) {
        std::vector<Row> rows;
        if (!w.db->Execute("SELECT message_id, pseudonym_hash, vital, time_ms, quality, value, "
                           "vital_row, gateway FROM vitals WHERE patient_id = ? AND vital = ? "
                           "ORDER BY time_ms DESC LIMIT 1",
                           {Value{p}, Value{std::string(VitalName(v))}}, &rows)
                 .ok())
          state.SkipWithError("query");
        benchmark::DoNotOptimize(rows.data());
      }
    }
  }
}

#define API_BENCH(fn)                                                                              \
  BENCHMARK(fn)                                                                                    \
      ->Iterations(1)                                                                              \
      ->Repetitions(300)                                                                           \
      ->ReportAggregatesOnly(true)                                                                 \
      ->Unit(benchmark::kMillisecond)                                                              \
      ->ComputeStatistics("p50", [](const std::vector<double>& v) { return Percentile(v, 0.50); }) \
      ->ComputeStatistics("p99", [](const std::vector<double>& v) { return Percentile(v, 0.99); })

API_BENCH(BM_Api_WardLatest);
API_BENCH(BM_Ref_WardLatestSql);
API_BENCH(BM_Api_WardAlarms);
API_BENCH(BM_Api_Trend4h);
API_BENCH(BM_Ref_Trend4hSql);
API_BENCH(BM_Api_FhirSearch);

}  // namespace
