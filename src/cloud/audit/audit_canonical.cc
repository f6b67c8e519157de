#include "cloud/audit/audit_canonical.h"

namespace vigil::audit {
namespace {

enum Tag : uint8_t {
  kTagSeq = 1,
  kTagTime,
  kTagEvent,
  kTagActorKind,
  kTagActorId,
  kTagRole,
  kTagOperation,
  kTagOutcome,
  kTagPatient,
  kTagSource,
  kTagClient,
  kTagDecision,
  kTagRule,
  kTagEmergency,
  kTagReason,
};

void PutBe(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void Field(std::string& out, Tag tag, std::string_view value) {
  out.push_back(static_cast<char>(tag));
  PutBe(out, value.size(), 4);
  out.append(value);
}

// Fixed-size values, written in place (no temporary string per field).
void FieldBe64(std::string& out, Tag tag, uint64_t v) {
  out.push_back(static_cast<char>(tag));
  PutBe(out, 8, 4);
  PutBe(out, v, 8);
}

void FieldByte(std::string& out, Tag tag, uint8_t b) {
  out.push_back(static_cast<char>(tag));
  PutBe(out, 1, 4);
  out.push_back(static_cast<char>(b));
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  size_t offset() const { return pos_; }
  bool at_end() const { return pos_ == in_.size(); }

  RecordError Expect(std::string_view bytes) {
    if (in_.size() - pos_ < bytes.size()) return RecordError::kTruncated;
    if (in_.substr(pos_, bytes.size()) != bytes) return RecordError::kBadLayout;
    pos_ += bytes.size();
    return RecordError::kOk;
  }
  RecordError Byte(uint8_t* b) {
    if (pos_ >= in_.size()) return RecordError::kTruncated;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return RecordError::kOk;
  }
  // The field with `tag`, its value into *value (a view into the input).
  RecordError Next(Tag tag, size_t max_len, std::string_view* value) {
    uint8_t t = 0;
    if (RecordError e = Byte(&t); e != RecordError::kOk) return e;
    if (t != tag) {
      --pos_;
      return RecordError::kBadLayout;
    }
    if (in_.size() - pos_ < 4) return RecordError::kTruncated;
    uint64_t len = 0;
    for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    if (len > max_len) return RecordError::kBadLayout;
    pos_ += 4;
    if (in_.size() - pos_ < len) return RecordError::kTruncated;
    *value = in_.substr(pos_, len);
    pos_ += len;
    return RecordError::kOk;
  }
  RecordError Fixed(Tag tag, size_t len, std::string_view* value) {
    const size_t start = pos_;
    if (RecordError e = Next(tag, len, value); e != RecordError::kOk) return e;
    if (value->size() != len) {
      pos_ = start;
      return RecordError::kBadLayout;
    }
    return RecordError::kOk;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

uint64_t GetBe64(std::string_view v) {
  uint64_t x = 0;
  for (char c : v) x = (x << 8) | static_cast<uint8_t>(c);
  return x;
}

}  // namespace

std::string Canonical(uint64_t seq, const AuditRecord& r) {
  std::string out;
  out.reserve(128 + r.actor_id.size() + r.role.size() + r.operation.size() +
              r.source_address.size() + r.client.size() + r.rule.size() + r.reason.size());
  out.append(kCanonicalMagic);
  out.push_back(static_cast<char>(kCanonicalVersion));
  FieldBe64(out, kTagSeq, seq);
  FieldBe64(out, kTagTime, static_cast<uint64_t>(r.time_ms));
  FieldByte(out, kTagEvent, static_cast<uint8_t>(r.event));
  FieldByte(out, kTagActorKind, static_cast<uint8_t>(r.actor_kind));
  Field(out, kTagActorId, r.actor_id);
  Field(out, kTagRole, r.role);
  Field(out, kTagOperation, r.operation);
  FieldByte(out, kTagOutcome, static_cast<uint8_t>(r.outcome));
  if (r.patient_id.has_value()) {
    FieldBe64(out, kTagPatient, static_cast<uint64_t>(*r.patient_id));
  } else {
    Field(out, kTagPatient, {});
  }
  Field(out, kTagSource, r.source_address);
  Field(out, kTagClient, r.client);
  FieldByte(out, kTagDecision, static_cast<uint8_t>(r.decision));
  Field(out, kTagRule, r.rule);
  FieldByte(out, kTagEmergency, r.emergency ? 1 : 0);
  Field(out, kTagReason, r.reason);
  return out;
}

RecordError ParseCanonical(std::string_view bytes, uint64_t* seq, AuditRecord* out,
                           size_t* offset) {
  Reader rd(bytes);
  auto done = [&](RecordError e) {
    if (offset != nullptr) *offset = rd.offset();
    return e;
  };
#define VIGIL_TRY(expr)                                    \
  do {                                                     \
    if (RecordError e_ = (expr); e_ != RecordError::kOk) { \
      return done(e_);                                     \
    }                                                      \
  } while (0)
  VIGIL_TRY(rd.Expect(kCanonicalMagic));
  uint8_t version = 0;
  VIGIL_TRY(rd.Byte(&version));
  if (version != kCanonicalVersion) return done(RecordError::kUnknownVersion);

  AuditRecord r;
  std::string_view v;
  VIGIL_TRY(rd.Fixed(kTagSeq, 8, &v));
  const uint64_t s = GetBe64(v);
  if (s == 0) return done(RecordError::kBadLayout);
  VIGIL_TRY(rd.Fixed(kTagTime, 8, &v));
  r.time_ms = static_cast<int64_t>(GetBe64(v));
  VIGIL_TRY(rd.Fixed(kTagEvent, 1, &v));
  r.event = static_cast<Event>(v[0]);
  VIGIL_TRY(rd.Fixed(kTagActorKind, 1, &v));
  r.actor_kind = static_cast<ActorKind>(v[0]);
  VIGIL_TRY(rd.Next(kTagActorId, kMaxIdBytes, &v));
  r.actor_id = v;
  VIGIL_TRY(rd.Next(kTagRole, kMaxIdBytes, &v));
  r.role = v;
  VIGIL_TRY(rd.Next(kTagOperation, kMaxOperationBytes, &v));
  r.operation = v;
  VIGIL_TRY(rd.Fixed(kTagOutcome, 1, &v));
  r.outcome = static_cast<Outcome>(v[0]);
  VIGIL_TRY(rd.Next(kTagPatient, 8, &v));
  if (v.size() == 8) {
    r.patient_id = static_cast<int64_t>(GetBe64(v));
  } else if (!v.empty()) {
    return done(RecordError::kBadLayout);
  }
  VIGIL_TRY(rd.Next(kTagSource, kMaxAddressBytes, &v));
  r.source_address = v;
  VIGIL_TRY(rd.Next(kTagClient, kMaxClientBytes, &v));
  r.client = v;
  VIGIL_TRY(rd.Fixed(kTagDecision, 1, &v));
  r.decision = static_cast<Decision>(v[0]);
  VIGIL_TRY(rd.Next(kTagRule, kMaxIdBytes, &v));
  r.rule = v;
  VIGIL_TRY(rd.Fixed(kTagEmergency, 1, &v));
  if (v[0] != 0 && v[0] != 1) return done(RecordError::kBadLayout);
  r.emergency = v[0] == 1;
  VIGIL_TRY(rd.Next(kTagReason, kMaxReasonBytes, &v));
  r.reason = v;
#undef VIGIL_TRY
  if (!rd.at_end()) return done(RecordError::kBadLayout);
  if (RecordError e = CheckRecord(r); e != RecordError::kOk) return done(e);
  *seq = s;
  *out = std::move(r);
  return done(RecordError::kOk);
}

}  // namespace vigil::audit
