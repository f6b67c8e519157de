// Audit records, security alerts and administration (docs/api.md, "Security routes").
#include <algorithm>

#include "cloud/api/api_call.h"
#include "common/hex.h"

namespace vigil::cloud::api {
namespace {

using nlohmann::json;

json EntryJson(const audit::ChainEntry& e) {
  const audit::AuditRecord& r = e.record;
  json j = {{"seq", e.seq},
            {"time_ms", r.time_ms},
            {"event", audit::EventName(r.event)},
            {"actor_kind", audit::ActorKindName(r.actor_kind)},
            {"actor", r.actor_id},
            {"role", r.role},
            {"operation", r.operation},
            {"outcome", audit::OutcomeName(r.outcome)},
            {"source", r.source_address},
            {"decision", audit::DecisionName(r.decision)},
            {"rule", r.rule},
            {"emergency", r.emergency},
            {"reason", r.reason},
            {"hash", ToHex(e.hash)}};
  j["patient_id"] = r.patient_id ? json(*r.patient_id) : json(nullptr);
  return j;
}

bool ValidUserId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

bool ReadDuties(const json& j, std::vector<policy::DutyAssignment>* out) {
  if (j.is_null()) return true;
  if (!j.is_array() || j.size() > 100) return false;
  for (const json& d : j) {
    if (!d.is_object() || !d.contains("unit") || !d["unit"].is_string() ||
        !d.contains("start_ms") || !d["start_ms"].is_number_integer() || !d.contains("end_ms") ||
        !d["end_ms"].is_number_integer())
      return false;
    policy::DutyAssignment a;
    a.unit = d["unit"].get<std::string>();
    a.start = d["start_ms"].get<int64_t>() * 1000;
    a.end = d["end_ms"].get<int64_t>() * 1000;
    if (a.unit.empty() || a.unit.size() > 64 || a.start >= a.end) return false;
    out->push_back(std::move(a));
  }
  return true;
}

json DutiesJson(const std::vector<policy::DutyAssignment>& ds) {
  json out = json::array();
  for (const auto& d : ds)
    out.push_back({{"unit", d.unit}, {"start_ms", d.start / 1000}, {"end_ms", d.end / 1000}});
  return out;
}

}  // namespace

HttpResponse AuditList(ApiService::Impl& api, Call& call) {
  uint64_t from = 1;
  size_t limit = 100;
  if (call.HasQuery("from")) {
    auto v = ParseInt(call.Query("from"));
    if (!v || *v < 1) return ErrorResponse(400, "bad_request", "from: a seq >= 1");
    from = static_cast<uint64_t>(*v);
  }
  if (call.HasQuery("limit")) {
    auto v = ParseInt(call.Query("limit"));
    if (!v || *v < 1 || *v > 1000) return ErrorResponse(400, "bad_request", "limit: 1..1000");
    limit = static_cast<size_t>(*v);
  }
  std::optional<int64_t> patient;
  if (call.HasQuery("patient")) {
    patient = ParseRowId(call.Query("patient"));
    if (!patient) return ErrorResponse(400, "bad_request", "patient: a row id");
  }
  const std::string actor = call.Query("actor");
  // Filters run over the chain in order; at most 20 pages are scanned per request so a
  // filter that matches nothing stays cheap (the answer says where to go on).
  json out = json::array();
  uint64_t next = from;
  bool end = false;
  for (int page = 0; page < 20 && out.size() < limit; ++page) {
    std::vector<audit::ChainEntry> entries;
    if (Status s = api.deps.audit->Read(next, 1000, &entries); !s.ok())
      return StoreFailure(api, "audit read", s);
    if (entries.empty()) {
      end = true;
      break;
    }
    for (const audit::ChainEntry& e : entries) {
      next = e.seq + 1;
      if (patient && e.record.patient_id != patient) continue;
      if (!actor.empty() && e.record.actor_id != actor) continue;
      out.push_back(EntryJson(e));
      if (out.size() >= limit) break;
    }
  }
  json body = {{"entries", out}, {"next", end ? json(nullptr) : json(next)}};
  if (call.Query("verify") == "true") {
    // The whole chain, in pages, for the audit view's verdict (vigil audit verify is the
    // operator's tool for large chains: it also checks the signed head).
    std::vector<audit::ChainEntry> all;
    for (uint64_t s = 1;;) {
      std::vector<audit::ChainEntry> page;
      if (Status st = api.deps.audit->Read(s, 5000, &page); !st.ok())
        return StoreFailure(api, "audit read", st);
      if (page.empty()) break;
      s = page.back().seq + 1;
      all.insert(all.end(), page.begin(), page.end());
      if (all.size() > 2'000'000) break;
    }
    const audit::VerifyReport rep = audit::Verify(all);
    body["verify"] = {{"finding", audit::FindingName(rep.finding)},
                      {"seq", rep.seq},
                      {"verified", rep.verified},
                      {"detail", rep.detail}};
  }
  return JsonResponse(200, body);
}

HttpResponse AlertList(ApiService::Impl& api, Call& call) {
  int64_t since = 0;
  size_t limit = 200;
  if (call.HasQuery("since")) {
    auto v = ParseInt(call.Query("since"));
    if (!v || *v < 0) return ErrorResponse(400, "bad_request", "since: ms since the epoch");
    since = *v;
  }
  if (call.HasQuery("limit")) {
    auto v = ParseInt(call.Query("limit"));
    if (!v || *v < 1 || *v > 1000) return ErrorResponse(400, "bad_request", "limit: 1..1000");
    limit = static_cast<size_t>(*v);
  }
  std::vector<Row> rows;
  if (Status s = api.deps.db->Execute(
          "SELECT a.message_id, a.site, a.gateway, a.time_ms, a.signature_id, a.severity, "
          "a.device_uid, a.eve, k.user_id, k.time_ms FROM security_alerts a "
          "LEFT JOIN security_alert_acks k ON k.message_id = a.message_id "
          "WHERE a.time_ms >= ? ORDER BY a.time_ms DESC LIMIT ?",
          {Value{since}, Value{static_cast<int64_t>(limit)}}, &rows);
      !s.ok())
    return StoreFailure(api, "alerts", s);
  json out = json::array();
  for (const Row& r : rows) {
    json eve = json::parse(r.Text(7), nullptr, false);
    json a = {{"id", r.Text(0)},
              {"ref", RefOf(r.Text(0))},
              {"site", r.Text(1)},
              {"source", r.Text(2)},
              {"time_ms", r.Int(3)},
              {"signature_id", r.Int(4)},
              {"severity", r.Int(5)},
              {"device_uid", r.IsNull(6) ? json(nullptr) : json(r.Text(6))},
              {"eve", eve.is_discarded() ? json(nullptr) : eve}};
    a["ack"] = r.IsNull(8) ? json(nullptr) : json{{"user", r.Text(8)}, {"time_ms", r.Int(9)}};
    out.push_back(std::move(a));
  }
  return JsonResponse(200, {{"alerts", out}});
}

HttpResponse AlertAck(ApiService::Impl& api, Call& call) {
  std::string id;
  for (const auto& [k, v] : call.match.path_params)
    if (k == "alert") id = v;
  const std::optional<std::string> decoded = IdOfRef(id);
  if (!decoded) return ErrorResponse(404, "not_found");
  id = *decoded;
  std::vector<Row> rows;
  if (Status s = api.deps.db->Execute("SELECT 1 FROM security_alerts WHERE message_id = ?",
                                      {Value{id}}, &rows);
      !s.ok())
    return StoreFailure(api, "alert", s);
  if (rows.empty()) return ErrorResponse(404, "not_found");
  int64_t changes = 0;
  if (Status s = api.deps.db->Execute(
          "INSERT INTO security_alert_acks (message_id, user_id, time_ms) VALUES (?, ?, ?) "
          "ON CONFLICT (message_id) DO NOTHING",
          {Value{id}, Value{call.subject->id}, Value{call.now_ms()}}, nullptr, &changes);
      !s.ok())
    return StoreFailure(api, "alert ack", s);
  call.reason = "alert " + id;
  return JsonResponse(changes > 0 ? 200 : 409,
                      {{"id", id}, {"acknowledged", true}, {"already", changes == 0}});
}

HttpResponse AdminListUsers(ApiService::Impl& api, Call&) {
  std::vector<UserAccount> users;
  if (Status s = api.deps.directory->List(&users); !s.ok())
    return StoreFailure(api, "directory", s);
  json out = json::array();
  for (const UserAccount& u : users)
    out.push_back({{"user_id", u.user_id},
                   {"display_name", u.display_name},
                   {"role", policy::RoleName(u.role)},
                   {"patient_id", u.patient_id},
                   {"disabled", u.disabled},
                   {"can_log_in", !u.password_hash.empty()},
                   {"wards", DutiesJson(u.wards)},
                   {"care_teams", DutiesJson(u.care_teams)}});
  return JsonResponse(200, {{"users", out}});
}

HttpResponse AdminCreateUser(ApiService::Impl& api, Call& call) {
  json b;
  HttpResponse err;
  if (!ParseJsonBody(call, false, &b, &err)) return err;
  UserAccount u;
  if (!b.contains("user_id") || !b["user_id"].is_string() ||
      !ValidUserId(b["user_id"].get<std::string>()))
    return ErrorResponse(400, "bad_request", "user_id: 1..64 of [a-z0-9._-]");
  u.user_id = b["user_id"].get<std::string>();
  if (!b.contains("role") || !b["role"].is_string())
    return ErrorResponse(400, "bad_request", "role: required");
  const auto role = policy::RoleFromName(b["role"].get<std::string>());
  if (!role || *role == policy::Role::kService)
    return ErrorResponse(400, "bad_request", "role: admin, doctor, nurse, patient or auditor");
  u.role = *role;
  if (b.contains("display_name")) {
    if (!b["display_name"].is_string() || b["display_name"].get<std::string>().size() > 200)
      return ErrorResponse(400, "bad_request", "display_name: text, at most 200 bytes");
    u.display_name = b["display_name"].get<std::string>();
  }
  if (u.role == policy::Role::kPatient) {
    if (!b.contains("patient_id") || !b["patient_id"].is_number_integer() ||
        b["patient_id"].get<int64_t>() <= 0)
      return ErrorResponse(400, "bad_request", "patient_id: required for role patient");
    u.patient_id = std::to_string(b["patient_id"].get<int64_t>());
  }
  if (!ReadDuties(b.value("wards", json()), &u.wards) ||
      !ReadDuties(b.value("care_teams", json()), &u.care_teams))
    return ErrorResponse(400, "bad_request", "wards, care_teams: [{unit, start_ms, end_ms}]");
  if (b.contains("password")) {
    if (!b["password"].is_string()) return ErrorResponse(400, "bad_request", "password: text");
    const std::string pw = b["password"].get<std::string>();
    if (const auto weak = auth::CheckPasswordPolicy(pw, u.user_id, api.config.password_policy)) {
      call.reason = "user " + u.user_id + " refused: weak password";
      return ErrorResponse(422, "weak_password", *weak);
    }
    auto hash = auth::HashPassword(pw, api.config.password_params);
    if (!hash) return ErrorResponse(503, "unavailable");
    u.password_hash = *hash;
  }
  const Status s = api.deps.directory->Create(u);
  if (s.code == StoreError::kConstraint) return ErrorResponse(409, "conflict", "user exists");
  if (!s.ok()) return StoreFailure(api, "create user", s);
  call.reason = "user " + u.user_id + " role " + std::string(policy::RoleName(u.role));
  return JsonResponse(201, {{"user_id", u.user_id}, {"role", policy::RoleName(u.role)}});
}

HttpResponse AdminDisableUser(ApiService::Impl& api, Call& call) {
  std::string user;
  for (const auto& [k, v] : call.match.path_params)
    if (k == "user") user = v;
  const Status s = api.deps.directory->Disable(user);
  if (s.code == StoreError::kNotFound) return ErrorResponse(404, "not_found");
  if (!s.ok()) return StoreFailure(api, "disable user", s);
  // Disabling ends every session of the account at once, on every replica.
  const size_t revoked = api.deps.session_store->RevokeUser(user);
  call.reason = "user " + user + " disabled; " + std::to_string(revoked) + " sessions revoked";
  return JsonResponse(200, {{"user_id", user}, {"disabled", true}, {"sessions_revoked", revoked}});
}

HttpResponse AdminCreateApiKey(ApiService::Impl& api, Call& call) {
  json b;
  HttpResponse err;
  if (!ParseJsonBody(call, false, &b, &err)) return err;
  if (!b.contains("owner") || !b["owner"].is_string() ||
      !ValidUserId(b["owner"].get<std::string>()))
    return ErrorResponse(400, "bad_request", "owner: the service account, [a-z0-9._-]");
  std::vector<std::string> scopes;
  if (b.contains("scopes")) {
    if (!b["scopes"].is_array() || b["scopes"].size() > 16)
      return ErrorResponse(400, "bad_request", "scopes: a list");
    for (const json& s : b["scopes"]) {
      if (!s.is_string() || s.get<std::string>() != "ingest")
        return ErrorResponse(400, "bad_request", "scopes: \"ingest\" is the one scope");
      scopes.push_back(s.get<std::string>());
    }
  }
  auth::NewApiKey key;
  if (auth::CreateApiKey(*api.deps.api_keys, b["owner"].get<std::string>(), scopes, call.now,
                         &key) != Error::kOk)
    return StoreFailure(api, "api key", Fail(StoreError::kQuery, "api key not stored"));
  call.reason = "api key " + key.record.key_id + " for " + key.record.owner;
  return JsonResponse(201, {{"key", key.key},
                            {"key_id", key.record.key_id},
                            {"owner", key.record.owner},
                            {"scopes", key.record.scopes},
                            {"shown_once", true}});
}

HttpResponse AdminRevokeApiKey(ApiService::Impl& api, Call& call) {
  std::string key;
  for (const auto& [k, v] : call.match.path_params)
    if (k == "key") key = v;
  const Error e = api.deps.api_keys->Revoke(key, call.now);
  if (e == Error::kNotFound) return ErrorResponse(404, "not_found");
  if (e != Error::kOk) return StoreFailure(api, "revoke", Fail(StoreError::kQuery, "not revoked"));
  call.reason = "api key " + key + " revoked";
  return JsonResponse(200, {{"key_id", key}, {"revoked", true}});
}

HttpResponse AdminRotateSigningKey(ApiService::Impl& api, Call& call) {
  std::string kid;
  if (Status s = api.deps.token_keys->Rotate(call.now, &kid); !s.ok())
    return StoreFailure(api, "signing key rotation", s);
  call.reason = "token signing key " + kid;
  return JsonResponse(200, {{"kid", kid}, {"rotated", true}});
}

// Registers a gateway with the cloud: its service account gets an API key with scope
// ingest (shown once) for the HTTPS ingest. Medical devices themselves are enrolled at
// their gateway (`vigil enroll`); the cloud knows gateways, and devices through them.
HttpResponse AdminAddDevice(ApiService::Impl& api, Call& call) {
  json b;
  HttpResponse err;
  if (!ParseJsonBody(call, false, &b, &err)) return err;
  if (!b.contains("gateway") || !b["gateway"].is_string() ||
      !ValidUserId(b["gateway"].get<std::string>()))
    return ErrorResponse(400, "bad_request", "gateway: its id, [a-z0-9._-]");
  const std::string gw = b["gateway"].get<std::string>();
  auth::NewApiKey key;
  if (auth::CreateApiKey(*api.deps.api_keys, gw, {"ingest"}, call.now, &key) != Error::kOk)
    return StoreFailure(api, "api key", Fail(StoreError::kQuery, "api key not stored"));
  call.reason = "gateway " + gw + " registered, api key " + key.record.key_id;
  return JsonResponse(201, {{"gateway", gw},
                            {"api_key", key.key},
                            {"key_id", key.record.key_id},
                            {"ingest", "POST /ingest/v1/messages"},
                            {"shown_once", true}});
}

}  // namespace vigil::cloud::api
