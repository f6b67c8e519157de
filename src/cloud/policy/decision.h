// The policy's answer: allow or deny, the rule that decided, and what the caller must do
// with it (obligations). A caller that cannot fulfil an obligation (the audit store is
// down) must refuse the request: an access that cannot be audited does not happen.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::policy {

enum class Effect : uint8_t { kDeny, kAllow };

// Bit set of obligations.
enum Obligation : uint8_t {
  kObligeNone = 0,
  kObligeAudit = 1,  // write an audit record (who, what, patient, decision, rule)
  kObligeAlert = 2,  // raise a security alert (break-glass use)
};

struct Decision {
  Effect effect = Effect::kDeny;
  std::string_view rule;  // a name from the rule list in policy.h
  uint8_t obligations = kObligeAudit;
  std::string break_glass_grant;  // the grant this decision used; empty if none

  bool allowed() const { return effect == Effect::kAllow; }
  bool must_audit() const { return (obligations & kObligeAudit) != 0; }
  bool must_alert() const { return (obligations & kObligeAlert) != 0; }
};

}  // namespace vigil::policy
