// A whole API over a real SQLite database in a temporary directory, with every store of
// the single-process kind, for the API's tests and benchmark: two admitted patients
// (1 in ward icu under care team team-a, 2 in ward cardio), readings and an alarm of
// patient 1 ingested as a gateway sends them, and helpers that log people in.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "cloud/api/api_service.h"
#include "cloud/api/database_alert_sink.h"
#include "cloud/api/in_memory_api.h"
#include "cloud/crypto/master_key.h"
#include "cloud/ingest/test_messages.h"
#include "cloud/store/clinical_views.h"
#include "cloud/store/migrations.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "common/test_temp_dir.h"
#include "edge/uplink/envelope.h"

namespace vigil::cloud::api::testing {

inline constexpr TimeUs kNow = 1'750'000'000LL * kSeconds;
inline constexpr TimeUs kHour = 3600 * kSeconds;
inline constexpr int64_t kNowMs = kNow / 1000;

inline guard::RateLimitConfig GenerousLimits() { return UnlimitedRates(); }

struct Credentials {
  std::vector<std::pair<std::string, std::string>> headers;  // to add to the request
};

class ApiHarness {
 public:
  explicit ApiHarness(guard::RateLimitConfig limits = GenerousLimits(),
                      AuditSink* audit_override = nullptr)
      : mem_(limits, TestJwtConfig()) {
    EXPECT_TRUE(OpenDatabase(dir_.File("cloud.db"), {}, &db_).ok());
    EXPECT_TRUE(Migrate(*db_, CloudMigrations(), kNowMs, nullptr).ok());
    MasterKey mk;
    mk.key.fill(0x42);
    mk.id = MasterKeyId(mk.key);
    EXPECT_TRUE(keys_.Open(*db_, {mk}, kNowMs).ok());
    EXPECT_TRUE(token_keys_->Rotate(kNow, nullptr).ok());
    alerts_ = std::make_unique<DatabaseAlertSink>(*db_, "site-a");
    ApiDeps d = mem_.Deps(db_.get(), &keys_, alerts_.get(), audit_override);
    const std::vector<uint8_t> seed(uplink::kCommandSeedBytes, 0x5c);
    EXPECT_EQ(command_signer_.Init(seed), Error::kOk);
    d.command_signer = &command_signer_;
    ApiConfig c;
    c.site = "site-a";
    c.password_params = {1024, 1, 1};  // fast for tests; the bounds allow it
    service_ = std::make_unique<ApiService>(c, d);
    Seed();
  }

  // Patients 1 (icu, team-a) and 2 (cardio), a few readings and one alarm of patient 1.
  void Seed() {
    AdmitResult r;
    AdmitRequest a{{"Ada Lovelace", "MRN-1", "1815-12-10"},
                   "pseu-ada",
                   "pulse_oximeter",
                   "icu",
                   "bed-1",
                   kNowMs - 3600 * 1000};
    ASSERT_TRUE(Admit(*db_, keys_, a, kNowMs, &r).ok());
    ASSERT_EQ(r.patient_id, 1);
    AdmitRequest b{{"Alan Turing", "MRN-2", "1912-06-23"},
                   "pseu-alan",
                   "thermometer",
                   "cardio",
                   "bed-7",
                   kNowMs - 3600 * 1000};
    ASSERT_TRUE(Admit(*db_, keys_, b, kNowMs, &r).ok());
    directory_.SetCareTeams(1, {"team-a"});
    Ingester ing(*db_, keys_);
    std::vector<IngestMessage> batch;
    uint64_t seq = 1;
    for (int i = 0; i < 10; ++i) {
      batch.push_back(cloud::testing::TelemetryMessage(seq++, kNowMs - (10 - i) * 60000, "pseu-ada",
                                                       96.0 - i * 0.5, Vital::kSpO2,
                                                       DeviceKind::kPulseOximeter));
      batch.push_back(cloud::testing::TelemetryMessage(seq++, kNowMs - (10 - i) * 60000, "pseu-ada",
                                                       80.0 + i, Vital::kPulseRate,
                                                       DeviceKind::kPulseOximeter));
    }
    batch.push_back(cloud::testing::TelemetryMessage(seq++, kNowMs - 60000, "pseu-alan", 37.2));
    batch.push_back(AlarmMessage(seq++, kNowMs - 5 * 60000, "alarm-17", uplink::AlarmState::kRaised,
                                 uplink::AlarmPriority::kMedium));
    IngestCounters c;
    ASSERT_TRUE(ing.IngestBatch(batch, &c).ok());
    ASSERT_EQ(c.stored, batch.size()) << "dead letters: " << c.dead_letters;
    next_seq_ = seq;
  }

