// Inside the API (not for other modules): one request as it passes the pipeline of
// api_service.h, and the route handlers the dispatch table names. Each handler file holds
// one family of routes: clinical_routes.cc (the dashboard's patient and ward data),
// fhir_routes.cc, security_routes.cc (audit, alerts, accounts and keys), admin_routes.cc
// (admissions, beds, devices and their revocation), auth_routes.cc (login, tokens),
// ingest_route.cc.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/api/api_service.h"
#include "cloud/audit/audit_record.h"
#include "cloud/policy/policy.h"
#include "cloud/policy/route_table.h"

namespace vigil::cloud::api {

struct Call {
  Call(const HttpRequest& h, const policy::RouteMatch& m) : http(h), match(m) {}
  const HttpRequest& http;
  const policy::RouteMatch& match;
  const policy::Subject* subject = nullptr;      // null: no credential (public endpoints)
  const auth::SessionRecord* session = nullptr;  // when a session cookie identified them
  audit::ActorKind actor_kind = audit::ActorKind::kUser;
  policy::Decision decision;
  std::optional<int64_t> patient;  // the target patient's row id, when one was named
  std::string ward;                // the target ward, when one was named
  TimeUs now = 0;
  std::string source;        // the client's address, without the port
  std::string session_csrf;  // the session's CSRF token, when a session identified the caller

  // What the handler adds to the audit record.
  audit::Event event = audit::Event::kRead;
  std::string reason;
  bool audited_by_handler = false;  // login and token requests write their own

  int64_t now_ms() const { return now / 1000; }
  std::string Query(std::string_view name) const;  // "" when absent
  bool HasQuery(std::string_view name) const;
};

struct ApiService::Impl {
  ApiConfig& config;
  ApiDeps& deps;
  ApiStats& stats;
  std::unique_ptr<Ingester> ingester;  // the HTTPS ingest's, on the API's connection

  // Appends an audit record; false (and counted) when it failed.
  bool Audit(const Call& call, audit::Outcome outcome, std::string_view extra_reason = {});
  // A security event: an audit record (actor as given) and the alerts stored and logged.
  void RaiseAlerts(const std::vector<guard::ApiAlert>& alerts, const Call* call);
  void Log(std::string_view level, std::string_view message, std::string_view detail) const;
};

HttpResponse JsonResponse(int status, const nlohmann::json& body);
// {"error": code, "detail": detail, "rule": rule} (detail and rule left out when empty).
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view detail = {},
                           std::string_view rule = {});
// The request's JSON object body into *out, or false and *error set: 415 unless the
// Content-Type is application/json (a cross-site form post cannot send that, so this
// keeps one out even if a session leaked its SameSite protection), 400 unless it is a JSON
// object. With `empty_is_object`, an empty body (no type needed) is an empty object.
bool ParseJsonBody(const Call& call, bool empty_is_object, nlohmann::json* out,
                   HttpResponse* error);

// 503 for a store failure: the detail goes to the log, the client gets "unavailable".
HttpResponse StoreFailure(ApiService::Impl& api, std::string_view what, const Status& s);

// Alarm and alert ids hold '/' (gateway/alarm, gateway/stream/seq), which a path segment
// of the route table cannot: the API names them by the lowercase hex of their bytes.
std::string RefOf(std::string_view id);
std::optional<std::string> IdOfRef(std::string_view ref);

// A positive decimal row id without sign or leading zero, or nullopt.
std::optional<int64_t> ParseRowId(std::string_view s);
// A decimal integer (optionally negative), or nullopt.
std::optional<int64_t> ParseInt(std::string_view s);

using Handler = HttpResponse (*)(ApiService::Impl&, Call&);

// clinical_routes.cc
HttpResponse WardLatest(ApiService::Impl&, Call&);
HttpResponse WardAlarms(ApiService::Impl&, Call&);
HttpResponse PatientVitals(ApiService::Impl&, Call&);
HttpResponse PatientAlarms(ApiService::Impl&, Call&);
HttpResponse AcknowledgeAlarmRoute(ApiService::Impl&, Call&);
HttpResponse PatientRecordRoute(ApiService::Impl&, Call&);
HttpResponse PatientNotes(ApiService::Impl&, Call&);
HttpResponse AddPatientNote(ApiService::Impl&, Call&);
HttpResponse OpenBreakGlassRoute(ApiService::Impl&, Call&);
// fhir_routes.cc
HttpResponse FhirObservationSearch(ApiService::Impl&, Call&);
HttpResponse FhirPatientRead(ApiService::Impl&, Call&);
HttpResponse FhirExport(ApiService::Impl&, Call&);
HttpResponse FhirAuditEvents(ApiService::Impl&, Call&);
// security_routes.cc
HttpResponse AuditList(ApiService::Impl&, Call&);
HttpResponse AlertList(ApiService::Impl&, Call&);
HttpResponse AlertAck(ApiService::Impl&, Call&);
HttpResponse AdminListUsers(ApiService::Impl&, Call&);
HttpResponse AdminCreateUser(ApiService::Impl&, Call&);
HttpResponse AdminDisableUser(ApiService::Impl&, Call&);
HttpResponse AdminCreateApiKey(ApiService::Impl&, Call&);
HttpResponse AdminRevokeApiKey(ApiService::Impl&, Call&);
HttpResponse AdminRotateSigningKey(ApiService::Impl&, Call&);
HttpResponse AdminAddDevice(ApiService::Impl&, Call&);
// admin_routes.cc
HttpResponse AdminListDevices(ApiService::Impl&, Call&);
HttpResponse AdminAdmit(ApiService::Impl&, Call&);
HttpResponse AdminDischarge(ApiService::Impl&, Call&);
HttpResponse AdminAssignBedDevice(ApiService::Impl&, Call&);
HttpResponse AdminUpdateUser(ApiService::Impl&, Call&);
HttpResponse AdminSetCareTeams(ApiService::Impl&, Call&);
HttpResponse AdminRevokeDevice(ApiService::Impl&, Call&);
HttpResponse AdminListCommands(ApiService::Impl&, Call&);
// ingest_route.cc
HttpResponse IngestMessages(ApiService::Impl&, Call&);
// auth_routes.cc
HttpResponse TokenEndpoint(ApiService::Impl&, Call&);
HttpResponse Login(ApiService::Impl&, Call&);
HttpResponse LoginMfa(ApiService::Impl&, Call&);
HttpResponse Logout(ApiService::Impl&, Call&);
HttpResponse AccountMfaEnroll(ApiService::Impl&, Call&);
HttpResponse AccountMfaConfirm(ApiService::Impl&, Call&);
HttpResponse AccountPassword(ApiService::Impl&, Call&);
// dashboard_routes.cc
HttpResponse WardStream(ApiService::Impl&, Call&);
HttpResponse AccountRoute(ApiService::Impl&, Call&);

}  // namespace vigil::cloud::api
