// For tests only: the records the audit tests chain, tamper with and export.
#pragma once

#include <string>

#include "cloud/audit/audit_record.h"

namespace vigil::audit::testing {

inline constexpr int64_t kT0 = 1714564800123;  // 2024-05-01T12:00:00.123Z

// A nurse reading patient 42's vitals, allowed by the ward rule.
inline AuditRecord NurseRead() {
  AuditRecord r;
  r.time_ms = kT0;
  r.event = Event::kRead;
  r.actor_kind = ActorKind::kUser;
  r.actor_id = "u-1017";
  r.role = "nurse";
  r.operation = "GET /fhir/Observation/881";
  r.outcome = Outcome::kSuccess;
  r.patient_id = 42;
  r.source_address = "192.0.2.7";
  r.client = "Mozilla/5.0 (X11; Linux x86_64)";
  r.decision = Decision::kAllow;
  r.rule = "nurse-ward-on-duty";
  return r;
}

// A doctor searching a patient's vitals.
inline AuditRecord DoctorSearch() {
  AuditRecord r = NurseRead();
  r.event = Event::kSearch;
  r.actor_id = "u-2001";
  r.role = "doctor";
  r.operation = "GET /fhir/Observation?patient=42&date=ge2024-05-01";
  r.rule = "doctor-care-team";
  return r;
}

// A nurse of another ward refused.
inline AuditRecord WrongWardDenied() {
  AuditRecord r = NurseRead();
  r.actor_id = "u-1099";
  r.outcome = Outcome::kDenied;
  r.decision = Decision::kDeny;
  r.rule = "default-deny";
  return r;
}

// A failed login: no policy decision, no patient.
inline AuditRecord FailedLogin() {
  AuditRecord r;
  r.time_ms = kT0 + 500;
  r.event = Event::kLogin;
  r.actor_kind = ActorKind::kUser;
  r.actor_id = "u-1017";
  r.operation = "POST /api/login";
  r.outcome = Outcome::kDenied;
  r.source_address = "198.51.100.23";
  r.client = "curl/7.88.1";
  r.reason = "wrong password";
  return r;
}

// Break-glass opened by a doctor for a patient outside the care team.
inline AuditRecord BreakGlass() {
  AuditRecord r = NurseRead();
  r.event = Event::kBreakGlass;
  r.actor_id = "u-2001";
  r.role = "doctor";
  r.operation = "POST /api/break-glass";
  r.patient_id = 77;
  r.rule = "break-glass";
  r.emergency = true;
  r.reason = "cardiac arrest in corridor B, patient not on my list";
  return r;
}

// A gateway's service account exporting; a security alert raised by the API guard.
inline AuditRecord ServiceExport() {
  AuditRecord r;
  r.time_ms = kT0 + 1000;
  r.event = Event::kExport;
  r.actor_kind = ActorKind::kService;
  r.actor_id = "svc-research-export";
  r.role = "service";
  r.operation = "GET /fhir/$export?_type=Observation";
  r.outcome = Outcome::kSuccess;
  r.source_address = "2001:db8::15";
  r.client = "export-client/1.2";
  r.decision = Decision::kAllow;
  r.rule = "service-scope-export";
  return r;
}

inline AuditRecord Alert() {
  AuditRecord r;
  r.time_ms = kT0 + 2000;
  r.event = Event::kSecurityAlert;
  r.actor_kind = ActorKind::kUser;
  r.actor_id = "u-1099";
  r.role = "nurse";
  r.operation = "GET /fhir/Patient/91";
  r.outcome = Outcome::kDenied;
  r.source_address = "192.0.2.99";
  r.reason = "many patients outside the ward in 5 min (signature 9300010)";
  return r;
}

}  // namespace vigil::audit::testing
