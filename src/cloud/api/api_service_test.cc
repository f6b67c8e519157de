// The API's pipeline end to end over a real SQLite database: every route x role x ward
// relation against the decision table, and the attacks and mistakes of issue "The cloud
// layer" (forged tokens, missing CSRF, unknown patients, injection strings, a failing
// audit log), each named after what it catches.
#include "cloud/api/api_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cloud/api/api_call.h"
#include "cloud/api/api_test_harness.h"
#include "cloud/auth/base64url.h"

namespace vigil::cloud::api {
namespace {

using nlohmann::json;
using testing::ApiHarness;
using testing::Credentials;
using testing::kHour;
using testing::kNow;
using testing::kNowMs;

json Body(const HttpResponse& r) { return json::parse(r.body, nullptr, false); }

std::string B64(std::string_view s) {
  return auth::Base64UrlEncode(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

const std::vector<std::string> kRoles = {"anonymous", "admin",   "doctor", "nurse",
                                         "patient",   "auditor", "service"};
const std::vector<std::string> kRelations = {
    "own-ward-on-duty", "own-ward-off-duty", "other-ward",         "care-team",
    "own-record",       "other-patient",     "break-glass-active", "break-glass-expired"};

struct TableRow {
  std::string effect, rule;
};
using Key = std::tuple<std::string, std::string, std::string, std::string>;

std::map<Key, TableRow> LoadTable() {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/policy/decisions.csv");
  std::map<Key, TableRow> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    if (f.size() == 6) rows[{f[0], f[1], f[2], f[3]}] = {f[4], f[5]};
  }
  return rows;
}

const TableRow* Lookup(const std::map<Key, TableRow>& rows, const std::string& m,
                       const std::string& p, const std::string& role, const std::string& rel) {
  for (const Key& k :
       {Key{m, p, role, rel}, Key{m, p, role, "*"}, Key{m, p, "*", rel}, Key{m, p, "*", "*"}}) {
    auto it = rows.find(k);
    if (it != rows.end()) return &it->second;
  }
  return nullptr;
}

std::string TargetFor(const policy::Route& r) {
  std::string path(r.pattern);
  const std::map<std::string, std::string> values = {
      {"{ward}", "icu"}, {"{patient}", "1"}, {"{alarm}", RefOf("gw-01/alarm-17")},
      {"{alert}", "a1"}, {"{user}", "u-9"},  {"{key}", "0123456789abcdef"}};
  for (const auto& [from, to] : values) {
    const size_t pos = path.find(from);
    if (pos != std::string::npos) path.replace(pos, from.size(), to);
  }
  // The admin routes' devices and beds.
  const std::map<std::string, std::string> admin = {{"{device}", "00124b0001a2b3c4"},
                                                    {"{bed}", "bed-1"}};
  for (const auto& [from, to] : admin) {
    const size_t pos = path.find(from);
    if (pos != std::string::npos) path.replace(pos, from.size(), to);
  }
  if (r.target == policy::TargetFrom::kQueryPatient) path += "?patient=1&date=ge2025-06-01";
  if (r.target == policy::TargetFrom::kQueryWard) path += "?ward=icu";
  return path;
}

Credentials Who(ApiHarness& h, const std::string& role, const std::string& rel) {
  if (role == "anonymous") return {};
  if (role == "service") return h.Service("gw-" + rel);
  const std::string id = role + "." + rel;
  const policy::Role r = *policy::RoleFromName(role);
  std::vector<policy::DutyAssignment> wards, teams;
  if (rel == "own-ward-on-duty") wards = {{"icu", kNow - kHour, kNow + kHour}};
  if (rel == "own-ward-off-duty") wards = {{"icu", kNow - 10 * kHour, kNow - 2 * kHour}};
  if (rel == "other-ward") wards = {{"cardio", kNow - kHour, kNow + kHour}};
  if (rel == "care-team") teams = {{"team-a", kNow - kHour, kNow + kHour}};
  if (rel == "break-glass-active") {
    EXPECT_EQ(h.grants_.Add({"bg-" + id, id, "1", "cardiac arrest in corridor",
                             kNow - 10 * 60 * kSeconds, kNow + 20 * 60 * kSeconds}),
              Error::kOk);
  }
  if (rel == "break-glass-expired") {
    EXPECT_EQ(h.grants_.Add({"bg-" + id, id, "1", "cardiac arrest in corridor", kNow - 2 * kHour,
                             kNow - kHour}),
              Error::kOk);
  }
  return h.Person(id, r, wards, teams, rel == "own-record" ? "1" : "2");
}

// The decision table of testdata/policy/decisions.csv, through the whole API: the HTTP
// status says allow or deny, the answer or the audit record names the rule.
TEST(ApiDecisionTable, EveryRouteRoleAndRelationGetsTheTablesDecisionOverTheApi) {
  ApiHarness h;
  const auto rows = LoadTable();
  int checked = 0;
  for (const policy::Route& r : policy::AllRoutes()) {
    const std::string method(r.method), pattern(r.pattern);
    for (const std::string& role : kRoles) {
      for (const std::string& rel : kRelations) {
        const TableRow* row = Lookup(rows, method, pattern, role, rel);
        ASSERT_NE(row, nullptr) << method << " " << pattern << " " << role << " " << rel;
        const Credentials who = Who(h, role, rel);
        const size_t audit_before = h.audit_.entries().size();
        std::string body, type;
        if (method == "POST") {
          body = "{}";
          type = "application/json";
        }
        const HttpResponse resp = h.Call(method, TargetFor(r), who, body, type);
        const std::string what = method + " " + pattern + " as " + role + "/" + rel + " -> " +
                                 std::to_string(resp.status) + " " + resp.body;
        if (r.resource == policy::Resource::kAuthEndpoint) {
          EXPECT_NE(resp.status, 403) << what;
          ++checked;
          continue;
        }
        if (row->effect == "deny") {
          EXPECT_EQ(resp.status, role == "anonymous" ? 401 : 403) << what;
          EXPECT_EQ(Body(resp).value("rule", ""), row->rule) << what;
          const auto entries = h.audit_.entries();
          ASSERT_GT(entries.size(), audit_before) << "a denial is audited: " << what;
          EXPECT_EQ(entries[audit_before].record.rule, row->rule) << what;
          EXPECT_EQ(entries[audit_before].record.decision, audit::Decision::kDeny) << what;
        } else {
          EXPECT_NE(resp.status, 401) << what;
          EXPECT_NE(resp.status, 403) << what;
          EXPECT_LT(resp.status, 500) << what;
          if (r.resource != policy::Resource::kIngest) {
            const auto entries = h.audit_.entries();
            ASSERT_GT(entries.size(), audit_before) << "an allowed access is audited: " << what;
            EXPECT_EQ(entries[audit_before].record.rule, row->rule) << what;
            EXPECT_EQ(entries[audit_before].record.decision, audit::Decision::kAllow) << what;
          }
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked,
            static_cast<int>(policy::AllRoutes().size() * kRoles.size() * kRelations.size()));
}

TEST(ApiService, WardViewShowsEachBedsLatestVitalsDecryptedAndAPartialNews2) {
  ApiHarness h;
  const HttpResponse r = h.Call("GET", "/api/wards/icu/latest", h.Nurse());
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Body(r);
  ASSERT_EQ(j["beds"].size(), 1u) << "only patient 1 lies in icu";
  const json& bed = j["beds"][0];
  EXPECT_EQ(bed["name"], "Ada Lovelace");
  EXPECT_EQ(bed["bed"], "bed-1");
  EXPECT_DOUBLE_EQ(bed["vitals"]["spo2"]["value"].get<double>(), 96.0 - 9 * 0.5);
  EXPECT_DOUBLE_EQ(bed["vitals"]["pulse_rate"]["value"].get<double>(), 89.0);
  // SpO2 91.5 scores 2 (92-93 is 1, 91 or less 3: 91.5 rounds to 92 -> 1); pulse 89 -> 0.
  EXPECT_EQ(bed["news2"]["complete"], false);
  EXPECT_EQ(bed["news2"]["terms"]["pulse"], 0);
  EXPECT_EQ(bed["news2"]["score"].get<int>(), bed["news2"]["terms"]["spo2"].get<int>());
  const auto entries = h.audit_.entries();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.back().record.reason, "ward icu: patients 1");
  EXPECT_EQ(entries.back().record.actor_id, "nurse-icu");
}

TEST(ApiService, TrendReturnsTheWindowOldestFirstAndRefusesAnUnknownVital) {
  ApiHarness h;
  const std::string base =
      "/api/patients/1/vitals?vital=spo2&from=" + std::to_string(kNowMs - 5 * 60000 - 1) +
      "&to=" + std::to_string(kNowMs);
  const HttpResponse r = h.Call("GET", base, h.Nurse());
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Body(r);
  ASSERT_EQ(j["points"].size(), 5u);
  EXPECT_LT(j["points"][0][0].get<int64_t>(), j["points"][4][0].get<int64_t>());
  EXPECT_DOUBLE_EQ(j["points"][4][1].get<double>(), 91.5);
  const HttpResponse bad =
      h.Call("GET", "/api/patients/1/vitals?vital=spo2'%20OR%20'1'='1", h.Nurse());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["detail"], "unknown vital");
}

TEST(ApiService, UnknownPatientGetsTheSameAnswerAsAnotherWardsPatient) {
  ApiHarness h;
  const Credentials nurse = h.Nurse();
  const HttpResponse other = h.Call("GET", "/api/patients/2", nurse);
  const HttpResponse unknown = h.Call("GET", "/api/patients/999", nurse);
  const HttpResponse malformed = h.Call("GET", "/api/patients/01", nurse);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(unknown.status, 403);
  EXPECT_EQ(malformed.status, 403);
  EXPECT_EQ(other.body, unknown.body) << "an unknown id must not be told apart";
  EXPECT_EQ(other.body, malformed.body);
}

TEST(ApiService, InjectionStringsInPathsNeverReachAHandler) {
  ApiHarness h;
  const Credentials nurse = h.Nurse();
  for (const std::string target :
       {"/api/patients/1'%20OR%20'1'='1/vitals", "/api/patients/1;DROP%20TABLE%20vitals",
        "/api/wards/icu'--/latest", "/api/patients/../admin/users", "/api/wards/%2e%2e/latest"}) {
    const HttpResponse r = h.Call("GET", target, nurse);
    EXPECT_EQ(r.status, 404) << target << " " << r.body;
  }
  std::vector<Row> rows;
  ASSERT_TRUE(h.db_->Execute("SELECT COUNT(*) FROM vitals", {}, &rows).ok());
  EXPECT_EQ(rows[0].Int(0), 21);
}

TEST(ApiService, StateChangeWithoutCsrfTokenIsRefusedAndAudited) {
  ApiHarness h;
  Credentials nurse = h.Nurse();
  Credentials no_csrf = nurse;
  no_csrf.headers.pop_back();  // drop X-CSRF-Token
  const std::string ack = "/api/alarms/" + RefOf("gw-01/alarm-17") + "/ack";
  const HttpResponse r = h.Call("POST", ack, no_csrf, "{}", "application/json");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Body(r)["rule"], "csrf-token-required");
  EXPECT_EQ(h.audit_.entries().back().record.outcome, audit::Outcome::kDenied);
  Credentials wrong = nurse;
  wrong.headers.back().second = "not-the-token";
  EXPECT_EQ(h.Call("POST", ack, wrong, "{}", "application/json").status, 403);
  // Reads need no token; the acknowledgement with it goes through.
  EXPECT_EQ(h.Call("GET", "/api/wards/icu/alarms", no_csrf).status, 200);
  EXPECT_EQ(h.Call("POST", ack, nurse, "{}", "application/json").status, 200);
}

TEST(ApiService, AcknowledgedAlarmSoundsAgainWhenItEscalates) {
  ApiHarness h;
  const Credentials nurse = h.Nurse();
  const std::string ack = "/api/alarms/" + RefOf("gw-01/alarm-17") + "/ack";
  ASSERT_EQ(h.Call("POST", ack, nurse, R"({"silence_minutes": 5})", "application/json").status,
            200);
  json alarms = Body(h.Call("GET", "/api/wards/icu/alarms", nurse));
  ASSERT_EQ(alarms["alarms"].size(), 1u);
  EXPECT_EQ(alarms["alarms"][0]["acknowledged"], true);
  EXPECT_EQ(alarms["alarms"][0]["silenced"], true);
  EXPECT_EQ(alarms["alarms"][0]["ack"]["user"], "nurse-icu");
  // The gateway escalates the alarm after the acknowledgement.
  Ingester ing(*h.db_, h.keys_);
  std::vector<IngestMessage> batch = {h.AlarmMessage(h.next_seq_++, kNowMs + 1000, "alarm-17",
                                                     uplink::AlarmState::kUpdated,
                                                     uplink::AlarmPriority::kHigh)};
  ASSERT_TRUE(ing.IngestBatch(batch, nullptr).ok());
  alarms = Body(h.Call("GET", "/api/wards/icu/alarms", nurse, "", "", kNow + 2 * kSeconds));
  EXPECT_EQ(alarms["alarms"][0]["priority"], "high");
  EXPECT_EQ(alarms["alarms"][0]["acknowledged"], false) << "an escalation sounds again";
  EXPECT_EQ(alarms["alarms"][0]["silenced"], false);
  const HttpResponse too_long =
      h.Call("POST", ack, nurse, R"({"silence_minutes": 31})", "application/json");
  EXPECT_EQ(too_long.status, 400);
}

TEST(ApiService, ForgedAndWrongTokensAreRefusedAsUnauthenticatedAndTheForgeryAlerts) {
  ApiHarness h;
  std::string good;
  ASSERT_EQ(h.token_keys_->issuer()->Issue("gw-01", "ingest", "jti-1", kNow, &good), Error::kOk);
  const std::string line = R"({"v":1})";
  auto ingest = [&](const std::string& token, TimeUs at = kNow) {
    Credentials c;
    c.headers = {{"authorization", "Bearer " + token}};
    return h.Call("POST", "/ingest/v1/messages", c, line, "application/x-ndjson", at);
  };
  EXPECT_EQ(ingest(good).status, 200);
  // alg none: the header rewritten, the signature dropped.
  const std::string payload = good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1);
  const std::string none = B64(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  EXPECT_EQ(ingest(none).status, 401);
  std::string flipped = good;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(ingest(flipped).status, 401);
  EXPECT_EQ(ingest(good, kNow + 3600 * kSeconds).status, 401) << "expired";
  auth::JwtConfig other = h.jwt_config_;
  other.audience = "another-api";
  auth::JwtSigningKey sk;
  ASSERT_EQ(auth::GenerateSigningKey("k1", &sk), Error::kOk);
  std::string foreign;
  ASSERT_EQ(auth::JwtIssuer(other, sk).Issue("gw-01", "ingest", "jti-2", kNow, &foreign),
            Error::kOk);
  EXPECT_EQ(ingest(foreign).status, 401) << "another key and audience";
  size_t denied = 0;
  for (const auto& e : h.audit_.entries())
    if (e.record.rule == "unauthenticated" && e.record.reason.starts_with("token: ")) ++denied;
  EXPECT_EQ(denied, 4u);
  std::vector<Row> rows;
  ASSERT_TRUE(h.db_
                  ->Execute("SELECT signature_id FROM security_alerts WHERE gateway = ?",
                            {Value{std::string("cloud-api")}}, &rows)
                  .ok());
  ASSERT_FALSE(rows.empty()) << "a forged token raises an alert";
  EXPECT_EQ(rows[0].Int(0), 9100208);
}

TEST(ApiService, HttpsIngestStoresOnceAndRefusesAnotherGatewaysMessages) {
  ApiHarness h;
  const Credentials gw = h.Service("gw-01");
  std::string body;
  for (uint64_t i = 0; i < 3; ++i)
    body += cloud::testing::TelemetryMessage(1000 + i, kNowMs, "pseu-ada", 36.5).payload + "\n";
  body += cloud::testing::TelemetryMessage(2000, kNowMs, "pseu-ada", 36.5, Vital::kTemperature,
                                           DeviceKind::kThermometer, "gw-02")
              .payload +
          "\n";
  body += "{not json}\n";
  HttpResponse r = h.Call("POST", "/ingest/v1/messages", gw, body, "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Body(r);
  EXPECT_EQ(j["received"], 5);
  EXPECT_EQ(j["stored"], 3);
  ASSERT_EQ(j["refused"].size(), 2u);
  EXPECT_EQ(j["refused"][0]["reason"], "not_your_gateway");
  EXPECT_EQ(j["refused"][1]["reason"], "not_json");
  r = h.Call("POST", "/ingest/v1/messages", gw, body, "application/x-ndjson");
  j = Body(r);
  EXPECT_EQ(j["stored"], 0);
  EXPECT_EQ(j["duplicates"], 3);
  std::vector<Row> rows;
  ASSERT_TRUE(
      h.db_->Execute("SELECT COUNT(*) FROM vitals WHERE gateway = 'gw-02'", {}, &rows).ok());
  EXPECT_EQ(rows[0].Int(0), 0);
}

// An audit log that cannot write: the answer must not leave.
class BrokenAuditLog final : public AuditSink {
 public:
  Status Append(const audit::AuditRecord&, audit::ChainEntry*) override {
    return Fail(StoreError::kQuery, "disk I/O error");
  }
  Status Read(uint64_t, size_t, std::vector<audit::ChainEntry>*) override {
    return Fail(StoreError::kQuery, "disk I/O error");
  }
};

TEST(ApiService, AnswerIsWithheldWhenItsAuditRecordCannotBeWritten) {
  BrokenAuditLog broken;
  ApiHarness h(testing::GenerousLimits(), &broken);
  const HttpResponse r = h.Call("GET", "/api/wards/icu/latest", h.Nurse());
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("Ada"), std::string::npos) << "no patient data in a withheld answer";
  EXPECT_EQ(r.body.find("disk"), std::string::npos) << "no internal detail";
  EXPECT_EQ(h.service_->stats().audit_failures.load(), 1u);
}

TEST(ApiService, RateLimitedClientGets429WithRetryAfterAndOneAlert) {
  guard::RateLimitConfig limits = testing::GenerousLimits();
  limits.classes[static_cast<size_t>(policy::RateClass::kRead)] = {3, 1};
  ApiHarness h(limits);
  const Credentials nurse = h.Nurse();
  int ok = 0, limited = 0;
  std::string retry;
  for (int i = 0; i < 10; ++i) {
    const HttpResponse r = h.Call("GET", "/api/wards/icu/latest", nurse);
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      for (const auto& [k, v] : r.headers)
        if (k == "Retry-After") retry = v;
    }
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(limited, 7);
  EXPECT_EQ(retry, "1");
  std::vector<Row> rows;
  ASSERT_TRUE(
      h.db_->Execute("SELECT COUNT(*) FROM security_alerts WHERE signature_id = 9100207", {}, &rows)
          .ok());
  EXPECT_EQ(rows[0].Int(0), 1) << "once per holdoff, not per refused request";
}

TEST(ApiService, LoginSetsAHostOnlySecureCookieAndUnknownUserGetsTheSameAnswer) {
  ApiHarness h;
  UserAccount u;
  u.user_id = "dr.house";
  u.role = policy::Role::kDoctor;
  u.password_hash = *auth::HashPassword("correct horse battery", auth::Argon2Params{1024, 1, 1});
  ASSERT_TRUE(h.directory_.Create(u).ok());
  const std::string form = "application/x-www-form-urlencoded";
  const HttpResponse ok =
      h.Call("POST", "/login", {}, "user=Dr.House&password=correct+horse+battery", form);
  ASSERT_EQ(ok.status, 200) << ok.body;
  std::string cookie;
  for (const auto& [k, v] : ok.headers)
    if (k == "Set-Cookie") cookie = v;
  EXPECT_TRUE(cookie.starts_with("__Host-vigil_session=")) << cookie;
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_FALSE(Body(ok)["csrf_token"].get<std::string>().empty());
  const HttpResponse wrong = h.Call("POST", "/login", {}, "user=dr.house&password=nope", form);
  const HttpResponse unknown = h.Call("POST", "/login", {}, "user=dr.nobody&password=nope", form);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.status, unknown.status);
  EXPECT_EQ(wrong.body, unknown.body);
  const auto entries = h.audit_.entries();
  ASSERT_GE(entries.size(), 3u);
  EXPECT_EQ(entries[entries.size() - 1].record.actor_id, "unknown account");
  EXPECT_EQ(entries[entries.size() - 2].record.actor_id, "dr.house");
  EXPECT_EQ(entries[entries.size() - 2].record.event, audit::Event::kLogin);
  EXPECT_EQ(entries[entries.size() - 2].record.outcome, audit::Outcome::kDenied);
}

TEST(ApiService, BreakGlassOpensTimeBoxedAccessThatIsAuditedAndAlertedOnEveryUse) {
  ApiHarness h;
  const Credentials nurse = h.Nurse("nurse-cardio", "cardio");
  EXPECT_EQ(h.Call("GET", "/api/patients/1", nurse).status, 403);
  const HttpResponse open =
      h.Call("POST", "/api/patients/1/break-glass", nurse,
             R"({"reason": "patient collapsed in corridor", "minutes": 10})", "application/json");
  ASSERT_EQ(open.status, 201) << open.body;
  const HttpResponse read = h.Call("GET", "/api/patients/1", nurse);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Body(read)["name"], "Ada Lovelace");
  EXPECT_TRUE(h.audit_.entries().back().record.emergency ||
              h.audit_.entries()[h.audit_.entries().size() - 2].record.emergency);
  EXPECT_EQ(h.Call("GET", "/api/patients/1", nurse, "", "", kNow + 11 * 60 * kSeconds).status, 403)
      << "the grant is over after its time";
  std::vector<Row> rows;
  ASSERT_TRUE(
      h.db_->Execute("SELECT signature_id FROM security_alerts ORDER BY time_ms", {}, &rows).ok());
  std::set<int64_t> sigs;
  for (const Row& r : rows) sigs.insert(r.Int(0));
  EXPECT_TRUE(sigs.count(9100204)) << "opening alerts";
  EXPECT_TRUE(sigs.count(9100203)) << "each use alerts";
  const HttpResponse no_reason = h.Call("POST", "/api/patients/1/break-glass", nurse,
                                        R"({"reason": "x"})", "application/json");
  EXPECT_EQ(no_reason.status, 400);
}

TEST(ApiService, FhirSearchPagesObservationsAndTheChainExportsAsAuditEvents) {
  ApiHarness h;
  const Credentials nurse = h.Nurse();
  HttpResponse r = h.Call("GET", "/fhir/Observation?patient=1&_count=7", nurse);
  ASSERT_EQ(r.status, 200) << r.body;
  json b = Body(r);
  EXPECT_EQ(b["resourceType"], "Bundle");
  EXPECT_EQ(b["total"], 20);
  EXPECT_EQ(b["entry"].size(), 7u);
  bool has_next = false;
  for (const json& l : b["link"])
    if (l["relation"] == "next") has_next = true;
  EXPECT_TRUE(has_next);
  r = h.Call("GET", "/fhir/Observation?patient=1&_count=7&_offset=14", nurse);
  EXPECT_EQ(Body(r)["entry"].size(), 6u);
  r = h.Call("GET", "/fhir/Observation?patient=1&color=red", nurse);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["resourceType"], "OperationOutcome");
  const Credentials auditor = h.Person("aud", policy::Role::kAuditor);
  r = h.Call("GET", "/fhir/AuditEvent?_count=2", auditor);
  ASSERT_EQ(r.status, 200) << r.body;
  b = Body(r);
  ASSERT_EQ(b["entry"].size(), 2u);
  EXPECT_EQ(b["entry"][0]["resource"]["resourceType"], "AuditEvent");
  r = h.Call("GET", "/audit?verify=true", auditor);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["verify"]["finding"], "intact");
}

TEST(ApiService, DispatchTableAnswersEveryRouteOfThePolicysTable) {
  // Every route the policy knows is answered by a handler (a route without one would 404
  // after the policy allowed it).
  ApiHarness h;
  for (const policy::Route& r : policy::AllRoutes()) {
    const HttpResponse resp = h.Call(std::string(r.method), TargetFor(r), {});
    EXPECT_NE(resp.status, 404) << r.method << " " << r.pattern;
  }
}

}  // namespace
}  // namespace vigil::cloud::api
