#include "cloud/audit/audit_record.h"

#include "edge/uplink/json_writer.h"

namespace vigil::audit {

std::string_view EventName(Event e) {
  switch (e) {
    case Event::kRead:
      return "read";
    case Event::kSearch:
      return "search";
    case Event::kCreate:
      return "create";
    case Event::kUpdate:
      return "update";
    case Event::kDelete:
      return "delete";
    case Event::kExport:
      return "export";
    case Event::kLogin:
      return "login";
    case Event::kLogout:
      return "logout";
    case Event::kBreakGlass:
      return "break_glass";
    case Event::kSecurityAlert:
      return "security_alert";
  }
  return "unknown";
}

std::string_view ActorKindName(ActorKind k) {
  switch (k) {
    case ActorKind::kUser:
      return "user";
    case ActorKind::kService:
      return "service";
  }
  return "unknown";
}

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kDenied:
      return "denied";
    case Outcome::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kNone:
      return "none";
    case Decision::kAllow:
      return "allow";
    case Decision::kDeny:
      return "deny";
  }
  return "unknown";
}

std::string_view RecordErrorName(RecordError e) {
  switch (e) {
    case RecordError::kOk:
      return "ok";
    case RecordError::kBadTime:
      return "bad_time";
    case RecordError::kBadEnum:
      return "bad_enum";
    case RecordError::kEmptyActor:
      return "empty_actor";
    case RecordError::kTooLong:
      return "too_long";
    case RecordError::kNotText:
      return "not_text";
    case RecordError::kBadPatient:
      return "bad_patient";
    case RecordError::kNoReason:
      return "no_reason";
    case RecordError::kRuleWithoutDecision:
      return "rule_without_decision";
    case RecordError::kTruncated:
      return "truncated";
    case RecordError::kBadLayout:
      return "bad_layout";
    case RecordError::kUnknownVersion:
      return "unknown_version";
  }
  return "unknown";
}

namespace {

bool EventKnown(Event e) {
  const auto v = static_cast<uint8_t>(e);
  return v >= 1 && v <= kMaxEvent;
}

struct TextField {
  std::string_view name;
  const std::string* value;
  size_t max;
};

}  // namespace

RecordError CheckRecord(const AuditRecord& r, std::string_view* field) {
  auto fail = [&](RecordError e, std::string_view name) {
    if (field != nullptr) *field = name;
    return e;
  };
  if (r.time_ms < 0) return fail(RecordError::kBadTime, "time_ms");
  if (!EventKnown(r.event)) return fail(RecordError::kBadEnum, "event");
  if (r.actor_kind != ActorKind::kUser && r.actor_kind != ActorKind::kService)
    return fail(RecordError::kBadEnum, "actor_kind");
  if (r.outcome != Outcome::kSuccess && r.outcome != Outcome::kDenied &&
      r.outcome != Outcome::kFailed)
    return fail(RecordError::kBadEnum, "outcome");
  if (r.decision != Decision::kNone && r.decision != Decision::kAllow &&
      r.decision != Decision::kDeny)
    return fail(RecordError::kBadEnum, "decision");
  if (r.actor_id.empty()) return fail(RecordError::kEmptyActor, "actor_id");
  const TextField texts[] = {
      {"actor_id", &r.actor_id, kMaxIdBytes},
      {"role", &r.role, kMaxIdBytes},
      {"operation", &r.operation, kMaxOperationBytes},
      {"source_address", &r.source_address, kMaxAddressBytes},
      {"client", &r.client, kMaxClientBytes},
      {"rule", &r.rule, kMaxIdBytes},
      {"reason", &r.reason, kMaxReasonBytes},
  };
  for (const TextField& t : texts) {
    if (t.value->size() > t.max) return fail(RecordError::kTooLong, t.name);
    if (!uplink::IsValidUtf8(*t.value)) return fail(RecordError::kNotText, t.name);
  }
  if (r.patient_id.has_value() && *r.patient_id <= 0)
    return fail(RecordError::kBadPatient, "patient_id");
  if (r.event == Event::kBreakGlass && r.reason.empty())
    return fail(RecordError::kNoReason, "reason");
  if (r.decision == Decision::kNone && !r.rule.empty())
    return fail(RecordError::kRuleWithoutDecision, "rule");
  return RecordError::kOk;
}

namespace {

// Length of the UTF-8 sequence starting at s[i] if it is well formed (RFC 3629: no
// overlongs, no surrogates, at most U+10FFFF), else 0.
size_t Utf8SequenceAt(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const size_t left = s.size() - i;
  const uint8_t c = b(0);
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { return k < left && (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string ClampText(std::string_view s, size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(s.size() < max_bytes ? s.size() : max_bytes);
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = Utf8SequenceAt(s, i);
    const std::string_view piece = n == 0 ? kReplacement : s.substr(i, n);
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += n == 0 ? 1 : n;
  }
  return out;
}

}  // namespace vigil::audit
