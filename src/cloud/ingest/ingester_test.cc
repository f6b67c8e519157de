#include "cloud/ingest/ingester.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "cloud/ingest/test_messages.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"
#include "edge/uplink/envelope.h"

namespace vigil::cloud {
namespace {

using nlohmann::json;
using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

MasterKey TestKey() {
  MasterKey k;
  k.key.fill(0x42);
  k.id = MasterKeyId(k.key);
  return k;
}

constexpr int64_t kT0 = 1714564800000;

IngestMessage Reading(int64_t seq, std::string pseudonym = "p-7f3a91c2", double value = 37.4,
                      const std::string& gateway = "gw-01") {
  return testing::TelemetryMessage(static_cast<uint64_t>(seq), kT0 + seq * 1000, pseudonym, value,
                                   Vital::kTemperature, DeviceKind::kThermometer, gateway);
}

IngestMessage Alarm(int64_t seq, const std::string& state, int64_t t,
                    const std::string& priority = "high") {
  json j = {{"v", 1},
            {"id", "gw-01/5f3a9c0d12e4b781/" + std::to_string(seq)},
            {"kind", "alarm"},
            {"site", "site-a"},
            {"gateway", "gw-01"},
            {"stream", "5f3a9c0d12e4b781"},
            {"seq", seq},
            {"time", uplink::UtcIso8601(t)},
            {"time_ms", t},
            {"alarm_id", "1835008017"},
            {"state", state},
            {"priority", priority},
            {"condition", "spo2_low"},
            {"technical", false},
            {"pseudonym", "p-7f3a91c2"},
            {"ward", "icu"},
            {"device_kind", "pulse_oximeter"},
            {"vital", "spo2"},
            {"value", 84},
            {"unit", "%"},
            {"message", "SpO2 below 85 % for 15 s"}};
  return {"vigil/v1/site-a/gw-01/alarm", j.dump(), t};
}

class IngestSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
    ASSERT_TRUE(keys_.Open(*db_, {TestKey()}, 1).ok());
    ingest_ = std::make_unique<Ingester>(*db_, keys_);
  }
  int64_t Count(const std::string& sql) {
    std::vector<Row> rows;
    EXPECT_TRUE(db_->Execute(sql, {}, &rows).ok()) << sql;
    return rows.empty() ? -1 : rows[0].Int(0);
  }
  IngestCounters Ingest(const std::vector<IngestMessage>& batch) {
    IngestCounters c;
    const Status s = ingest_->IngestBatch(batch, &c);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return c;
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
  std::unique_ptr<Ingester> ingest_;
};

TEST_P(IngestSuite, DuplicatesAreCountedAndNeverStoredTwice) {
  IngestCounters c = Ingest({Reading(1), Reading(2), Reading(1)});
  EXPECT_EQ(c.stored, 2u);
  EXPECT_EQ(c.duplicates, 1u);
  c = Ingest({Reading(2), Reading(3)});
  EXPECT_EQ(c.stored, 1u);
  EXPECT_EQ(c.duplicates, 1u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM vitals"), 3);
}

TEST_P(IngestSuite, DuplicatesAreRefusedAcrossARestart) {
  Ingest({Reading(1), Reading(2)});
  ingest_.reset();
  db_.reset();
  std::unique_ptr<Database> again;
  ASSERT_TRUE(OpenDatabase(url_, {}, &again).ok());
  ASSERT_TRUE(Migrate(*again, CloudMigrations(), 2, nullptr).ok());
  Keyring keys;
  ASSERT_TRUE(keys.Open(*again, {TestKey()}, 2).ok());
  Ingester second(*again, keys);
  IngestCounters c;
  ASSERT_TRUE(second.IngestBatch(std::vector<IngestMessage>{Reading(2), Reading(3)}, &c).ok());
  EXPECT_EQ(c.stored, 1u);
  EXPECT_EQ(c.duplicates, 1u);
  std::vector<Row> rows;
  ASSERT_TRUE(again->Execute("SELECT COUNT(*) FROM vitals", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 3);
}

TEST_P(IngestSuite, TwoIngestersOnOneDatabaseStoreEachMessageOnce) {
  // Two processes' worth: two connections, overlapping batches, at the same time.
  std::vector<IngestMessage> all;
  for (int64_t s = 1; s <= 400; ++s) all.push_back(Reading(s));
  IngestCounters totals[2];
  auto run = [&](int who) {
    std::unique_ptr<Database> db;
    ASSERT_TRUE(OpenDatabase(url_, {}, &db).ok());
    Keyring keys;
    ASSERT_TRUE(keys.Open(*db, {TestKey()}, 1).ok());
    Ingester in(*db, keys);
    // Each sends everything, in batches of 50, the second in reverse order.
    for (int b = 0; b < 8; ++b) {
      const int k = who == 0 ? b : 7 - b;
      std::vector<IngestMessage> batch(all.begin() + k * 50, all.begin() + (k + 1) * 50);
      for (int attempt = 0;; ++attempt) {
        const Status s = in.IngestBatch(batch, nullptr);
        if (s.ok()) break;
        ASSERT_EQ(s.code, StoreError::kBusy) << s.ToString();  // retried, as the source does
        ASSERT_LT(attempt, 50);
      }
    }
    totals[who] = in.totals();
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  EXPECT_EQ(totals[0].stored + totals[1].stored, 400u);
  EXPECT_EQ(totals[0].duplicates + totals[1].duplicates, 400u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM vitals"), 400);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT message_id) FROM vitals"), 400);
}

TEST_P(IngestSuite, RefusedMessageIsKeptAsDeadLetterAndIngestGoesOn) {
  IngestMessage bad = Reading(2);
  bad.payload.replace(bad.payload.find("\"Cel\""), 5, "\"degC\"");
  const IngestMessage not_json = {"vigil/v1/site-a/gw-01/telemetry", "{oops", kT0};
  IngestCounters c = Ingest({Reading(1), bad, not_json, Reading(3)});
  EXPECT_EQ(c.stored, 2u);
  EXPECT_EQ(c.dead_letters, 2u);
  EXPECT_EQ(c.rejected[static_cast<size_t>(Reject::kBadFormat)], 1u);
  EXPECT_EQ(c.rejected[static_cast<size_t>(Reject::kNotJson)], 1u);
  // Redelivered: counted again as refused, kept once.
  c = Ingest({bad});
  EXPECT_EQ(c.dead_letters, 0u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM dead_letters"), 2);
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT letter_key, topic, reason, detail, payload FROM dead_letters "
                           "WHERE reason = 'bad_format'",
                           {}, &rows)
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(1), "vigil/v1/site-a/gw-01/telemetry");
  EXPECT_EQ(rows[0].Text(3), "unit");
  std::vector<uint8_t> plain;
  const std::string key = rows[0].Text(0);
  ASSERT_TRUE(
      keys_.Unseal({kDeadLettersTable, "payload", "dead-letter", key}, rows[0].Bytes(4), &plain)
          .ok());
  EXPECT_EQ(std::string(plain.begin(), plain.end()), bad.payload);  // nothing lost
}

TEST_P(IngestSuite, ReadingsOfAnUnknownPseudonymAreKeptAndLinkedByALaterAdmission) {
  Ingest({Reading(1, "p-later", 36.6), Reading(2, "p-later", 36.9)});
  EXPECT_EQ(Count("SELECT COUNT(*) FROM vitals WHERE patient_id IS NULL"), 2);
  AdmitRequest req;
  req.identity = {"Ada Lovelace", "MRN-0001", "1815-12-10"};
  req.pseudonym = "p-later";
  req.device_kind = "thermometer";
  req.ward = "icu";
  req.bed = "3";
  req.start_ms = kT0;
  AdmitResult r;
  ASSERT_TRUE(Admit(*db_, keys_, req, kT0 + 10000, &r).ok());
  EXPECT_EQ(r.linked, 2u);
  // Later readings find the patient at ingest.
  Ingest({Reading(3, "p-later", 37.1)});
  std::vector<StoredReading> trend;
  ASSERT_TRUE(Trend(*db_, keys_, r.patient_id, "temperature", 0, INT64_MAX, &trend).ok());
  ASSERT_EQ(trend.size(), 3u);
  EXPECT_DOUBLE_EQ(trend[0].value, 36.6);
  EXPECT_DOUBLE_EQ(trend[2].value, 37.1);
  std::vector<StoredReading> latest;
  ASSERT_TRUE(LatestVitals(*db_, keys_, r.patient_id, &latest).ok());
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_DOUBLE_EQ(latest[0].value, 37.1);
  PatientIdentity who;
  ASSERT_TRUE(ReadIdentity(*db_, keys_, r.patient_id, &who).ok());
  EXPECT_EQ(who.name, "Ada Lovelace");
  EXPECT_EQ(who.mrn, "MRN-0001");
  // The same pseudonym cannot be given to a second patient.
  req.identity.name = "Someone Else";
  EXPECT_EQ(Admit(*db_, keys_, req, kT0, nullptr).code, StoreError::kConstraint);
}

TEST_P(IngestSuite, ReadingMovedToAnotherPatientIsRefusedOnRead) {
  AdmitRequest a, b;
  a.identity = {"Ada", "1", ""};
  a.pseudonym = "p-a";
  b.identity = {"Bob", "2", ""};
  b.pseudonym = "p-b";
  AdmitResult ra, rb;
  ASSERT_TRUE(Admit(*db_, keys_, a, kT0, &ra).ok());
  ASSERT_TRUE(Admit(*db_, keys_, b, kT0, &rb).ok());
  Ingest({Reading(1, "p-a", 38.5)});
  // Relabel the row as Bob's: his pseudonym is not the one the value is sealed under.
  ASSERT_TRUE(db_->Execute("UPDATE vitals SET patient_id = ?", {Value{rb.patient_id}}).ok());
  std::vector<StoredReading> out;
  EXPECT_EQ(LatestVitals(*db_, keys_, rb.patient_id, &out).code, StoreError::kCrypto);
  // Move it fully (patient and pseudonym index): the seal names Ada's pseudonym.
  ASSERT_TRUE(
      db_->Execute("UPDATE vitals SET pseudonym_hash = ?", {Value{keys_.PseudonymHash("p-b")}})
          .ok());
  out.clear();
  EXPECT_EQ(LatestVitals(*db_, keys_, rb.patient_id, &out).code, StoreError::kCrypto);
  EXPECT_TRUE(out.empty());
  // Swap the pseudonym rows' patients: their seals name the patient.
  ASSERT_TRUE(db_->Execute("UPDATE pseudonyms SET patient_id = ? WHERE patient_id = ?",
                           {Value{rb.patient_id}, Value{ra.patient_id}})
                  .ok());
  EXPECT_EQ(LatestVitals(*db_, keys_, rb.patient_id, &out).code, StoreError::kCrypto);
}

TEST_P(IngestSuite, AlarmLifeIsKeptAndALateUpdateDoesNotReopenIt) {
  Ingest({Alarm(10, "raised", kT0)});
  std::vector<StoredAlarm> open;
  ASSERT_TRUE(OpenAlarms(*db_, keys_, "icu", &open).ok());
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].state, "raised");
  EXPECT_NE(open[0].detail_json.find("spo2_low"), std::string::npos);
  Ingest({Alarm(12, "cleared", kT0 + 20000), Alarm(11, "updated", kT0 + 10000, "medium")});
  open.clear();
  ASSERT_TRUE(OpenAlarms(*db_, keys_, "icu", &open).ok());
  EXPECT_TRUE(open.empty());
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT state, raised_ms, cleared_ms, last_ms, events, priority "
                           "FROM alarms",
                           {}, &rows)
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "cleared");
  EXPECT_EQ(rows[0].Int(1), kT0);
  EXPECT_EQ(rows[0].Int(2), kT0 + 20000);
  EXPECT_EQ(rows[0].Int(3), kT0 + 20000);
  EXPECT_EQ(rows[0].Int(4), 3);
  EXPECT_EQ(rows[0].Text(5), "high");  // the older 'updated' does not overwrite
}

