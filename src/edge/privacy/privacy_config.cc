#include "edge/privacy/privacy_config.h"

#include "edge/toml_reader.h"

namespace vigil::privacy {

Error ParsePrivacySettings(std::string_view text, std::string_view origin, PrivacySettings* out,
                           std::string* why) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& err) {
    if (why) {
      *why = std::string(origin) + ":" + std::to_string(err.source().begin.line) + ": " +
             std::string(err.description());
    }
    return Error::kInvalidArgument;
  }
  const toml::node* n = root.get("privacy");
  if (!n) return Error::kOk;
  edge::TomlReader r(origin, why);
  const toml::table* t = n->as_table();
  if (!t) {
    r.Fail(*n, "", "privacy", "expected a [privacy] section");
    return Error::kInvalidArgument;
  }
  constexpr std::string_view kSection = "privacy";
  PrivacySettings s = *out;
  bool ok = r.CheckKeys(*t, kSection, {"site_key", "budget_file", "budget_per_period"});
  ok = ok && r.String(*t, kSection, "site_key", &s.site_key);
  ok = ok && r.String(*t, kSection, "budget_file", &s.budget_file);
  if (ok && s.site_key.empty()) ok = r.Fail(*t->get("site_key"), kSection, "site_key", "empty");
  if (ok && s.budget_file.empty())
    ok = r.Fail(*t->get("budget_file"), kSection, "budget_file", "empty");
  double eps = s.budget_per_period.value();
  ok = ok && r.Number(*t, kSection, "budget_per_period", &eps);
  if (ok && t->get("budget_per_period") &&
      EpsilonFromDouble(eps, &s.budget_per_period) != Error::kOk)
    ok = r.Fail(*t->get("budget_per_period"), kSection, "budget_per_period",
                "expected an epsilon in 0.000001..100");
  if (!ok) return Error::kInvalidArgument;
  *out = s;
  return Error::kOk;
}

}  // namespace vigil::privacy
