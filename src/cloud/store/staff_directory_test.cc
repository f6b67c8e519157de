#include "cloud/store/staff_directory.h"

#include <gtest/gtest.h>

#include "cloud/crypto/keyring.h"
#include "cloud/policy/policy.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using policy::Role;
using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;
constexpr TimeUs kHour = 3600 * kSeconds;

MasterKey Key(uint8_t fill) {
  MasterKey k;
  k.key.fill(fill);
  k.id = MasterKeyId(k.key);
  return k;
}

StaffUser Nurse(std::string id) {
  StaffUser u;
  u.user_id = std::move(id);
  u.role = Role::kNurse;
  u.display_name = "N. Nurse";
  u.password_hash = "$opaque$";
  u.created = kNow;
  return u;
}

class StaffDirectorySuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
    ASSERT_TRUE(keys_.Open(*db_, {Key(1)}, 1).ok());
    dir_store_ = std::make_unique<StaffDirectory>(*db_);
  }
  int64_t AdmitTo(std::string ward, int64_t start_ms) {
    AdmitRequest req;
    req.identity.name = "Pat Ient";
    req.pseudonym = "ps-" + std::to_string(start_ms);
    req.device_kind = "monitor";
    req.ward = std::move(ward);
    req.bed = "1";
    req.start_ms = start_ms;
    AdmitResult r;
    EXPECT_TRUE(Admit(*db_, keys_, req, start_ms, &r).ok());
    return r.patient_id;
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
  std::unique_ptr<StaffDirectory> dir_store_;
};

TEST_P(StaffDirectorySuite, SubjectCarriesRoleAndTheDutiesAroundNow) {
  ASSERT_EQ(dir_store_->CreateUser(Nurse("n-1")), vigil::Error::kOk);
  ASSERT_EQ(dir_store_->SetDuties("n-1", DutyKind::kWard,
                                  {{"icu", kNow - kHour, kNow + 7 * kHour},
                                   {"icu", kNow - 30 * kHour, kNow - 26 * kHour},  // long past
                                   {"ward-3", kNow + 8 * kHour, kNow + 16 * kHour}}),
            vigil::Error::kOk);
  ASSERT_EQ(dir_store_->SetDuties("n-1", DutyKind::kCareTeam, {{"team-a", kNow, kNow + kHour}}),
            vigil::Error::kOk);
  const Result<policy::Subject> s = dir_store_->SubjectFor("n-1", kNow);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->id, "n-1");
  EXPECT_EQ(s->role, Role::kNurse);
  ASSERT_EQ(s->wards.size(), 2u);
  EXPECT_EQ(s->wards[0].unit, "icu");
  EXPECT_TRUE(s->wards[0].OnDuty(kNow));
  EXPECT_EQ(s->wards[1].unit, "ward-3");
  ASSERT_EQ(s->care_teams.size(), 1u);
  EXPECT_EQ(s->care_teams[0].unit, "team-a");
}

TEST_P(StaffDirectorySuite, SetDutiesReplacesOnlyThatKind) {
  ASSERT_EQ(dir_store_->CreateUser(Nurse("n-1")), vigil::Error::kOk);
  ASSERT_EQ(dir_store_->SetDuties("n-1", DutyKind::kWard, {{"icu", kNow, kNow + kHour}}),
            vigil::Error::kOk);
  ASSERT_EQ(dir_store_->SetDuties("n-1", DutyKind::kCareTeam, {{"t", kNow, kNow + kHour}}),
            vigil::Error::kOk);
  ASSERT_EQ(dir_store_->SetDuties("n-1", DutyKind::kWard, {}), vigil::Error::kOk);
  const auto s = dir_store_->SubjectFor("n-1", kNow);
  EXPECT_TRUE(s->wards.empty());
  EXPECT_EQ(s->care_teams.size(), 1u);
  EXPECT_EQ(dir_store_->SetDuties("nobody", DutyKind::kWard, {}), vigil::Error::kNotFound);
  EXPECT_EQ(dir_store_->SetDuties("n-1", DutyKind::kWard, {{"icu", kNow, kNow}}),
            vigil::Error::kInvalidArgument);
}

