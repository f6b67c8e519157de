// Emergency break-glass: a clinician opens access to one patient outside their
// assignment, with a stated reason, for a bounded time. The grant itself is only a record;
// the policy (policy.h) honours it while it runs, marks every decision that used it, and
// obliges the caller to audit and alert on each use.
//
// Grants must be visible to every replica behind the load balancer, so they live behind
// BreakGlassStore; InMemoryBreakGlassStore is for tests and a single process only.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/policy/subject.h"
#include "common/error.h"
#include "common/time.h"

namespace vigil::policy {

inline constexpr TimeUs kBreakGlassMaxDuration = 60 * 60 * kSeconds;
inline constexpr TimeUs kBreakGlassDefaultDuration = 30 * 60 * kSeconds;
inline constexpr size_t kBreakGlassMaxReasonBytes = 500;
inline constexpr size_t kBreakGlassMinReasonBytes = 10;  // "emergency" alone says nothing

struct BreakGlassGrant {
  std::string id;  // unique; chosen by the caller (random), quoted in audit and alerts
  std::string subject_id;
  std::string patient_id;
  std::string reason;
  TimeUs opened = 0;
  TimeUs expires = 0;  // exclusive

  bool ActiveAt(TimeUs now) const { return opened <= now && now < expires; }
};

enum class BreakGlassError : uint8_t {
  kOk,
  kNotClinician,     // only doctors and nurses may break the glass
  kReasonMissing,    // empty or blank, or shorter than kBreakGlassMinReasonBytes
  kReasonTooLong,    // more than kBreakGlassMaxReasonBytes
  kReasonNotText,    // control characters or invalid UTF-8 (it is shown to auditors)
  kDurationInvalid,  // zero, negative, or above kBreakGlassMaxDuration
  kNoPatient,        // empty patient id
};
std::string_view BreakGlassErrorName(BreakGlassError e);

struct BreakGlassOpen {
  BreakGlassError error = BreakGlassError::kOk;
  BreakGlassGrant grant;  // valid when error == kOk
};

// Checks a request to open a grant and builds it: [now, now + duration). The reason is
// kept as given (trimmed of surrounding blanks). Pure: the caller stores the grant,
// audits the opening and raises the alert (guard/access_detectors.h).
BreakGlassOpen OpenBreakGlass(const Subject& subject, std::string_view patient_id,
                              std::string_view reason, TimeUs duration, std::string grant_id,
                              TimeUs now);

// Grants shared between replicas. Implementations must make Add visible to every later
// ForSubject on any replica (a database row); errors are the store's (kIo).
class BreakGlassStore {
 public:
  virtual ~BreakGlassStore() = default;
  virtual vigil::Error Add(const BreakGlassGrant& grant) = 0;
  // Grants of the subject that have not expired before `since` (the policy also wants
  // recently expired ones, to name the rule that denied).
  virtual std::vector<BreakGlassGrant> ForSubject(std::string_view subject_id,
                                                  TimeUs since) const = 0;
};

// For tests and a single process: a vector under a mutex.
class InMemoryBreakGlassStore final : public BreakGlassStore {
 public:
  vigil::Error Add(const BreakGlassGrant& grant) override;
  std::vector<BreakGlassGrant> ForSubject(std::string_view subject_id, TimeUs since) const override;

 private:
  mutable std::mutex mu_;
  std::vector<BreakGlassGrant> grants_;
};

}  // namespace vigil::policy
