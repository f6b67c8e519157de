// The administration routes over the whole pipeline and a real SQLite database: each
// test is named after the failure it catches (a non-admin let in, bad input stored, a
// device's readings given to the wrong patient, a disabled account still logged in, a
// revocation settled by the wrong gateway, an access not audited).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloud/api/api_test_harness.h"
#include "cloud/ingest/test_messages.h"
#include "cloud/store/device_inventory.h"
#include "cloud/store/gateway_commands.h"
#include "cloud/store/patient_records.h"
#include "edge/uplink/command.h"

namespace vigil::cloud::api {
namespace {

using nlohmann::json;
using testing::ApiHarness;
using testing::Credentials;
using testing::kHour;
using testing::kNow;
using testing::kNowMs;

constexpr uint64_t kOximeter = 0x00124b0001a2b3c4;
constexpr const char* kOximeterHex = "00124b0001a2b3c4";
constexpr const char* kJson = "application/json";

json Body(const HttpResponse& r) { return json::parse(r.body, nullptr, false); }

class AdminRoutes : public ::testing::Test {
 protected:
  void SetUp() override { admin_ = h_.Person("admin-1", policy::Role::kAdmin); }

  void Ingest(const IngestMessage& m) {
    Ingester ing(*h_.db_, h_.keys_);
    IngestCounters c;
    ASSERT_TRUE(ing.IngestBatch(std::vector<IngestMessage>{m}, &c).ok());
    ASSERT_EQ(c.stored, 1u) << "dead letters: " << c.dead_letters;
  }
  // The gateway gw-01 reports the oximeter, whose unassigned readings carry "dev-ox-1".
  void ReportOximeter(uplink::DeviceState state = uplink::DeviceState::kAssociated) {
    Ingest(cloud::testing::DeviceMessage(seq_++, kNowMs - 1000, kOximeter, state, "dev-ox-1"));
  }
  void OximeterReading(int64_t time_ms, double spo2) {
    Ingest(cloud::testing::TelemetryMessage(seq_++, time_ms, "dev-ox-1", spo2, Vital::kSpO2,
                                            DeviceKind::kPulseOximeter));
  }
  int64_t Count(const std::string& sql) {
    std::vector<Row> rows;
    EXPECT_TRUE(h_.db_->Execute(sql, {}, &rows).ok());
    return rows.at(0).Int(0);
  }
  HttpResponse Post(const std::string& target, const std::string& body,
                    const Credentials* who = nullptr) {
    return h_.Call("POST", target, who ? *who : admin_, body, kJson);
  }
  // The newest audit record of a request to a path containing `path` (the detectors may
  // append their alerts' records after it).
  audit::AuditRecord AuditOf(const std::string& path) {
    const auto entries = h_.audit_.entries();
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
      if (it->record.operation.find(path) != std::string::npos) return it->record;
    ADD_FAILURE() << "no audit record for " << path;
    return {};
  }

