#include "cloud/policy/route_table.h"

#include <array>

#include "cloud/auth/form.h"

namespace vigil::policy {
namespace {

using R = Resource;
using A = Action;
using T = TargetFrom;
using C = RateClass;

constexpr std::array<Route, 41> kRoutes = {{
    // The dashboard's queries.
    {"GET", "/api/wards/{ward}/latest", R::kWardView, A::kRead, T::kPathWard, "ward", C::kRead},
    {"GET", "/api/wards/{ward}/alarms", R::kWardView, A::kRead, T::kPathWard, "ward", C::kRead},
    {"GET", "/api/patients/{patient}/vitals", R::kVitals, A::kRead, T::kPathPatient, "patient",
     C::kRead},
    {"GET", "/api/patients/{patient}/alarms", R::kAlarms, A::kRead, T::kPathPatient, "patient",
     C::kRead},
    {"POST", "/api/alarms/{alarm}/ack", R::kAlarms, A::kAcknowledge, T::kAlarmPatient, "alarm",
     C::kWrite},
    {"GET", "/api/patients/{patient}", R::kPatientRecord, A::kRead, T::kPathPatient, "patient",
     C::kRead},
    {"GET", "/api/patients/{patient}/notes", R::kNotes, A::kRead, T::kPathPatient, "patient",
     C::kRead},
    {"POST", "/api/patients/{patient}/notes", R::kNotes, A::kWrite, T::kPathPatient, "patient",
     C::kWrite},
    {"POST", "/api/patients/{patient}/break-glass", R::kBreakGlass, A::kWrite, T::kPathPatient,
     "patient", C::kWrite},
    // FHIR R4.
    {"GET", "/fhir/Observation", R::kVitals, A::kRead, T::kQueryPatient, "patient", C::kRead},
    {"GET", "/fhir/Patient/{patient}", R::kPatientRecord, A::kRead, T::kPathPatient, "patient",
     C::kRead},
    {"GET", "/fhir/$export", R::kWardView, A::kExport, T::kQueryWard, "ward", C::kExport},
    {"GET", "/fhir/AuditEvent", R::kAuditRecords, A::kExport, T::kNone, "", C::kExport},
    // Audit and security alerts.
    {"GET", "/audit", R::kAuditRecords, A::kRead, T::kNone, "", C::kRead},
    {"GET", "/alerts", R::kSecurityAlerts, A::kRead, T::kNone, "", C::kRead},
    {"POST", "/alerts/{alert}/ack", R::kSecurityAlerts, A::kAcknowledge, T::kNone, "", C::kWrite},
    // Administration.
    {"GET", "/admin/users", R::kAdminUsers, A::kAdminister, T::kNone, "", C::kAdmin},
    {"POST", "/admin/users", R::kAdminUsers, A::kAdminister, T::kNone, "", C::kAdmin},
    {"DELETE", "/admin/users/{user}", R::kAdminUsers, A::kAdminister, T::kNone, "", C::kAdmin},
    {"POST", "/admin/api-keys", R::kAdminKeys, A::kAdminister, T::kNone, "", C::kAdmin},
    {"DELETE", "/admin/api-keys/{key}", R::kAdminKeys, A::kAdminister, T::kNone, "", C::kAdmin},
    {"POST", "/admin/signing-keys/rotate", R::kAdminKeys, A::kAdminister, T::kNone, "", C::kAdmin},
    {"GET", "/admin/devices", R::kAdminDevices, A::kAdminister, T::kNone, "", C::kAdmin},
    {"POST", "/admin/devices", R::kAdminDevices, A::kAdminister, T::kNone, "", C::kAdmin},
    {"POST", "/admin/devices/{device}/revoke", R::kAdminDevices, A::kAdminister, T::kNone, "",
     C::kAdmin},
    {"GET", "/admin/commands", R::kAdminDevices, A::kAdminister, T::kNone, "", C::kAdmin},
    {"POST", "/admin/admissions", R::kAdminUsers, A::kAdminister, T::kNone, "", C::kAdmin},
    {"POST", "/admin/admissions/{patient}/discharge", R::kAdminUsers, A::kAdminister, T::kNone, "",
     C::kAdmin},
    {"POST", "/admin/beds/{ward}/{bed}/device", R::kAdminDevices, A::kAdminister, T::kNone, "",
     C::kAdmin},
    {"PATCH", "/admin/users/{user}", R::kAdminUsers, A::kAdminister, T::kNone, "", C::kAdmin},
    {"POST", "/admin/care-teams", R::kAdminUsers, A::kAdminister, T::kNone, "", C::kAdmin},
    // Ingest for gateways that cannot speak MQTT (docs/uplink.md messages, one per line).
    {"POST", "/ingest/v1/messages", R::kIngest, A::kWrite, T::kNone, "", C::kIngest},
    // Credentials.
    {"POST", "/oauth/token", R::kAuthEndpoint, A::kWrite, T::kNone, "", C::kAuth},
    {"POST", "/login", R::kAuthEndpoint, A::kWrite, T::kNone, "", C::kAuth},
    {"POST", "/login/mfa", R::kAuthEndpoint, A::kWrite, T::kNone, "", C::kAuth},
    // A person's own credentials (the session's account).
    {"POST", "/logout", R::kOwnAccount, A::kWrite, T::kNone, "", C::kWrite},
    {"POST", "/account/mfa/enroll", R::kOwnAccount, A::kWrite, T::kNone, "", C::kAuth},
    {"POST", "/account/mfa/confirm", R::kOwnAccount, A::kWrite, T::kNone, "", C::kAuth},
    {"POST", "/account/password", R::kOwnAccount, A::kWrite, T::kNone, "", C::kAuth},
    // The dashboard (docs/dashboard.md): a ward's live events, decided as its ward view.
    {"GET", "/api/wards/{ward}/stream", R::kWardView, A::kRead, T::kPathWard, "ward", C::kRead},
    {"GET", "/account", R::kOwnAccount, A::kRead, T::kNone, "", C::kRead},
}};

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsId(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

bool MatchPath(const Route& r, const std::vector<std::string_view>& segs,
               std::vector<std::pair<std::string, std::string>>* params) {
  const std::vector<std::string_view> pat = Split(r.pattern.substr(1), '/');
  if (pat.size() != segs.size()) return false;
  params->clear();
  for (size_t i = 0; i < pat.size(); ++i) {
    if (pat[i].size() > 2 && pat[i].front() == '{' && pat[i].back() == '}') {
      if (!IsId(segs[i])) return false;
      params->emplace_back(std::string(pat[i].substr(1, pat[i].size() - 2)), std::string(segs[i]));
    } else if (pat[i] != segs[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view RateClassName(RateClass c) {
  switch (c) {
    case RateClass::kAuth:
      return "auth";
    case RateClass::kRead:
      return "read";
    case RateClass::kWrite:
      return "write";
    case RateClass::kExport:
      return "export";
    case RateClass::kIngest:
      return "ingest";
    case RateClass::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::string_view RouteErrorName(RouteError e) {
  switch (e) {
    case RouteError::kOk:
      return "ok";
    case RouteError::kNotFound:
      return "not_found";
    case RouteError::kMethodNotAllowed:
      return "method_not_allowed";
    case RouteError::kMalformed:
      return "malformed";
    case RouteError::kOversized:
      return "oversized";
  }
  return "unknown";
}

std::span<const Route> AllRoutes() { return kRoutes; }

RouteMatch Match(std::string_view method, std::string_view target) {
  RouteMatch m;
  if (target.size() > kMaxTargetBytes) {
    m.error = RouteError::kOversized;
    return m;
  }
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  if (path.empty() || path.front() != '/') {
    m.error = RouteError::kNotFound;
    return m;
  }
  const std::vector<std::string_view> segs = Split(path.substr(1), '/');

  bool path_matched = false;
  std::vector<std::pair<std::string, std::string>> params;
  for (const Route& r : kRoutes) {
    if (!MatchPath(r, segs, &params)) continue;
    path_matched = true;
    if (r.method != method) continue;
    m.route = &r;
    m.path_params = params;
    break;
  }
  if (m.route == nullptr) {
    m.error = path_matched ? RouteError::kMethodNotAllowed : RouteError::kNotFound;
    return m;
  }

  if (!query.empty()) {
    for (std::string_view part : Split(query, '&')) {
      if (part.empty()) continue;
      const size_t eq = part.find('=');
      std::optional<std::string> k = auth::FormUnescape(part.substr(0, eq));
      std::optional<std::string> v =
          auth::FormUnescape(eq == std::string_view::npos ? "" : part.substr(eq + 1));
      if (!k || !v) {
        m.error = RouteError::kMalformed;
        return m;
      }
      m.query.emplace_back(std::move(*k), std::move(*v));
    }
  }

  const Route& r = *m.route;
  if (r.target == TargetFrom::kQueryPatient || r.target == TargetFrom::kQueryWard) {
    // Exactly one value: two `patient=` parameters must not let a check read one and a
    // handler the other.
    int seen = 0;
    for (const auto& [k, v] : m.query) {
      if (k != r.param) continue;
      ++seen;
      m.target_id = v;
      // FHIR search takes a reference ("Patient/p1") as well as a bare id.
      if (r.target == TargetFrom::kQueryPatient && m.target_id.starts_with("Patient/")) {
        m.target_id.erase(0, 8);
      }
    }
    if (seen > 1 || (seen == 1 && !IsId(m.target_id))) {
      m.error = RouteError::kMalformed;
      m.target_id.clear();
      return m;
    }
  } else if (r.target != TargetFrom::kNone) {
    for (const auto& [k, v] : m.path_params) {
      if (k == r.param) m.target_id = v;
    }
  }
  return m;
}

}  // namespace vigil::policy