TEST_P(StaffDirectorySuite, UnknownAndDisabledUsersGetNoSubject) {
  EXPECT_EQ(dir_store_->SubjectFor("ghost", kNow).error(), vigil::Error::kNotFound);
  ASSERT_EQ(dir_store_->CreateUser(Nurse("n-1")), vigil::Error::kOk);
  ASSERT_EQ(dir_store_->SetDisabled("n-1", true), vigil::Error::kOk);
  EXPECT_EQ(dir_store_->SubjectFor("n-1", kNow).error(), vigil::Error::kInvalidState);
  ASSERT_EQ(dir_store_->SetDisabled("n-1", false), vigil::Error::kOk);
  EXPECT_TRUE(dir_store_->SubjectFor("n-1", kNow).ok());
  EXPECT_EQ(dir_store_->SetDisabled("ghost", true), vigil::Error::kNotFound);
}

TEST_P(StaffDirectorySuite, UserRecordReadsBackAndIdsAreUnique) {
  StaffUser p;
  p.user_id = "p-1";
  p.role = Role::kPatient;
  p.display_name = "Pat";
  p.password_hash = "h1";
  p.patient_id = "42";
  ASSERT_EQ(dir_store_->CreateUser(p), vigil::Error::kOk);
  EXPECT_EQ(dir_store_->CreateUser(p), vigil::Error::kInvalidState);
  ASSERT_EQ(dir_store_->SetPasswordHash("p-1", "h2"), vigil::Error::kOk);
  const auto u = dir_store_->FindUser("p-1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->password_hash, "h2");
  EXPECT_EQ(u->display_name, "Pat");
  EXPECT_EQ(dir_store_->SubjectFor("p-1", kNow)->patient_id, "42");
}

TEST_P(StaffDirectorySuite, PatientRoleWithoutPatientAndServiceRoleAreRefused) {
  StaffUser p = Nurse("p-2");
  p.role = Role::kPatient;
  EXPECT_EQ(dir_store_->CreateUser(p), vigil::Error::kInvalidArgument);
  StaffUser n = Nurse("n-2");
  n.patient_id = "42";
  EXPECT_EQ(dir_store_->CreateUser(n), vigil::Error::kInvalidArgument);
  StaffUser s = Nurse("gw-1");
  s.role = Role::kService;
  EXPECT_EQ(dir_store_->CreateUser(s), vigil::Error::kInvalidArgument);
}

TEST_P(StaffDirectorySuite, PatientTargetHasTheOpenAdmissionsWardAndCareTeams) {
  const int64_t pid = AdmitTo("icu", kNow / 1000 - 1000);
  ASSERT_EQ(dir_store_->SetCareTeams(pid, {"team-b", "team-a"}), vigil::Error::kOk);
  const auto t = dir_store_->PatientTargetFor(pid, kNow);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->id, std::to_string(pid));
  EXPECT_EQ(t->ward, "icu");
  EXPECT_EQ(t->care_teams, (std::vector<std::string>{"team-a", "team-b"}));
  EXPECT_EQ(dir_store_->PatientTargetFor(pid, kNow - 2 * kHour)->ward, "")
      << "not yet admitted then";
  EXPECT_EQ(dir_store_->PatientTargetFor(pid + 100, kNow).error(), vigil::Error::kNotFound);
  EXPECT_EQ(dir_store_->SetCareTeams(pid + 100, {"t"}), vigil::Error::kNotFound);
}

// The roster and the policy together: a nurse on duty in the patient's ward is allowed,
// the same nurse after the shift is not.
TEST_P(StaffDirectorySuite, PolicyDecidesOnTheStoredRoster) {
  const int64_t pid = AdmitTo("icu", kNow / 1000 - 1000);
  ASSERT_EQ(dir_store_->CreateUser(Nurse("n-1")), vigil::Error::kOk);
  ASSERT_EQ(dir_store_->SetDuties("n-1", DutyKind::kWard, {{"icu", kNow - kHour, kNow + kHour}}),
            vigil::Error::kOk);
  policy::AccessRequest req;
  req.resource = policy::Resource::kVitals;
  req.action = policy::Action::kRead;
  req.patient = *dir_store_->PatientTargetFor(pid, kNow);
  const auto on = dir_store_->SubjectFor("n-1", kNow);
  const auto off = dir_store_->SubjectFor("n-1", kNow + 2 * kHour);
  ASSERT_TRUE(on.ok() && off.ok());
  EXPECT_TRUE(policy::Decide(&*on, req, {}, kNow).allowed());
  EXPECT_FALSE(policy::Decide(&*off, req, {}, kNow + 2 * kHour).allowed());
}

INSTANTIATE_TEST_SUITE_P(Backends, StaffDirectorySuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
