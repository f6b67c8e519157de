#include "cloud/policy/policy.h"

#include <algorithm>
#include <array>

namespace vigil::policy {
namespace {

constexpr std::array<std::string_view, 28> kRules = {
    "public-auth-endpoint",
    "own-account",
    "unauthenticated",
    "service-ingest",
    "service-scope-missing",
    "service-ingest-only",
    "ingest-services-only",
    "admin-administers",
    "admin-only",
    "auditor-reads-audit",
    "audit-auditor-only",
    "security-staff-read-alerts",
    "admin-acknowledges-alerts",
    "security-alerts-staff-only",
    "admin-no-patient-data",
    "auditor-no-patient-data",
    "patient-own-data",
    "patient-read-only",
    "patient-own-data-only",
    "clinician-opens-break-glass",
    "action-not-permitted",
    "target-missing",
    "clinician-ward-on-duty",
    "clinician-care-team-on-duty",
    "break-glass",
    "break-glass-expired",
    "clinician-off-duty",
    "clinician-not-assigned",
};

Decision Make(Effect effect, std::string_view rule, uint8_t obligations = kObligeAudit) {
  Decision d;
  d.effect = effect;
  d.rule = rule;
  d.obligations = obligations;
  return d;
}
Decision Allow(std::string_view rule) { return Make(Effect::kAllow, rule); }
Decision Deny(std::string_view rule) { return Make(Effect::kDeny, rule); }

bool IsAdminOperation(Resource r) {
  return r == Resource::kAdminUsers || r == Resource::kAdminKeys || r == Resource::kAdminDevices;
}

// Rule 20: what a clinician's role may do to a resource at all, before any relation.
bool ClinicianMay(Role role, Resource r, Action a) {
  switch (r) {
    case Resource::kVitals:
    case Resource::kPatientRecord:
      return a == Action::kRead;
    case Resource::kAlarms:
      return a == Action::kRead || a == Action::kAcknowledge;
    case Resource::kNotes:
      return a == Action::kRead || a == Action::kWrite;
    case Resource::kWardView:
      return a == Action::kRead || (a == Action::kExport && role == Role::kDoctor);
    default:
      return false;
  }
}

bool OnDutyIn(const std::vector<DutyAssignment>& as, std::string_view unit, TimeUs now) {
  return std::any_of(as.begin(), as.end(),
                     [&](const DutyAssignment& a) { return a.unit == unit && a.OnDuty(now); });
}
bool AssignedTo(const std::vector<DutyAssignment>& as, std::string_view unit) {
  return std::any_of(as.begin(), as.end(), [&](const DutyAssignment& a) { return a.unit == unit; });
}

Decision DecideClinician(const Subject& s, const AccessRequest& q,
                         std::span<const BreakGlassGrant> grants, TimeUs now) {
  if (q.resource == Resource::kBreakGlass) {
    if (q.action != Action::kWrite) return Deny("action-not-permitted");
    if (!q.patient || q.patient->id.empty()) return Deny("target-missing");
    return Allow("clinician-opens-break-glass");
  }
  if (!ClinicianMay(s.role, q.resource, q.action)) return Deny("action-not-permitted");

  if (q.resource == Resource::kWardView) {
    if (!q.ward || q.ward->empty()) return Deny("target-missing");
    if (OnDutyIn(s.wards, *q.ward, now)) return Allow("clinician-ward-on-duty");
    if (AssignedTo(s.wards, *q.ward)) return Deny("clinician-off-duty");
    return Deny("clinician-not-assigned");
  }

  if (!q.patient || q.patient->id.empty()) return Deny("target-missing");
  const PatientTarget& p = *q.patient;
  if (!p.ward.empty() && OnDutyIn(s.wards, p.ward, now)) return Allow("clinician-ward-on-duty");
  for (const std::string& team : p.care_teams) {
    if (OnDutyIn(s.care_teams, team, now)) return Allow("clinician-care-team-on-duty");
  }
  bool expired = false;
  for (const BreakGlassGrant& g : grants) {
    if (g.subject_id != s.id || g.patient_id != p.id) continue;
    if (g.ActiveAt(now)) {
      Decision d = Make(Effect::kAllow, "break-glass", kObligeAudit | kObligeAlert);
      d.break_glass_grant = g.id;
      return d;
    }
    if (g.expires <= now) expired = true;
  }
  if (expired) return Deny("break-glass-expired");
  bool assigned = !p.ward.empty() && AssignedTo(s.wards, p.ward);
  for (const std::string& team : p.care_teams)
    assigned = assigned || AssignedTo(s.care_teams, team);
  if (assigned) return Deny("clinician-off-duty");
  return Deny("clinician-not-assigned");
}

}  // namespace

Decision Decide(const Subject* subject, const AccessRequest& q,
                std::span<const BreakGlassGrant> grants, TimeUs now) {
  if (q.resource == Resource::kAuthEndpoint) {
    return Make(Effect::kAllow, "public-auth-endpoint", kObligeNone);
  }
  if (subject == nullptr) return Deny("unauthenticated");
  const Subject& s = *subject;

  if (s.role == Role::kService) {
    if (q.resource != Resource::kIngest || q.action != Action::kWrite) {
      return Deny("service-ingest-only");
    }
    if (!s.HasScope("ingest")) return Deny("service-scope-missing");
    return Make(Effect::kAllow, "service-ingest", kObligeNone);
  }
  if (q.resource == Resource::kIngest) return Deny("ingest-services-only");
  // Every person manages their own credentials, whatever their role; the handler acts on
  // the session's own account only (there is no target to name another).
  if (q.resource == Resource::kOwnAccount) return Allow("own-account");

  if (IsAdminOperation(q.resource)) {
    if (s.role == Role::kAdmin && q.action == Action::kAdminister) {
      return Allow("admin-administers");
    }
    return Deny("admin-only");
  }
  if (q.resource == Resource::kAuditRecords) {
    if (s.role == Role::kAuditor && (q.action == Action::kRead || q.action == Action::kExport)) {
      return Allow("auditor-reads-audit");
    }
    return Deny("audit-auditor-only");
  }
  if (q.resource == Resource::kSecurityAlerts) {
    if ((s.role == Role::kAdmin || s.role == Role::kAuditor) && q.action == Action::kRead) {
      return Allow("security-staff-read-alerts");
    }
    if (s.role == Role::kAdmin && q.action == Action::kAcknowledge) {
      return Allow("admin-acknowledges-alerts");
    }
    return Deny("security-alerts-staff-only");
  }

  // Patient data, ward views, break-glass.
  switch (s.role) {
    case Role::kAdmin:
      return Deny("admin-no-patient-data");
    case Role::kAuditor:
      return Deny("auditor-no-patient-data");
    case Role::kPatient: {
      const bool own = IsPatientData(q.resource) && q.patient && !s.patient_id.empty() &&
                       q.patient->id == s.patient_id;
      if (!own) return Deny("patient-own-data-only");
      if (q.action != Action::kRead) return Deny("patient-read-only");
      return Allow("patient-own-data");
    }
    case Role::kDoctor:
    case Role::kNurse:
      return DecideClinician(s, q, grants, now);
    case Role::kService:
      break;  // handled above
  }
  return Deny("service-ingest-only");
}

std::span<const std::string_view> AllRuleNames() { return kRules; }

}  // namespace vigil::policy
