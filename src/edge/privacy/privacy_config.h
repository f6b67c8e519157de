// The [privacy] section of the gateway's TOML file (docs/privacy.md):
//
//   [privacy]   site_key = path            the pseudonym key (created, 0600, if missing)
//               budget_file = path         the research budget's accounts (0600)
//               budget_per_period = 1.0    epsilon per ward and period
//
// Other sections are ignored here. Errors name the file, line and field.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "edge/privacy/privacy_budget.h"

namespace vigil::privacy {

struct PrivacySettings {
  std::string site_key = "vigil-site.key";
  std::string budget_file = "vigil-dp-budget";
  Epsilon budget_per_period{kMicroPerEpsilon};  // 1.0
};

// `out` keeps its values for absent keys; on error returns kInvalidArgument, sets `why`
// and leaves `out` unchanged.
Error ParsePrivacySettings(std::string_view text, std::string_view origin, PrivacySettings* out,
                           std::string* why);

}  // namespace vigil::privacy
