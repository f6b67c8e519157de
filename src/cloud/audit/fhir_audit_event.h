// An audit record as a FHIR R4 AuditEvent, following IHE Basic Audit Log Patterns (BALP)
// (docs/audit.md, "FHIR AuditEvent").
//
//   event          type                                subtype                          action
//   read           audit-event-type rest               restful-interaction read         R
//   search         audit-event-type rest               restful-interaction search-type  E
//   create         audit-event-type rest               restful-interaction create       C
//   update         audit-event-type rest               restful-interaction update       U
//   delete         audit-event-type rest               restful-interaction delete       D
//   export         audit-event-type rest               restful-interaction operation    E
//   login          DCM 110114 User Authentication      DCM 110122 Login                 E
//   logout         DCM 110114 User Authentication      DCM 110123 Logout                E
//   break_glass    DCM 110113 Security Alert           DCM 110127 Emergency Override Started E
//   security_alert DCM 110113 Security Alert           (none)                           E
//
// outcome: success "0", denied "4" (minor failure), failed "8" (serious failure);
// outcomeDesc: the decision and the rule, then the reason. A successful read, search,
// create, update or delete claims the BALP profile (Patient* when a patient is named);
// a refused one claims none (BALP profiles describe successful operations).
// agent: the user or service (requestor, with its role), the client (its address and
// user agent: DCM 110153 Source Role ID), the service (DCM 110152 Destination Role ID).
// entity: the patient as Reference(Patient/<id>) (audit-entity-type 1, object-role 1);
// a search or export also carries the query (object-role 24, the raw request base64 in
// `query`, as BALP asks, so that a hostile request is kept as it came); other events
// carry the operation (or, without one, the event's name) as a data entity.
// Break-glass, or an access made under it, sets purposeOfEvent v3-ActReason BTG with the
// reason as text.
// The entry's chain position travels along: AuditEvent.id is the seq, and the chain
// hash is an entity detail ("vigil-audit-hash", base64), so that an export can be
// matched to the verified chain.
#pragma once

#include <string>

#include "cloud/audit/audit_chain.h"
#include "cloud/fhir/fhir_json.h"

namespace vigil::audit {

struct AuditEventSource {
  std::string observer = "vigil-cloud";  // the service (replica) that recorded the event
  std::string site;                      // the hospital or deployment, may be empty
};

// REQUIRES: CheckRecord(e.record) == kOk, e.seq >= 1.
fhir::Json ToFhirAuditEvent(const ChainEntry& e, const AuditEventSource& source);

}  // namespace vigil::audit
