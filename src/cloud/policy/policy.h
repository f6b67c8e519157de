// The cloud's one access policy: RBAC roles with ABAC rules on top (docs/access-control.md).
//
// Decide() is pure: the subject (from the verified session or token), the request (from
// the route table and the database's view of the patient) and the subject's break-glass
// grants go in, with `now` (Unix time, microseconds); a Decision comes out. Rules are
// tried in this order and the first that matches decides:
//
// | #  | when                                             | effect | rule                        |
// |----|--------------------------------------------------|--------|-----------------------------|
// | 1  | token endpoint or login                          | allow  | public-auth-endpoint        |
// | 2  | no subject                                       | deny   | unauthenticated             |
// | 3  | service account, ingest write, scope "ingest"    | allow  | service-ingest              |
// | 4  | service account, ingest write, no scope "ingest" | deny   | service-scope-missing       |
// | 5  | service account, anything else                   | deny   | service-ingest-only         |
// | 6  | a person, ingest                                 | deny   | ingest-services-only        |
// | 6a | a person, their own account                      | allow  | own-account                 |
// | 7  | admin operation, admin, administer               | allow  | admin-administers           |
// | 8  | admin operation, anyone else                     | deny   | admin-only                  |
// | 9  | audit records, auditor, read or export           | allow  | auditor-reads-audit         |
// | 10 | audit records, anyone else                       | deny   | audit-auditor-only          |
// | 11 | security alerts, admin or auditor, read          | allow  | security-staff-read-alerts  |
// | 12 | security alerts, admin, acknowledge              | allow  | admin-acknowledges-alerts   |
// | 13 | security alerts, otherwise                       | deny   | security-alerts-staff-only  |
// | 14 | patient data, ward view, break-glass: admin      | deny   | admin-no-patient-data       |
// | 15 | the same: auditor                                | deny   | auditor-no-patient-data     |
// | 16 | patient: own data, read                          | allow  | patient-own-data            |
// | 17 | patient: own data, another action                | deny   | patient-read-only           |
// | 18 | patient: anything else                           | deny   | patient-own-data-only       |
// | 19 | clinician: open break-glass on a patient         | allow  | clinician-opens-break-glass |
// | 20 | clinician: action not allowed to the role        | deny   | action-not-permitted        |
// | 21 | clinician: no patient / ward in the request      | deny   | target-missing              |
// | 22 | clinician on duty in the patient's ward          | allow  | clinician-ward-on-duty      |
// | 23 | clinician on duty in a care team of the patient  | allow  | clinician-care-team-on-duty |
// | 24 | clinician with a running grant on the patient    | allow  | break-glass (audit, alert)  |
// | 25 | clinician whose grant on the patient expired     | deny   | break-glass-expired         |
// | 26 | clinician assigned there, but off duty           | deny   | clinician-off-duty          |
// | 27 | clinician, otherwise                             | deny   | clinician-not-assigned      |
//
// Role x resource x action for clinicians (rule 20): doctors and nurses read every kind of
// patient data and ward views, acknowledge alarms and write notes; only doctors export a
// ward (FHIR bulk export). Break-glass (24) covers one patient's data, never a ward view or
// an export. Admins administer but read no patient data (14): the admin account is the
// one that creates users and keys, so it could give itself any role it wanted; keeping
// clinical reading out of it means that a stolen admin credential does not read vitals
// without leaving a visible trail (it would have to create a clinician, which is audited
// and alerted), and that no one holds both the keys and the data.
//
// Obligations: every decision obliges an audit record except an allowed public auth
// endpoint or ingest (they are audited by their own handlers: login events, ingest
// counts); a break-glass decision also obliges an alert.
#pragma once

#include <span>
#include <string_view>

#include "cloud/policy/break_glass.h"
#include "cloud/policy/decision.h"
#include "cloud/policy/resource.h"
#include "cloud/policy/subject.h"

namespace vigil::policy {

// `subject` nullptr: the request carried no valid credential. `grants`: the subject's
// break-glass grants (any patient; expired ones help name the rule).
Decision Decide(const Subject* subject, const AccessRequest& request,
                std::span<const BreakGlassGrant> grants, TimeUs now);

// Every rule name Decide can return, in table order (for the decision-table test).
std::span<const std::string_view> AllRuleNames();

}  // namespace vigil::policy
