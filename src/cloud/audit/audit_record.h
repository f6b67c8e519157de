// One audit record (docs/audit.md): who did what to which patient's data, when, from
// where, and what the policy decided by which rule. Written for every read or change of
// patient data and for every security event, before the answer leaves the service (an
// access that cannot be audited does not happen).
//
// A record names a patient by the row id of the patient table, never by name or MRN: the
// audit store is read by auditors who may not see identities, and a copy of the chain
// given to a SIEM carries no identity.
//
// The record is a plain value. Its byte form is audit_canonical.h; its place in the chain
// (seq, prev_hash, hash) is audit_chain.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::audit {

// What happened. Each event fixes the FHIR AuditEvent type, subtype and action
// (fhir_audit_event.h), so a record cannot say "read" in one field and "delete" in another.
// The numeric values are part of the canonical form: never renumber, only append.
enum class Event : uint8_t {
  kRead = 1,            // a RESTful read of patient data (one resource)
  kSearch = 2,          // a RESTful search (a query over patient data)
  kCreate = 3,          // a create of patient data
  kUpdate = 4,          // an update of patient data
  kDelete = 5,          // a delete of patient data
  kExport = 6,          // an operation that exports data (bulk export, backup)
  kLogin = 7,           // a login attempt (success or failure)
  kLogout = 8,          // a logout or a session's end
  kBreakGlass = 9,      // emergency access opened (reason required)
  kSecurityAlert = 10,  // a security event: brute force, rate limit, unusual access
};
inline constexpr uint8_t kMaxEvent = 10;

enum class ActorKind : uint8_t {
  kUser = 1,     // a person (session cookie)
  kService = 2,  // a machine: gateway, API key, OAuth2 client
};

// The request's result, as FHIR AuditEvent.outcome grades it.
enum class Outcome : uint8_t {
  kSuccess = 1,  // done ("0")
  kDenied = 2,   // refused: policy, authentication, rate limit ("4", minor failure)
  kFailed = 3,   // the service failed: storage down, bug ("8", serious failure)
};

// What the policy decided. kNone for events no policy decides (a failed login, an alert).
enum class Decision : uint8_t {
  kNone = 1,
  kAllow = 2,
  kDeny = 3,
};

std::string_view EventName(Event e);          // "read", "search", ..., "security_alert"
std::string_view ActorKindName(ActorKind k);  // "user" | "service"
std::string_view OutcomeName(Outcome o);      // "success" | "denied" | "failed"
std::string_view DecisionName(Decision d);    // "none" | "allow" | "deny"

// Bounds on the text fields, so that one record stays small and a hostile client (its
// user agent, a query string) cannot bloat the chain.
inline constexpr size_t kMaxIdBytes = 128;          // actor_id, role, rule
inline constexpr size_t kMaxOperationBytes = 2048;  // route or operation, with its query
inline constexpr size_t kMaxAddressBytes = 64;      // source address
inline constexpr size_t kMaxClientBytes = 512;      // user agent or client name
inline constexpr size_t kMaxReasonBytes = 1024;     // free text

struct AuditRecord {
  int64_t time_ms = 0;  // UTC, ms since the Unix epoch; >= 0
  Event event = Event::kRead;
  // Who: a user id or a service account / client id (never a password or a token), and
  // the role the request was made under (admin, doctor, nurse, patient, auditor, service).
  ActorKind actor_kind = ActorKind::kUser;
  std::string actor_id;  // 1..kMaxIdBytes
  std::string role;      // 0..kMaxIdBytes
  // What: the route or operation as received ("GET /fhir/Observation?patient=12"),
  // including a malformed or hostile one, so that an auditor sees what was asked.
  std::string operation;  // 0..kMaxOperationBytes
  Outcome outcome = Outcome::kSuccess;
  // Which patient: the patient's row id (> 0), or none when the event concerns no patient.
  std::optional<int64_t> patient_id;
  // From where: the peer's address as the service saw it ("192.0.2.7", "2001:db8::1"),
  // and the client (HTTP User-Agent, or the OAuth2 client name).
  std::string source_address;  // 0..kMaxAddressBytes
  std::string client;          // 0..kMaxClientBytes
  // The decision and the rule that decided ("nurse-ward-on-duty"); rule empty for kNone.
  Decision decision = Decision::kNone;
  std::string rule;  // 0..kMaxIdBytes
  // True when the access was made under break-glass (purpose of use: emergency).
  bool emergency = false;
  // Free text: the break-glass reason, why a login failed, the alert's signature.
  std::string reason;  // 0..kMaxReasonBytes

  bool operator==(const AuditRecord&) const = default;
};

// Why a record is refused (CheckRecord, ParseCanonical).
enum class RecordError : uint8_t {
  kOk = 0,
  kBadTime,              // time_ms < 0
  kBadEnum,              // an event, actor kind, outcome or decision outside its values
  kEmptyActor,           // actor_id empty
  kTooLong,              // a text field above its bound
  kNotText,              // a text field that is not valid UTF-8
  kBadPatient,           // patient_id present but <= 0
  kNoReason,             // break-glass without a reason
  kRuleWithoutDecision,  // a rule named while decision is kNone
  // ParseCanonical only:
  kTruncated,       // the bytes end inside a field
  kBadLayout,       // a field out of order, of the wrong length, or bytes after the last
  kUnknownVersion,  // a format version this code does not read
};
std::string_view RecordErrorName(RecordError e);

// kOk if `r` may be written, else the first violation; `field` (optional) names it.
RecordError CheckRecord(const AuditRecord& r, std::string_view* field = nullptr);

// What the service does with text it did not choose (a user agent, a query string, a
// reason typed by a user) before putting it in a record, so that hostile input is kept
// as evidence instead of making the record refused: invalid UTF-8 sequences become
// U+FFFD and the result is cut, on a character boundary, to at most `max_bytes`.
// Control characters are kept (the canonical form is length-prefixed and the JSON export
// escapes them).
std::string ClampText(std::string_view s, size_t max_bytes);

}  // namespace vigil::audit
