#include "cloud/policy/break_glass.h"

#include <utility>

namespace vigil::policy {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Printable UTF-8 without control characters: the reason is shown to auditors and goes
// into alerts, so it must not carry terminal escapes or line breaks.
bool IsPlainText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c & 0xe0) == 0xc0 && c >= 0xc2) {
      extra = 1;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
    } else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
      extra = 3;
    } else {
      return false;
    }
    if (extra > 0 && i + extra >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::string_view BreakGlassErrorName(BreakGlassError e) {
  switch (e) {
    case BreakGlassError::kOk:
      return "ok";
    case BreakGlassError::kNotClinician:
      return "not_clinician";
    case BreakGlassError::kReasonMissing:
      return "reason_missing";
    case BreakGlassError::kReasonTooLong:
      return "reason_too_long";
    case BreakGlassError::kReasonNotText:
      return "reason_not_text";
    case BreakGlassError::kDurationInvalid:
      return "duration_invalid";
    case BreakGlassError::kNoPatient:
      return "no_patient";
  }
  return "unknown";
}

BreakGlassOpen OpenBreakGlass(const Subject& subject, std::string_view patient_id,
                              std::string_view reason, TimeUs duration, std::string grant_id,
                              TimeUs now) {
  BreakGlassOpen out;
  if (!IsClinician(subject.role)) {
    out.error = BreakGlassError::kNotClinician;
    return out;
  }
  if (patient_id.empty()) {
    out.error = BreakGlassError::kNoPatient;
    return out;
  }
  while (!reason.empty() && IsBlank(reason.front())) reason.remove_prefix(1);
  while (!reason.empty() && IsBlank(reason.back())) reason.remove_suffix(1);
  if (reason.size() > kBreakGlassMaxReasonBytes) {
    out.error = BreakGlassError::kReasonTooLong;
    return out;
  }
  if (!IsPlainText(reason)) {
    out.error = BreakGlassError::kReasonNotText;
    return out;
  }
  if (reason.size() < kBreakGlassMinReasonBytes) {
    out.error = BreakGlassError::kReasonMissing;
    return out;
  }
  if (duration <= 0 || duration > kBreakGlassMaxDuration) {
    out.error = BreakGlassError::kDurationInvalid;
    return out;
  }
  out.grant.id = std::move(grant_id);
  out.grant.subject_id = subject.id;
  out.grant.patient_id = std::string(patient_id);
  out.grant.reason = std::string(reason);
  out.grant.opened = now;
  out.grant.expires = now + duration;
  return out;
}

vigil::Error InMemoryBreakGlassStore::Add(const BreakGlassGrant& grant) {
  std::lock_guard lock(mu_);
  grants_.push_back(grant);
  return vigil::Error::kOk;
}

std::vector<BreakGlassGrant> InMemoryBreakGlassStore::ForSubject(std::string_view subject_id,
                                                                 TimeUs since) const {
  std::lock_guard lock(mu_);
  std::vector<BreakGlassGrant> out;
  for (const BreakGlassGrant& g : grants_) {
    if (g.subject_id == subject_id && g.expires >= since) out.push_back(g);
  }
  return out;
}

}  // namespace vigil::policy
