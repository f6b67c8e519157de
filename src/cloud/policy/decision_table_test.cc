// Walks every route x every role x every relation through the route table and the policy
// and checks the decision and the rule against testdata/policy/decisions.csv.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "cloud/policy/policy.h"
#include "cloud/policy/route_table.h"

namespace vigil::policy {
namespace {

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;
constexpr TimeUs kHour = 3600 * kSeconds;

const std::vector<std::string> kRoles = {"anonymous", "admin",   "doctor", "nurse",
                                         "patient",   "auditor", "service"};
const std::vector<std::string> kRelations = {
    "own-ward-on-duty", "own-ward-off-duty", "other-ward",         "care-team",
    "own-record",       "other-patient",     "break-glass-active", "break-glass-expired"};

struct Row {
  std::string effect, rule;
  int line = 0;
  bool used = false;
};
using Key = std::tuple<std::string, std::string, std::string, std::string>;

std::map<Key, Row> LoadTable() {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/policy/decisions.csv");
  EXPECT_TRUE(in) << "testdata/policy/decisions.csv missing";
  std::map<Key, Row> rows;
  std::string line;
  int n = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      EXPECT_EQ(line, "method,pattern,role,relation,effect,rule");
      header = false;
      continue;
    }
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    if (f.size() != 6) {
      ADD_FAILURE() << "line " << n << ": expected 6 fields";
      continue;
    }
    const Key k{f[0], f[1], f[2], f[3]};
    EXPECT_FALSE(rows.count(k)) << "line " << n << ": duplicate row";
    rows[k] = Row{f[4], f[5], n, false};
  }
  return rows;
}

Subject MakeSubject(const std::string& role, const std::string& relation) {
  Subject s;
  s.id = "u-" + role;
  s.role = RoleFromName(role).value_or(Role::kNurse);
  if (s.role == Role::kService) s.scopes = {"ingest"};
  s.patient_id = relation == "own-record" ? "p1" : "p2";
  if (relation == "own-ward-on-duty") s.wards = {{"icu", kNow - kHour, kNow + kHour}};
  if (relation == "own-ward-off-duty") s.wards = {{"icu", kNow - 10 * kHour, kNow - 2 * kHour}};
  if (relation == "other-ward") s.wards = {{"cardio", kNow - kHour, kNow + kHour}};
  if (relation == "care-team") s.care_teams = {{"team-a", kNow - kHour, kNow + kHour}};
  return s;
}

std::vector<BreakGlassGrant> MakeGrants(const Subject& s, const std::string& relation) {
  std::vector<BreakGlassGrant> g;
  if (relation == "break-glass-active") {
    g.push_back({"bg-1", s.id, "p1", "cardiac arrest in corridor", kNow - 10 * 60 * kSeconds,
                 kNow + 20 * 60 * kSeconds});
  }
  if (relation == "break-glass-expired") {
    g.push_back({"bg-1", s.id, "p1", "cardiac arrest in corridor", kNow - 2 * kHour, kNow - kHour});
  }
  return g;
}

// The request-target a client would send for the route, naming patient p1 / ward icu.
std::string TargetFor(const Route& r) {
  std::string path(r.pattern);
  const std::map<std::string, std::string> values = {{"{ward}", "icu"},   {"{patient}", "p1"},
                                                     {"{alarm}", "a-17"}, {"{alert}", "al-3"},
                                                     {"{user}", "u-9"},   {"{key}", "k-2"}};
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
  if (r.target == TargetFrom::kQueryPatient) path += "?patient=p1&date=ge2025-06-01";
  if (r.target == TargetFrom::kQueryWard) path += "?ward=icu";
  return path;
}

// What the API does between Match and Decide: resolve the target against the database.
AccessRequest RequestFor(const RouteMatch& m) {
  AccessRequest q{m.route->resource, m.route->action, std::nullopt, std::nullopt};
  const PatientTarget p1{"p1", "icu", {"team-a"}};
  switch (m.route->target) {
    case TargetFrom::kNone:
      break;
    case TargetFrom::kPathPatient:
    case TargetFrom::kQueryPatient:
      if (m.target_id == "p1") q.patient = p1;
      break;
    case TargetFrom::kAlarmPatient:
      if (m.target_id == "a-17") q.patient = p1;  // alarm a-17 belongs to p1
      break;
    case TargetFrom::kPathWard:
    case TargetFrom::kQueryWard:
      q.ward = m.target_id;
      break;
  }
  return q;
}