  ApiHarness h_;
  Credentials admin_;
  uint64_t seq_ = 1000;
};

TEST_F(AdminRoutes, EveryNewAdminRouteRefusesEachNonAdminRoleAndAuditsTheDenial) {
  const Credentials nurse = h_.Nurse();
  const Credentials doctor =
      h_.Person("doc-1", policy::Role::kDoctor, {{"icu", kNow - kHour, kNow + kHour}});
  const Credentials auditor = h_.Person("aud-1", policy::Role::kAuditor);
  struct R {
    const char* method;
    std::string target;
  };
  const std::vector<R> routes = {
      {"POST", "/admin/admissions"},
      {"POST", "/admin/admissions/1/discharge"},
      {"POST", "/admin/beds/icu/bed-1/device"},
      {"PATCH", "/admin/users/nurse-icu"},
      {"POST", "/admin/care-teams"},
      {"POST", std::string("/admin/devices/") + kOximeterHex + "/revoke"},
      {"GET", "/admin/commands"},
      {"GET", "/admin/devices"},
  };
  for (const Credentials* who : {&nurse, &doctor, &auditor}) {
    for (const R& r : routes) {
      const size_t before = h_.audit_.entries().size();
      const HttpResponse resp = h_.Call(r.method, r.target, *who, "{}", kJson);
      EXPECT_EQ(resp.status, 403) << r.method << " " << r.target;
      EXPECT_EQ(Body(resp).value("rule", ""), "admin-only") << r.target;
      ASSERT_GT(h_.audit_.entries().size(), before) << "denial audited: " << r.target;
    }
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM admissions"), 2) << "nothing admitted by a non-admin";
}

TEST_F(AdminRoutes, DeviceOnABedGivesItsReadingsBeforeAndAfterToTheBedsPatient) {
  ReportOximeter();
  OximeterReading(kNowMs - 120'000, 97);  // before anyone knew whose it was
  HttpResponse r =
      Post("/admin/admissions", R"({"patient_ref":"pseu-grace","display_name":"Grace Hopper",)"
                                R"("ward":"icu","bed":"bed-3","mrn":"MRN-3"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t patient = Body(r)["patient"].get<int64_t>();
  EXPECT_EQ(AuditOf("/admin/admissions").patient_id, patient);
  EXPECT_EQ(AuditOf("/admin/admissions").decision, audit::Decision::kAllow);

  r = Post("/admin/beds/icu/bed-3/device", std::string(R"({"device":")") + kOximeterHex + "\"}");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_NE(AuditOf("/admin/beds/").reason.find(kOximeterHex), std::string::npos);
  OximeterReading(kNowMs - 60'000, 95);  // after: linked at ingest

  EXPECT_EQ(Count("SELECT COUNT(*) FROM vitals WHERE patient_id = " + std::to_string(patient)), 2);
  // The patient's readers accept the device's pseudonym as theirs (the ownership check).
  std::vector<StoredReading> latest;
  ASSERT_TRUE(LatestVitals(*h_.db_, h_.keys_, patient, &latest).ok());
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].value, 95);

  r = h_.Call("GET", "/admin/devices", admin_);
  ASSERT_EQ(r.status, 200);
  const json d = Body(r)["devices"].at(0);
  EXPECT_EQ(d["device"], kOximeterHex);
  EXPECT_EQ(d["bed"], "bed-3");
  EXPECT_EQ(d["ward"], "icu");
  EXPECT_EQ(d["state"], "associated");
  EXPECT_EQ(d["kind"], "pulse_oximeter");
  EXPECT_EQ(d["last_seen"], kNowMs - 2000);
  EXPECT_TRUE(d["firmware_version"].is_null());
}

TEST_F(AdminRoutes, DeviceOnceOnAnotherPatientIsRefusedRatherThanMergingTwoPatients) {
  ReportOximeter();
  ASSERT_EQ(Post("/admin/admissions",
                 R"({"patient_ref":"pseu-g","display_name":"Grace","ward":"icu","bed":"bed-3"})")
                .status,
            201);
  ASSERT_EQ(
      Post("/admin/beds/icu/bed-3/device", std::string(R"({"device":")") + kOximeterHex + "\"}")
          .status,
      204);
  ASSERT_EQ(Post("/admin/admissions/3/discharge", "").status, 204);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM admissions WHERE patient_id = 3 AND end_ms IS NULL"), 0);
  ASSERT_EQ(
      Post("/admin/admissions",
           R"({"patient_ref":"pseu-k","display_name":"Katherine","ward":"icu","bed":"bed-3"})")
          .status,
      201);
  const HttpResponse r =
      Post("/admin/beds/icu/bed-3/device", std::string(R"({"device":")") + kOximeterHex + "\"}");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM pseudonyms WHERE patient_id = 4"), 1);
}

TEST_F(AdminRoutes, BadInputIsRefusedWithAReasonAndStoresNothing) {
  ReportOximeter();
  struct Case {
    const char* method;
    std::string target, body;
    int status;
  };
  const std::vector<Case> cases = {
      {"POST", "/admin/admissions", R"({"display_name":"A","ward":"icu","bed":"1"})", 400},
      {"POST", "/admin/admissions", R"({"patient_ref":"p","ward":"icu","bed":"1"})", 400},
      {"POST", "/admin/admissions",
       R"({"patient_ref":"p","display_name":"A","ward":"icu'--","bed":"1"})", 400},
      {"POST", "/admin/admissions",
       R"({"patient_ref":"p","display_name":"A","ward":"icu","bed":"1","device_kind":"toaster"})",
       400},
      {"POST", "/admin/admissions",
       R"({"patient_ref":"pseu-ada","display_name":"Again","ward":"icu","bed":"9"})", 409},
      {"POST", "/admin/admissions", "[1,2]", 400},
      {"POST", "/admin/admissions/99/discharge", "", 404},
      {"POST", "/admin/beds/icu/bed-1/device", R"({"device":"ZZ"})", 400},
      {"POST", "/admin/beds/icu/bed-1/device", R"({"device":"00124b0001a2b3c5"})", 404},
      {"POST", "/admin/beds/icu/no-bed/device",
       std::string(R"({"device":")") + kOximeterHex + "\"}", 404},
      {"PATCH", "/admin/users/nobody", R"({"disabled":true})", 404},
      {"PATCH", "/admin/users/admin-1", R"({"shoe_size":42})", 400},
      {"PATCH", "/admin/users/admin-1", R"({"role":"patient"})", 400},
      {"PATCH", "/admin/users/admin-1", R"({"role":"service"})", 400},
      {"PATCH", "/admin/users/admin-1", R"({"disabled":"yes"})", 400},
      {"PATCH", "/admin/users/admin-1", R"({"wards":[{"unit":"icu","start_ms":5,"end_ms":1}]})",
       400},
      {"PATCH", "/admin/users/admin-1", R"({})", 400},
      {"PATCH", "/admin/users/admin-1", R"({"disabled":true})", 409},
      {"POST", "/admin/care-teams", R"({"patient":99,"teams":["t"]})", 404},
      {"POST", "/admin/care-teams", R"({"patient":1,"teams":["bad team"]})", 400},
      {"POST", "/admin/care-teams", R"({"patient":1})", 400},
      {"POST", std::string("/admin/devices/") + kOximeterHex + "/revoke", R"({})", 400},
      {"POST", "/admin/devices/00124b0001a2b3c5/revoke", R"({"reason":"lost"})", 404},
  };
  for (const Case& c : cases) {
    const HttpResponse r = h_.Call(c.method, c.target, admin_, c.body, kJson);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << c.body << " -> "
                                  << r.body;
    if (c.status == 400) {
      EXPECT_FALSE(Body(r).value("detail", "").empty()) << c.body;
    }
  }
  // A form post (a cross-site request) never reaches a handler.
  EXPECT_EQ(h_.Call("POST", "/admin/admissions", admin_, "patient_ref=p", "text/plain").status,
            415);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM admissions"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM gateway_commands"), 0);
}

TEST_F(AdminRoutes, DisablingAUserEndsTheirSessionsAtOnce) {
  const Credentials nurse = h_.Nurse();
  ASSERT_EQ(h_.Call("GET", "/api/wards/icu/latest", nurse).status, 200);
  const HttpResponse r =
      h_.Call("PATCH", "/admin/users/nurse-icu", admin_, R"({"disabled":true})", kJson);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["sessions_revoked"], 1);
  EXPECT_NE(AuditOf("/admin/users/nurse-icu").reason.find("disabled"), std::string::npos);
  EXPECT_EQ(h_.Call("GET", "/api/wards/icu/latest", nurse).status, 401);
}

TEST_F(AdminRoutes, NewWardsReplaceTheOldOnesAndTheNurseSeesOnlyTheNewWard) {
  h_.Nurse();
  const std::string body = R"({"wards":[{"unit":"cardio","start_ms":)" +
                           std::to_string(kNowMs - 3'600'000) + R"(,"end_ms":)" +
                           std::to_string(kNowMs + 3'600'000) + "}]}";
  ASSERT_EQ(h_.Call("PATCH", "/admin/users/nurse-icu", admin_, body, kJson).status, 200);
  const Credentials nurse = h_.Nurse();  // a new login under the new duties
  EXPECT_EQ(h_.Call("GET", "/api/wards/icu/latest", nurse).status, 403);
  EXPECT_EQ(h_.Call("GET", "/api/wards/cardio/latest", nurse).status, 200);
}

TEST_F(AdminRoutes, CareTeamGivesItsOnDutyClinicianThePatient) {
  const Credentials teamed =
      h_.Person("doc-b", policy::Role::kDoctor, {}, {{"team-b", kNow - kHour, kNow + kHour}});
  EXPECT_EQ(h_.Call("GET", "/api/patients/2", teamed).status, 403);
  const HttpResponse r = Post("/admin/care-teams", R"({"patient":2,"teams":["team-b"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(AuditOf("/admin/care-teams").patient_id, 2);
  EXPECT_EQ(h_.Call("GET", "/api/patients/2", teamed).status, 200);
}

TEST_F(AdminRoutes, RevocationIsSignedForTheDevicesGatewayAndSettledOnlyByThatGateway) {
  ReportOximeter();
  const HttpResponse r = Post(std::string("/admin/devices/") + kOximeterHex + "/revoke",
                              R"({"reason":"reported stolen"})");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = Body(r)["command_id"].get<std::string>();
  EXPECT_EQ(Body(r)["state"], "pending");
  EXPECT_NE(AuditOf("/revoke").reason.find("reported stolen"), std::string::npos);

  // What the sender publishes: a line the gateway gw-01 accepts under the cloud's key.
  std::vector<StoredCommand> due;
  ASSERT_TRUE(DueCommands(*h_.db_, kNowMs, 10, &due).ok());
  ASSERT_EQ(due.size(), 1u);
  uplink::CommandVerifier v;
  ASSERT_EQ(v.Init(h_.command_signer_.public_key()), Error::kOk);
  uplink::CommandGuard gw01(v, "site-a", "gw-01");
  uplink::Command c;
  EXPECT_EQ(gw01.Check(due[0].line, kNowMs, &c), uplink::CommandVerdict::kAccepted);
  EXPECT_EQ(c.device_uid, kOximeter);
  EXPECT_EQ(c.id, id);
  uplink::CommandGuard gw02(v, "site-a", "gw-02");
  EXPECT_EQ(gw02.Check(due[0].line, kNowMs, nullptr), uplink::CommandVerdict::kMisaddressed);

  // Sent, not yet answered: due again only after the re-send interval.
  ASSERT_TRUE(MarkSent(*h_.db_, id, kNowMs).ok());
  due.clear();
  ASSERT_TRUE(DueCommands(*h_.db_, kNowMs + 1000, 10, &due).ok());
  EXPECT_TRUE(due.empty());
  ASSERT_TRUE(DueCommands(*h_.db_, kNowMs + kCommandResendMs, 10, &due).ok());
  EXPECT_EQ(due.size(), 1u);

  // Another gateway's answer settles nothing; gw-01's makes it done and the device revoked.
  Ingest(cloud::testing::DeviceMessage(seq_++, kNowMs + 2000, kOximeter,
                                       uplink::DeviceState::kRevoked, "dev-ox-1", "gw-02", id));
  StoredCommand stored;
  ASSERT_TRUE(ReadCommand(*h_.db_, id, &stored).ok());
  EXPECT_EQ(stored.state, "pending");
  Ingest(cloud::testing::DeviceMessage(seq_++, kNowMs + 3000, kOximeter,
                                       uplink::DeviceState::kRevoked, "dev-ox-1", "gw-01", id));
  ASSERT_TRUE(ReadCommand(*h_.db_, id, &stored).ok());
  EXPECT_EQ(stored.state, "done");
  const json devices = Body(h_.Call("GET", "/admin/devices", admin_))["devices"];
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0]["state"], "revoked");
  const json cmds = Body(h_.Call("GET", "/admin/commands", admin_))["commands"];
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0]["state"], "done");
  EXPECT_EQ(cmds[0]["requested_by"], "admin-1");
}

