// Hospital administration (docs/api.md, "Administration"): admissions and discharges,
// devices on beds, accounts' roles, wards and state, care teams, the device inventory and
// revocation of a device from the cloud. Each handler validates its input, calls the same
// store function the `vigil cloud` commands call, and names what it did in call.reason
// for the audit record.
#include <algorithm>

#include "cloud/api/api_call.h"
#include "cloud/store/admissions.h"
#include "cloud/store/device_inventory.h"
#include "cloud/store/gateway_commands.h"
#include "cloud/store/patient_records.h"
#include "common/hex.h"
#include "connection/device_identity.h"

namespace vigil::cloud::api {
namespace {

using nlohmann::json;

std::string PathParam(const Call& call, std::string_view name) {
  for (const auto& [k, v] : call.match.path_params)
    if (k == name) return v;
  return "";
}

// A ward, bed or care team: 1..64 of [A-Za-z0-9._-] (what a route segment can carry).
bool ValidUnit(const json& j) {
  if (!j.is_string()) return false;
  const std::string s = j.get<std::string>();
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

bool ValidText(const json& j, size_t max) {
  return j.is_string() && !j.get<std::string>().empty() && j.get<std::string>().size() <= max;
}

bool ValidDeviceUid(std::string_view s) {
  if (s.size() != 16) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// [{unit, start_ms, end_ms}] as the admin routes take them (security_routes.cc's form).
bool ReadDutyList(const json& j, std::vector<policy::DutyAssignment>* out) {
  if (!j.is_array() || j.size() > 100) return false;
  for (const json& d : j) {
    if (!d.is_object() || !d.contains("unit") || !ValidUnit(d["unit"]) || !d.contains("start_ms") ||
        !d["start_ms"].is_number_integer() || !d.contains("end_ms") ||
        !d["end_ms"].is_number_integer())
      return false;
    policy::DutyAssignment a;
    a.unit = d["unit"].get<std::string>();
    a.start = d["start_ms"].get<int64_t>() * 1000;
    a.end = d["end_ms"].get<int64_t>() * 1000;
    if (a.start >= a.end) return false;
    out->push_back(std::move(a));
  }
  return true;
}

json CommandJson(const StoredCommand& c) {
  json j = {{"command_id", c.command_id},
            {"gateway", c.gateway},
            {"action", c.action},
            {"device", c.device_uid},
            {"state", c.state},
            {"reason", c.reason},
            {"requested_by", c.requested_by},
            {"created_ms", c.created_ms},
            {"expires_ms", c.expires_ms},
            {"sends", c.sends}};
  j["sent_ms"] = c.sent_ms > 0 ? json(c.sent_ms) : json(nullptr);
  j["done_ms"] = c.done_ms > 0 ? json(c.done_ms) : json(nullptr);
  j["result"] = c.result.empty() ? json(nullptr) : json(c.result);
  return j;
}

}  // namespace

HttpResponse AdminAdmit(ApiService::Impl& api, Call& call) {
  json b;
  HttpResponse err;
  if (!ParseJsonBody(call, false, &b, &err)) return err;
  if (!b.contains("patient_ref") || !ValidText(b["patient_ref"], 128))
    return ErrorResponse(400, "bad_request", "patient_ref: the edge's pseudonym, 1..128 bytes");
  if (!b.contains("display_name") || !ValidText(b["display_name"], 200))
    return ErrorResponse(400, "bad_request", "display_name: the patient's name, 1..200 bytes");
  if (!b.contains("ward") || !ValidUnit(b["ward"]) || !b.contains("bed") || !ValidUnit(b["bed"]))
    return ErrorResponse(400, "bad_request", "ward, bed: 1..64 of [A-Za-z0-9._-]");
  AdmitRequest req;
  req.pseudonym = b["patient_ref"].get<std::string>();
  req.identity.name = b["display_name"].get<std::string>();
  for (const char* opt : {"mrn", "birth_date"}) {
    if (!b.contains(opt)) continue;
    if (!ValidText(b[opt], 64)) return ErrorResponse(400, "bad_request", "mrn, birth_date: text");
  }
  req.identity.mrn = b.value("mrn", "");
  req.identity.birth_date = b.value("birth_date", "");
  if (b.contains("device_kind")) {
    if (!b["device_kind"].is_string() || !DeviceKindFromName(b["device_kind"].get<std::string>()))
      return ErrorResponse(400, "bad_request", "device_kind: a device kind of docs/uplink.md");
    req.device_kind = b["device_kind"].get<std::string>();
  }
  req.ward = b["ward"].get<std::string>();
  req.bed = b["bed"].get<std::string>();
  req.start_ms = call.now_ms();
  AdmitResult r;
  const Status s = Admit(*api.deps.db, *api.deps.keys, req, call.now_ms(), &r);
  if (s.code == StoreError::kConstraint)
    return ErrorResponse(409, "conflict", "that pseudonym already belongs to a patient");
  if (!s.ok()) return StoreFailure(api, "admit", s);
  call.patient = r.patient_id;
  call.reason = "admitted to " + req.ward + " bed " + req.bed;
  return JsonResponse(201, {{"patient", r.patient_id},
                            {"admission_id", r.admission_id},
                            {"ward", req.ward},
                            {"bed", req.bed},
                            {"linked", r.linked}});
}

HttpResponse AdminDischarge(ApiService::Impl& api, Call& call) {
  const std::optional<int64_t> patient = ParseRowId(PathParam(call, "patient"));
  if (!patient) return ErrorResponse(404, "not_found");
  size_t ended = 0;
  const Status s = Discharge(*api.deps.db, *patient, call.now_ms(), &ended);
  if (s.code == StoreError::kNotFound)
    return ErrorResponse(404, "not_found", "no open admission for that patient");
  if (!s.ok()) return StoreFailure(api, "discharge", s);
  call.patient = *patient;
  call.reason = "discharged; " + std::to_string(ended) + " admission rows closed";
  return HttpResponse::Text(204, "");
}

HttpResponse AdminAssignBedDevice(ApiService::Impl& api, Call& call) {
  json b;
  HttpResponse err;
  if (!ParseJsonBody(call, false, &b, &err)) return err;
  if (!b.contains("device") || !b["device"].is_string() ||
      !ValidDeviceUid(b["device"].get<std::string>()))
    return ErrorResponse(400, "bad_request", "device: its uid, 16 lowercase hex digits");
  const std::string ward = PathParam(call, "ward"), bed = PathParam(call, "bed");
  const std::string device = b["device"].get<std::string>();
  BedAssignment r;
  const Status s =
      AssignDeviceToBed(*api.deps.db, *api.deps.keys, ward, bed, device, call.now_ms(), &r);
  if (s.code == StoreError::kNotFound) return ErrorResponse(404, "not_found", s.message);
  if (s.code == StoreError::kConstraint)
    return ErrorResponse(409, "conflict",
                         "the device's readings belong to another patient; assign it to its "
                         "next patient at the gateway");
  if (s.code == StoreError::kMisuse) return ErrorResponse(409, "conflict", s.message);
  if (!s.ok()) return StoreFailure(api, "bed device", s);
  call.patient = r.patient_id;
  call.reason = "device " + device + " on " + ward + " bed " + bed;
  return HttpResponse::Text(204, "");
}

HttpResponse AdminUpdateUser(ApiService::Impl& api, Call& call) {
  json b;
  HttpResponse err;
  if (!ParseJsonBody(call, false, &b, &err)) return err;
  const std::string user = PathParam(call, "user");
  AccountChange ch;
  for (const auto& [k, v] : b.items())
    if (k != "role" && k != "wards" && k != "care_teams" && k != "disabled")
      return ErrorResponse(400, "bad_request", "fields: role, wards, care_teams, disabled");
  if (b.contains("role")) {
    const auto role =
        b["role"].is_string() ? policy::RoleFromName(b["role"].get<std::string>()) : std::nullopt;
    if (!role || *role == policy::Role::kService || *role == policy::Role::kPatient)
      return ErrorResponse(400, "bad_request", "role: admin, doctor, nurse or auditor");
    ch.role = *role;
  }
  for (const char* k : {"wards", "care_teams"}) {
    if (!b.contains(k)) continue;
    std::vector<policy::DutyAssignment> d;
    if (!ReadDutyList(b[k], &d))
      return ErrorResponse(400, "bad_request", "wards, care_teams: [{unit, start_ms, end_ms}]");
    (std::string_view(k) == "wards" ? ch.wards : ch.care_teams) = std::move(d);
  }
  if (b.contains("disabled")) {
    if (!b["disabled"].is_boolean())
      return ErrorResponse(400, "bad_request", "disabled: true or false");
    ch.disabled = b["disabled"].get<bool>();
  }
  if (!ch.role && !ch.wards && !ch.care_teams && !ch.disabled)
    return ErrorResponse(400, "bad_request", "nothing to change");
  if (ch.disabled && *ch.disabled && user == call.subject->id)
    return ErrorResponse(409, "conflict", "an admin cannot disable their own account");
  const Status s = api.deps.directory->Update(user, ch);
  if (s.code == StoreError::kNotFound) return ErrorResponse(404, "not_found");
  if (s.code == StoreError::kMisuse) return ErrorResponse(409, "conflict", s.message);
  if (s.code == StoreError::kConstraint) return ErrorResponse(400, "bad_request", s.message);
  if (!s.ok()) return StoreFailure(api, "update user", s);
  size_t revoked = 0;
  // A disabled account, or one whose role changed, keeps no session made under the old
  // rights: every replica refuses its cookie from now on.
  if ((ch.disabled && *ch.disabled) || ch.role) revoked = api.deps.session_store->RevokeUser(user);
  std::string what = "user " + user;
  if (ch.role) what += " role " + std::string(policy::RoleName(*ch.role));
  if (ch.wards) what += " wards " + std::to_string(ch.wards->size());
  if (ch.care_teams) what += " care_teams " + std::to_string(ch.care_teams->size());
  if (ch.disabled) what += *ch.disabled ? " disabled" : " enabled";
  call.reason = what + "; " + std::to_string(revoked) + " sessions revoked";
  std::optional<UserAccount> now;
  if (Status f = api.deps.directory->Find(user, &now); !f.ok() || !now)
    return StoreFailure(api, "read user", f);
  return JsonResponse(200, {{"user_id", now->user_id},
                            {"role", policy::RoleName(now->role)},
                            {"disabled", now->disabled},
                            {"wards", now->wards.size()},
                            {"care_teams", now->care_teams.size()},
                            {"sessions_revoked", revoked}});
}

HttpResponse AdminSetCareTeams(ApiService::Impl& api, Call& call) {
  json b;
  HttpResponse err;
  if (!ParseJsonBody(call, false, &b, &err)) return err;
  if (!b.contains("patient") || !b["patient"].is_number_integer() ||
      b["patient"].get<int64_t>() <= 0)
    return ErrorResponse(400, "bad_request", "patient: the patient's row id");
  if (!b.contains("teams") || !b["teams"].is_array() || b["teams"].size() > 32)
    return ErrorResponse(400, "bad_request", "teams: a list of care teams (empty: none)");
  std::vector<std::string> teams;
  for (const json& t : b["teams"]) {
    if (!ValidUnit(t)) return ErrorResponse(400, "bad_request", "teams: 1..64 of [A-Za-z0-9._-]");
    teams.push_back(t.get<std::string>());
  }
  const int64_t patient = b["patient"].get<int64_t>();
  // The patient must exist whatever the directory's kind (the database's refuses unknown
  // ones by itself; this answers the same for every store).
  std::vector<Row> rows;
  if (Status s = api.deps.db->Execute("SELECT 1 FROM patients WHERE patient_id = ?",
                                      {Value{patient}}, &rows);
      !s.ok())
    return StoreFailure(api, "patient", s);
  if (rows.empty()) return ErrorResponse(404, "not_found", "no such patient");
  const Status s = api.deps.directory->SetCareTeams(patient, teams);
  if (s.code == StoreError::kNotFound) return ErrorResponse(404, "not_found", "no such patient");
  if (!s.ok()) return StoreFailure(api, "care teams", s);
  call.patient = patient;
  call.reason = "care teams " + std::to_string(teams.size());
  return JsonResponse(200, {{"patient", patient}, {"care_teams", teams}});
}

HttpResponse AdminListDevices(ApiService::Impl& api, Call&) {
  std::vector<InventoryDevice> devices;
  if (Status s = ListDevices(*api.deps.db, &devices); !s.ok())
    return StoreFailure(api, "devices", s);
  json out = json::array();
  for (const InventoryDevice& d : devices) {
    std::string ward, bed;
    if (Status s = BedOfDevice(*api.deps.db, d.uid, &ward, &bed); !s.ok())
      return StoreFailure(api, "bed of device", s);
    json j = {{"device", d.uid}, {"gateway", d.gateway}, {"ward", d.ward},
              {"kind", d.kind},  {"state", d.state},     {"reported_ms", d.reported_ms}};
    j["bed"] = bed.empty() ? json(nullptr) : json(bed);
    j["firmware_version"] = d.firmware_version.empty() ? json(nullptr) : json(d.firmware_version);
    j["last_seen"] = d.last_seen_ms > 0 ? json(d.last_seen_ms) : json(nullptr);
    out.push_back(std::move(j));
  }
  // The gateways themselves, as their status messages describe them.
  std::vector<Row> rows;
  if (Status s = api.deps.db->Execute(
          "SELECT gateway, site, stream, state, time_ms, version, queued, dropped_telemetry, "
          "dropped_security, dropped_alarm FROM gateway_status ORDER BY gateway",
          {}, &rows);
      !s.ok())
    return StoreFailure(api, "gateways", s);
  json gateways = json::array();
  for (const Row& r : rows)
    gateways.push_back(
        {{"gateway", r.Text(0)},
         {"site", r.Text(1)},
         {"stream", r.Text(2)},
         {"state", r.Text(3)},
         {"time_ms", r.Int(4)},
         {"version", r.Text(5)},
         {"queued", r.Int(6)},
         {"dropped", {{"telemetry", r.Int(7)}, {"security", r.Int(8)}, {"alarm", r.Int(9)}}}});
  return JsonResponse(200, {{"devices", out}, {"gateways", gateways}});
}

HttpResponse AdminRevokeDevice(ApiService::Impl& api, Call& call) {
  json b;
  HttpResponse err;
  if (!ParseJsonBody(call, false, &b, &err)) return err;
  const std::string device = PathParam(call, "device");
  if (!ValidDeviceUid(device))
    return ErrorResponse(404, "not_found", "a device uid is 16 lowercase hex digits");
  if (!b.contains("reason") || !ValidText(b["reason"], 500))
    return ErrorResponse(400, "bad_request", "reason: why, 1..500 bytes");
  if (api.deps.command_signer == nullptr || !api.deps.command_signer->ready())
    return ErrorResponse(503, "unavailable", "no command key: the cloud cannot sign commands");
  StoredCommand c;
  const Status s = IssueRevoke(*api.deps.db, *api.deps.command_signer, device,
                               b["reason"].get<std::string>(), call.subject->id, call.now_ms(), &c);
  if (s.code == StoreError::kNotFound)
    return ErrorResponse(404, "not_found", "no gateway has reported that device");
  if (!s.ok()) return StoreFailure(api, "revoke command", s);
  call.reason = "revoke " + device + " at " + c.gateway + " (" + c.command_id + "): " + c.reason;
  return JsonResponse(202, {{"command_id", c.command_id},
                            {"state", "pending"},
                            {"device", device},
                            {"gateway", c.gateway},
                            {"expires_ms", c.expires_ms}});
}

HttpResponse AdminListCommands(ApiService::Impl& api, Call& call) {
  size_t limit = 100;
  if (call.HasQuery("limit")) {
    auto v = ParseInt(call.Query("limit"));
    if (!v || *v < 1 || *v > 1000) return ErrorResponse(400, "bad_request", "limit: 1..1000");
    limit = static_cast<size_t>(*v);
  }
  std::vector<StoredCommand> cs;
  if (Status s = ListCommands(*api.deps.db, limit, &cs); !s.ok())
    return StoreFailure(api, "commands", s);
  json out = json::array();
  for (const StoredCommand& c : cs) out.push_back(CommandJson(c));
  return JsonResponse(200, {{"commands", out}});
}

}  // namespace vigil::cloud::api