TEST(DecisionTable, EveryRouteRoleAndRelationHasTheDecisionOfTheTable) {
  std::map<Key, Row> rows = LoadTable();
  const auto& rule_names = AllRuleNames();
  const std::set<std::string_view> rules(rule_names.begin(), rule_names.end());
  int checked = 0;
  for (const Route& r : AllRoutes()) {
    const std::string method(r.method), pattern(r.pattern);
    const RouteMatch m = Match(r.method, TargetFor(r));
    ASSERT_EQ(m.error, RouteError::kOk) << method << " " << TargetFor(r);
    ASSERT_EQ(m.route, &r) << method << " " << TargetFor(r) << " matched another route";
    for (const std::string& role : kRoles) {
      for (const std::string& rel : kRelations) {
        Row* row = nullptr;
        for (const Key& k : {Key{method, pattern, role, rel}, Key{method, pattern, role, "*"},
                             Key{method, pattern, "*", rel}, Key{method, pattern, "*", "*"}}) {
          auto it = rows.find(k);
          if (it != rows.end()) {
            row = &it->second;
            break;
          }
        }
        if (row == nullptr) {
          ADD_FAILURE() << "no row in decisions.csv for " << method << " " << pattern << " " << role
                        << " " << rel;
          continue;
        }
        row->used = true;
        const Subject s = MakeSubject(role, rel);
        const std::vector<BreakGlassGrant> grants = MakeGrants(s, rel);
        const Decision d = Decide(role == "anonymous" ? nullptr : &s, RequestFor(m), grants, kNow);
        EXPECT_EQ(d.allowed() ? "allow" : "deny", row->effect)
            << method << " " << pattern << " " << role << " " << rel << " (line " << row->line
            << ", rule " << d.rule << ")";
        EXPECT_EQ(d.rule, row->rule) << method << " " << pattern << " " << role << " " << rel
                                     << " (line " << row->line << ")";
        EXPECT_TRUE(rules.count(d.rule)) << d.rule << " is not in AllRuleNames()";
        // A break-glass decision names its grant and obliges audit and alert; no other does.
        EXPECT_EQ(d.rule == "break-glass", !d.break_glass_grant.empty());
        if (d.rule == "break-glass") {
          EXPECT_TRUE(d.must_audit() && d.must_alert());
          EXPECT_EQ(d.break_glass_grant, "bg-1");
        } else {
          EXPECT_FALSE(d.must_alert());
        }
        if (!d.allowed()) {
          EXPECT_TRUE(d.must_audit()) << "a refusal is a security event";
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, static_cast<int>(AllRoutes().size() * kRoles.size() * kRelations.size()));
  for (const auto& [k, row] : rows) {
    EXPECT_TRUE(row.used) << "line " << row.line << ": row for " << std::get<0>(k) << " "
                          << std::get<1>(k) << " " << std::get<2>(k) << " " << std::get<3>(k)
                          << " names no route, role or relation of the walk";
  }
}

TEST(DecisionTable, EveryRuleOfThePolicyAppearsInTheTableOrInAUnitTest) {
  // Rules the route walk cannot reach (no route yields them with this fixture) are covered
  // in policy_test.cc; every other rule must be in the table, so that a renamed rule shows.
  std::map<Key, Row> rows = LoadTable();
  std::set<std::string> in_table;
  for (const auto& [k, row] : rows) in_table.insert(row.rule);
  const std::set<std::string> unit_only = {"service-scope-missing", "target-missing"};
  for (std::string_view rule : AllRuleNames()) {
    EXPECT_TRUE(in_table.count(std::string(rule)) || unit_only.count(std::string(rule))) << rule;
  }
}

}  // namespace
}  // namespace vigil::policy