TEST_P(IngestSuite, FailedBatchStoresNothingAndCanBeRetried) {
  ASSERT_TRUE(db_->ExecScript("DROP TABLE security_alerts").ok());
  std::string sec =
      R"({"v":1,"id":"gw-01/5f3a9c0d12e4b781/9","kind":"security","site":"site-a","gateway":"gw-01","stream":"5f3a9c0d12e4b781","seq":9,"time":")" +
      uplink::UtcIso8601(kT0) + R"(","time_ms":)" + std::to_string(kT0) +
      R"(,"signature_id":9100001,"severity":2,"eve":{"event_type":"alert"}})";
  const std::vector<IngestMessage> batch = {Reading(1),
                                            {"vigil/v1/site-a/gw-01/security", sec, kT0}};
  EXPECT_FALSE(ingest_->IngestBatch(batch, nullptr).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM vitals"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ingest_dedup"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, IngestSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

bool Contains(const std::vector<uint8_t>& hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

TEST(EncryptionAtRest, DatabaseFileHoldsNoNameNoPseudonymAndNoVitalValue) {
  vigil::testing::TempDir dir;
  const std::string path = dir.File("cloud.db");
  {
    std::unique_ptr<Database> db;
    ASSERT_TRUE(OpenDatabase(path, {}, &db).ok());
    ASSERT_TRUE(Migrate(*db, CloudMigrations(), 1, nullptr).ok());
    Keyring keys;
    ASSERT_TRUE(keys.Open(*db, {TestKey()}, 1).ok());
    AdmitRequest req;
    req.identity = {"Zebediah Quixote", "MRN-77231", "1961-07-14"};
    req.pseudonym = "p-7f3a91c2";
    req.ward = "icu";
    ASSERT_TRUE(Admit(*db, keys, req, kT0, nullptr).ok());
    Ingester in(*db, keys);
    std::vector<IngestMessage> batch;
    for (int64_t s = 1; s <= 50; ++s) batch.push_back(Reading(s, "p-7f3a91c2", 39.87));
    batch.push_back(Alarm(60, "raised", kT0));
    IngestMessage bad = Reading(61, "p-7f3a91c2", 39.87);
    bad.payload += " trailing";  // a dead letter: its payload too
    batch.push_back(bad);
    ASSERT_TRUE(in.IngestBatch(batch, nullptr).ok());
  }
  std::vector<uint8_t> bytes = vigil::testing::ReadAll(path);
  const std::vector<uint8_t> wal = vigil::testing::ReadAll(path + "-wal");
  bytes.insert(bytes.end(), wal.begin(), wal.end());
  ASSERT_GT(bytes.size(), 4096u);
  for (std::string_view secret : {"Zebediah", "Quixote", "MRN-77231", "1961-07-14", "p-7f3a91c2",
                                  "39.87", "spo2_low", "SpO2 below"})
    EXPECT_FALSE(Contains(bytes, secret)) << secret;
  const Blob raw = EncodeVitalValue(39.87);
  EXPECT_FALSE(Contains(bytes, std::string_view(reinterpret_cast<const char*>(raw.data()), 8)));
  // What is meant to be in clear is there (the check reads the right bytes).
  EXPECT_TRUE(Contains(bytes, "temperature"));
}

}  // namespace
}  // namespace vigil::cloud
