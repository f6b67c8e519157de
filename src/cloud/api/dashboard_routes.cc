// The dashboard's own routes (docs/dashboard.md): a ward's live stream and the caller's
// account, which lets a reloaded page recover who it is and its CSRF token.
#include <algorithm>

#include "cloud/api/api_call.h"
#include "cloud/web/ward_events.h"

namespace vigil::cloud::api {

using nlohmann::json;

// The pipeline has decided as for the ward view (same route resource, same target) and
// audits this open once; the HTTP server then makes the connection a follower of the
// ward's events (daemon/http_server.h, HttpResponse::stream), until the client leaves,
// falls behind, or the stream's lifetime ends and the reconnect is decided again.
HttpResponse WardStream(ApiService::Impl&, Call& call) {
  call.reason = "ward " + call.ward + ": live stream opened";
  HttpResponse r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.stream = web::WardEvents::StreamOf(call.ward);
  return r;
}

HttpResponse AccountRoute(ApiService::Impl& api, Call& call) {
  std::optional<UserAccount> account;
  if (Status s = api.deps.directory->Find(call.subject->id, &account); !s.ok())
    return StoreFailure(api, "directory", s);
  if (!account) return ErrorResponse(404, "not_found");
  auto units = [&](const std::vector<policy::DutyAssignment>& as) {
    json names = json::array();
    json on_duty = json::array();
    std::vector<std::string> seen;
    for (const policy::DutyAssignment& a : as) {
      if (a.OnDuty(call.now) && std::find(on_duty.begin(), on_duty.end(), a.unit) == on_duty.end())
        on_duty.push_back(a.unit);
      if (std::find(seen.begin(), seen.end(), a.unit) != seen.end()) continue;
      seen.push_back(a.unit);
      names.push_back(a.unit);
    }
    return std::pair{names, on_duty};
  };
  const auto [wards, wards_on_duty] = units(account->wards);
  const auto [teams, teams_on_duty] = units(account->care_teams);
  json out = {{"user_id", account->user_id},           {"role", policy::RoleName(account->role)},
              {"display_name", account->display_name}, {"wards", wards},
              {"wards_on_duty", wards_on_duty},        {"care_teams", teams},
              {"care_teams_on_duty", teams_on_duty},   {"csrf_token", call.session_csrf}};
  return JsonResponse(200, out);
}

}  // namespace vigil::cloud::api
