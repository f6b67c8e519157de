#include "cloud/guard/access_detectors.h"

#include <algorithm>

#include "cloud/guard/api_signatures.h"

namespace vigil::guard {
namespace {

constexpr size_t kMaxOutsidePerPerson = 256;
constexpr size_t kMaxServiceRoutes = 256;

bool IsOutsideAssignment(std::string_view rule) {
  return rule == "clinician-not-assigned" || rule == "clinician-off-duty" ||
         rule == "break-glass" || rule == "break-glass-expired" || rule == "patient-own-data-only";
}

template <typename Map>
void Bound(Map& m, size_t max) {
  while (m.size() > max) {
    auto oldest = m.begin();
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (it->second.last_seen < oldest->second.last_seen) oldest = it;
    }
    m.erase(oldest);
  }
}

std::string RouteName(const policy::Route* r) {
  if (r == nullptr) return "?";
  return std::string(r->method) + " " + std::string(r->pattern);
}

}  // namespace

std::span<const ids::Signature> AllApiSignatures() {
  static constexpr ids::Signature kAll[] = {
      sig::kOutsideAssignment, sig::kServiceNewRoute,  sig::kUnusualHour,
      sig::kBreakGlassUse,     sig::kBreakGlassOpened, sig::kBruteForceAccount,
      sig::kBruteForceSource,  sig::kRateLimited,      sig::kForgedToken,
  };
  return kAll;
}

ApiAlert AccessDetectors::Make(const ids::Signature& s, std::string_view detector, TimeUs t,
                               std::string detail, std::string_view source) const {
  ApiAlert a;
  a.alert.time = t;
  a.alert.observer = config_.observer;
  a.alert.link = source.empty() ? 0 : 1;
  a.alert.signature = std::string(s.name);
  a.alert.signature_id = s.id;
  a.alert.rev = s.rev;
  a.alert.severity = s.severity;
  a.alert.category = std::string(s.category);
  a.alert.action = s.action;
  a.alert.detector = std::string(detector);
  a.alert.detail = std::move(detail);
  a.source = std::string(source);
  return a;
}

bool AccessDetectors::Fire(const std::string& key, TimeUs holdoff, TimeUs now) {
  auto it = fired_.find(key);
  if (it != fired_.end() && now - it->second < holdoff) return false;
  if (fired_.size() >= config_.max_subjects * 4) {
    for (auto i = fired_.begin(); i != fired_.end();) {
      i = now - i->second >= 24 * 3600 * kSeconds ? fired_.erase(i) : std::next(i);
    }
    if (fired_.size() >= config_.max_subjects * 4) fired_.clear();  // only under a flood
  }
  fired_[key] = now;
  return true;
}

AccessDetectors::Person& AccessDetectors::PersonOf(std::string_view id, TimeUs now) {
  auto [it, inserted] = people_.try_emplace(std::string(id));
  if (inserted) {
    it->second.first_seen = now;
    it->second.last_seen = now;
    Bound(people_, config_.max_subjects);
    it = people_.find(std::string(id));
  }
  it->second.last_seen = now;
  return it->second;
}

AccessDetectors::Service& AccessDetectors::ServiceOf(std::string_view id, TimeUs now) {
  auto [it, inserted] = services_.try_emplace(std::string(id));
  if (inserted) {
    it->second.first_seen = now;
    it->second.last_seen = now;
    Bound(services_, config_.max_subjects);
    it = services_.find(std::string(id));
  }
  it->second.last_seen = now;
  return it->second;
}

int AccessDetectors::HourOfDay(TimeUs t) const {
  const int64_t local_s = t / kSeconds + int64_t{config_.utc_offset_minutes} * 60;
  const int64_t day_s = ((local_s % 86400) + 86400) % 86400;
  return static_cast<int>(day_s / 3600);
}