  IngestMessage AlarmMessage(uint64_t seq, int64_t time_ms, const std::string& alarm_id,
                             uplink::AlarmState state, uplink::AlarmPriority priority) {
    const uplink::Origin origin{"site-a", "gw-01", cloud::testing::kTestStream};
    uplink::AlarmRecord a;
    a.alarm_id = alarm_id;
    a.state = state;
    a.priority = priority;
    a.condition = "spo2_low";
    a.pseudonym = "pseu-ada";
    a.ward = "icu";
    a.device_kind = DeviceKind::kPulseOximeter;
    a.time_ms = time_ms;
    a.message = "SpO2 low";
    return {uplink::Topic(origin, "alarm"), uplink::FormatAlarm(origin, seq, a), time_ms};
  }

  // A person with `role` and the given duties, logged in: the session cookie and CSRF token.
  Credentials Person(const std::string& user_id, policy::Role role,
                     std::vector<policy::DutyAssignment> wards = {},
                     std::vector<policy::DutyAssignment> teams = {},
                     const std::string& patient_id = "") {
    UserAccount u;
    u.user_id = user_id;
    u.role = role;
    u.wards = std::move(wards);
    u.care_teams = std::move(teams);
    u.patient_id = patient_id;
    std::optional<UserAccount> existing;
    EXPECT_TRUE(directory_.Find(user_id, &existing).ok());
    if (!existing) {
      EXPECT_TRUE(directory_.Create(u).ok());
    }
    auto s = sessions_.Create(user_id, kNow);
    EXPECT_TRUE(s.has_value());
    Credentials c;
    c.headers = {{"cookie", std::string(auth::kSessionCookie) + "=" + s->session_id},
                 {"x-csrf-token", s->csrf_token}};
    return c;
  }

  Credentials Nurse(const std::string& id = "nurse-icu", const std::string& ward = "icu") {
    return Person(id, policy::Role::kNurse, {{ward, kNow - kHour, kNow + kHour}});
  }

  // A gateway's API key with scope ingest.
  Credentials Service(const std::string& owner = "gw-01") {
    auto k = auth::GenerateApiKey(owner, {"ingest"}, kNow);
    EXPECT_TRUE(k.has_value());
    EXPECT_EQ(api_keys_.Put(k->record), Error::kOk);
    Credentials c;
    c.headers = {{"authorization", "ApiKey " + k->key}};
    return c;
  }

  HttpResponse Call(const std::string& method, const std::string& target, const Credentials& who,
                    const std::string& body = "", const std::string& content_type = "",
                    TimeUs at = kNow) {
    HttpRequest r;
    r.method = method;
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = body;
    r.remote = "192.0.2.10:50000";
    r.tls = true;
    r.headers = who.headers;
    if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
    r.headers.emplace_back("user-agent", "api-test");
    return service_->Handle(r, at);
  }

  vigil::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
  static auth::JwtConfig TestJwtConfig() {
    auth::JwtConfig c;
    c.audience = "vigil-api";
    return c;
  }
  auth::JwtConfig jwt_config_ = TestJwtConfig();
  InMemoryApi mem_;
  // The stores, by the names the tests use.
  InMemoryTokenKeys* token_keys_ = &mem_.token_keys;
  auth::InMemorySessionStore& session_store_ = mem_.session_store;
  auth::SessionManager& sessions_ = mem_.sessions;
  auth::InMemoryApiKeyStore& api_keys_ = mem_.api_keys;
  policy::InMemoryBreakGlassStore& grants_ = mem_.grants;
  InMemoryDirectory& directory_ = mem_.directory;
  InMemoryNotes& notes_ = mem_.notes;
  InMemoryAuditLog& audit_ = mem_.audit;
  std::unique_ptr<DatabaseAlertSink> alerts_;
  uplink::CommandSigner command_signer_;  // the cloud's command key (revocation)
  std::unique_ptr<ApiService> service_;
  uint64_t next_seq_ = 1;
};

}  // namespace vigil::cloud::api::testing