TEST_F(AdminRoutes, OlderDeviceReportNeverRollsARevokedDeviceBack) {
  Ingest(cloud::testing::DeviceMessage(seq_++, kNowMs, kOximeter, uplink::DeviceState::kRevoked,
                                       "dev-ox-1"));
  Ingest(cloud::testing::DeviceMessage(seq_++, kNowMs - 60'000, kOximeter,
                                       uplink::DeviceState::kAssociated, "dev-ox-1"));
  InventoryDevice d;
  ASSERT_TRUE(ReadDevice(*h_.db_, h_.keys_, kOximeterHex, &d, nullptr).ok());
  EXPECT_EQ(d.state, "revoked");
}

TEST_F(AdminRoutes, PendingCommandPastItsExpiryBecomesExpiredAndIsNotSentAgain) {
  ReportOximeter();
  ASSERT_EQ(
      Post(std::string("/admin/devices/") + kOximeterHex + "/revoke", R"({"reason":"x"})").status,
      202);
  std::vector<StoredCommand> due;
  ASSERT_TRUE(DueCommands(*h_.db_, kNowMs + kCommandLifetimeMs, 10, &due).ok());
  EXPECT_TRUE(due.empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM gateway_commands WHERE state = 'expired'"), 1);
}

}  // namespace
}  // namespace vigil::cloud::api