std::vector<ApiAlert> AccessDetectors::OnAccess(const AccessEvent& e) {
  std::vector<ApiAlert> out;
  if (e.decision == nullptr || e.subject_id.empty()) return out;
  const policy::Decision& d = *e.decision;
  const std::string subject(e.subject_id);

  if (d.must_alert() && d.rule == "break-glass") {
    out.push_back(Make(sig::kBreakGlassUse, "break_glass", e.time,
                       "user " + subject + " used break-glass grant " + d.break_glass_grant +
                           " on patient " + std::string(e.patient_id) + ": " + RouteName(e.route),
                       e.source));
  }

  if (e.role == policy::Role::kService) {
    Service& s = ServiceOf(e.subject_id, e.time);
    const std::string route = RouteName(e.route);
    const bool known = s.routes.count(route) > 0;
    const bool learning = e.time - s.first_seen < config_.service_learn_for;
    if (!d.allowed() || (!known && !learning)) {
      if (Fire("svc:" + subject + ":" + route, config_.service_holdoff, e.time)) {
        out.push_back(Make(sig::kServiceNewRoute, "service_baseline", e.time,
                           "service account " + subject + " called " + route +
                               (d.allowed() ? " (not in its baseline)"
                                            : " (refused: " + std::string(d.rule) + ")"),
                           e.source));
      }
    }
    if (d.allowed() && !known && s.routes.size() < kMaxServiceRoutes) s.routes.insert(route);
    return out;
  }

  Person& p = PersonOf(e.subject_id, e.time);
  if (!e.patient_id.empty() && IsOutsideAssignment(d.rule)) {
    p.outside.emplace_back(e.time, std::string(e.patient_id));
    if (p.outside.size() > kMaxOutsidePerPerson) p.outside.pop_front();
  }
  while (!p.outside.empty() && e.time - p.outside.front().first >= config_.outside_window) {
    p.outside.pop_front();
  }
  std::set<std::string_view> distinct;
  for (const auto& [t, patient] : p.outside) distinct.insert(patient);
  if (distinct.size() >= config_.outside_patients &&
      Fire("out:" + subject, config_.outside_holdoff, e.time)) {
    out.push_back(Make(sig::kOutsideAssignment, "outside_access", e.time,
                       "user " + subject + " (" + std::string(policy::RoleName(e.role)) +
                           ") accessed " + std::to_string(distinct.size()) +
                           " patients outside their assignment in " +
                           ids::FormatDuration(config_.outside_window),
                       e.source));
  }

  const int hour = HourOfDay(e.time);
  const bool established =
      p.total >= config_.hours_min_events && e.time - p.first_seen >= config_.hours_min_span;
  if (established &&
      static_cast<double>(p.hours[static_cast<size_t>(hour)]) <
          config_.hours_rare_share * static_cast<double>(p.total) &&
      Fire("hour:" + subject, config_.hours_holdoff, e.time)) {
    out.push_back(Make(sig::kUnusualHour, "unusual_hour", e.time,
                       "user " + subject + " active at " + std::to_string(hour) +
                           ":00 local, an hour holding " +
                           std::to_string(p.hours[static_cast<size_t>(hour)]) + " of their " +
                           std::to_string(p.total) + " requests; " + RouteName(e.route),
                       e.source));
  }
  ++p.hours[static_cast<size_t>(hour)];
  ++p.total;
  return out;
}

ApiAlert AccessDetectors::OnBreakGlassOpened(const policy::BreakGlassGrant& g,
                                             std::string_view source) {
  return Make(sig::kBreakGlassOpened, "break_glass", g.opened,
              "user " + g.subject_id + " opened break-glass grant " + g.id + " on patient " +
                  g.patient_id + " for " + ids::FormatDuration(g.expires - g.opened) +
                  "; reason: " + g.reason,
              source);
}

std::vector<ApiAlert> AccessDetectors::OnLoginFailure(std::string_view account_label,
                                                      std::string_view source,
                                                      const ThrottleVerdict& v, TimeUs now) {
  std::vector<ApiAlert> out;
  std::string src(source.substr(
      0, source.rfind(':') == std::string_view::npos ? source.size() : source.rfind(':')));
  if (v.account_failures >= config_.brute_account_threshold &&
      Fire("bfa:" + std::string(account_label), config_.brute_holdoff, now)) {
    out.push_back(Make(sig::kBruteForceAccount, "brute_force", now,
                       std::to_string(v.account_failures) + " failed logins for " +
                           std::string(account_label) + " from all sources; last from " + src,
                       source));
  }
  if (v.source_failures >= config_.brute_source_threshold &&
      Fire("bfs:" + src, config_.brute_holdoff, now)) {
    out.push_back(
        Make(sig::kBruteForceSource, "brute_force", now,
             std::to_string(v.source_failures) + " failed logins from " + src + " across accounts",
             source));
  }
  return out;
}

std::optional<ApiAlert> AccessDetectors::OnRateLimited(std::string_view client,
                                                       policy::RateClass cls,
                                                       std::string_view source, TimeUs now) {
  const std::string cls_name(policy::RateClassName(cls));
  if (!Fire("rate:" + std::string(client) + ":" + cls_name, config_.rate_holdoff, now)) {
    return std::nullopt;
  }
  return Make(sig::kRateLimited, "rate_limit", now,
              "client " + std::string(client) + " over its " + cls_name + " rate limit", source);
}

std::optional<ApiAlert> AccessDetectors::OnTokenRejected(auth::TokenError e,
                                                         std::string_view source, TimeUs now) {
  if (e != auth::TokenError::kWrongAlg && e != auth::TokenError::kBadSignature) {
    return std::nullopt;
  }
  if (!Fire("tok:" + std::string(source), config_.token_holdoff, now)) return std::nullopt;
  return Make(sig::kForgedToken, "token", now,
              std::string("bearer token refused: ") + std::string(auth::TokenErrorName(e)), source);
}

std::string FormatApiEve(const ApiAlert& a, std::string_view listener) {
  ids::EveContext ctx;
  ctx.epoch_offset_us = 0;  // API alert times are Unix time already
  ctx.proto = "TCP";
  const std::string src = a.source, dest(listener);
  ctx.link_endpoint = [src](uint64_t) { return ids::EveEndpointFromHostPort(src); };
  ctx.node_endpoint = [dest, observer = a.alert.observer](uint64_t uid) {
    return uid == observer ? ids::EveEndpointFromHostPort(dest) : ids::EveEndpoint{};
  };
  return ids::FormatEveJson(a.alert, ctx);
}

}  // namespace vigil::guard
