#include "cloud/audit/fhir_audit_event.h"

#include <string_view>

namespace vigil::audit {

namespace {

using fhir::Coding;
using fhir::Json;

constexpr std::string_view kAuditEventType =
    "http://terminology.hl7.org/CodeSystem/audit-event-type";
constexpr std::string_view kRestful = "http://hl7.org/fhir/restful-interaction";
constexpr std::string_view kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
constexpr std::string_view kSourceType =
    "http://terminology.hl7.org/CodeSystem/security-source-type";
constexpr std::string_view kParticipation =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
constexpr std::string_view kActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr std::string_view kBalp =
    "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.";

struct EventCodes {
  std::string_view type_system, type_code, type_display;
  std::string_view subtype_system, subtype_code, subtype_display;  // code empty: none
  std::string_view action;
  std::string_view balp;  // profile name without "Patient" ("Read"), empty: none
};

EventCodes CodesOf(Event e) {
  switch (e) {
    case Event::kRead:
      return {kAuditEventType, "rest", "Restful Operation", kRestful, "read", "read", "R", "Read"};
    case Event::kSearch:
      return {
          kAuditEventType, "rest", "Restful Operation", kRestful, "search-type", "search type", "E",
          "Query"};
    case Event::kCreate:
      return {kAuditEventType, "rest", "Restful Operation", kRestful, "create", "create", "C",
              "Create"};
    case Event::kUpdate:
      return {kAuditEventType, "rest", "Restful Operation", kRestful, "update", "update", "U",
              "Update"};
    case Event::kDelete:
      return {kAuditEventType, "rest", "Restful Operation", kRestful, "delete", "delete", "D",
              "Delete"};
    case Event::kExport:
      return {kAuditEventType,
              "rest",
              "Restful Operation",
              kRestful,
              "operation",
              "operation",
              "E",
              ""};
    case Event::kLogin:
      return {fhir::kDicom, "110114", "User Authentication", fhir::kDicom, "110122", "Login",
              "E",          ""};
    case Event::kLogout:
      return {fhir::kDicom, "110114", "User Authentication", fhir::kDicom, "110123", "Logout",
              "E",          ""};
    case Event::kBreakGlass:
      return {fhir::kDicom, "110113", "Security Alert",
              fhir::kDicom, "110127", "Emergency Override Started",
              "E",          ""};
    case Event::kSecurityAlert:
      return {fhir::kDicom, "110113", "Security Alert", {}, {}, {}, "E", ""};
  }
  return {fhir::kDicom, "110113", "Security Alert", {}, {}, {}, "E", ""};
}

std::string_view OutcomeCode(Outcome o) {
  switch (o) {
    case Outcome::kSuccess:
      return "0";
    case Outcome::kDenied:
      return "4";
    case Outcome::kFailed:
      return "8";
  }
  return "8";
}

bool IsRest(Event e) { return e <= Event::kExport; }
bool IsQuery(Event e) { return e == Event::kSearch || e == Event::kExport; }
bool Writes(Event e) { return e == Event::kCreate || e == Event::kUpdate || e == Event::kDelete; }

Json Concept(Json coding, std::string_view text = {}) {
  Json c = {{"coding", Json::array({std::move(coding)})}};
  if (!text.empty()) c["text"] = text;
  return c;
}

Json Agents(const AuditRecord& r, const AuditEventSource& source) {
  Json user = Json::object();
  if (IsRest(r.event)) {
    user["type"] = Writes(r.event)
                       ? Concept(Coding(kParticipation, "AUT", "author"))
                       : Concept(Coding(kParticipation, "IRCP", "information recipient"));
  }
  if (!r.role.empty()) user["role"] = Json::array({Concept(Coding(fhir::kVigilRole, r.role))});
  user["who"] = {
      {"identifier",
       {{"system", r.actor_kind == ActorKind::kUser ? fhir::kVigilUser : fhir::kVigilService},
        {"value", r.actor_id}}}};
  user["requestor"] = true;
  if (r.emergency || r.event == Event::kBreakGlass)
    user["purposeOfUse"] = Json::array({Concept(Coding(kActReason, "BTG", "break the glass"))});

  Json client = {{"type", Concept(Coding(fhir::kDicom, "110153", "Source Role ID"))},
                 {"who", {{"display", r.client.empty() ? "unknown client" : r.client}}},
                 {"requestor", false}};
  if (!r.source_address.empty()) client["network"] = {{"address", r.source_address}, {"type", "2"}};

  Json server = {{"type", Concept(Coding(fhir::kDicom, "110152", "Destination Role ID"))},
                 {"who", {{"display", source.observer}}},
                 {"requestor", false}};
  return Json::array({std::move(user), std::move(client), std::move(server)});
}

std::string HashText(const Hash& h) {
  return fhir::Base64(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

Json Entities(const ChainEntry& e) {
  const AuditRecord& r = e.record;
  Json entities = Json::array();
  if (r.patient_id.has_value()) {
    entities.push_back({{"what", {{"reference", "Patient/" + std::to_string(*r.patient_id)}}},
                        {"type", Coding(kEntityType, "1", "Person")},
                        {"role", Coding(kObjectRole, "1", "Patient")}});
  }
  Json chain = {{"type", "vigil-audit-hash"}, {"valueBase64Binary", HashText(e.hash)}};
  if (IsQuery(r.event)) {
    entities.push_back({{"type", Coding(kEntityType, "2", "System Object")},
                        {"role", Coding(kObjectRole, "24", "Query")},
                        {"description", r.operation},
                        {"query", fhir::Base64(r.operation)},
                        {"detail", Json::array({chain})}});
  } else {
    Json data = {
        {"what",
         {{"display", r.operation.empty() ? std::string(EventName(r.event)) : r.operation}}},
        {"type", Coding(kEntityType, "2", "System Object")}};
    if (IsRest(r.event)) data["role"] = Coding(kObjectRole, "4", "Domain Resource");
    data["detail"] = Json::array({chain});
    entities.push_back(std::move(data));
  }
  return entities;
}

std::string OutcomeDesc(const AuditRecord& r) {
  std::string d;
  if (r.decision != Decision::kNone) {
    d = std::string(DecisionName(r.decision));
    if (!r.rule.empty()) d += " by rule " + r.rule;
  }
  if (!r.reason.empty() && r.event != Event::kBreakGlass) {
    if (!d.empty()) d += "; ";
    d += r.reason;
  }
  return d;
}

}  // namespace

fhir::Json ToFhirAuditEvent(const ChainEntry& e, const AuditEventSource& source) {
  const AuditRecord& r = e.record;
  const EventCodes c = CodesOf(r.event);
  Json a = {{"resourceType", "AuditEvent"}, {"id", std::to_string(e.seq)}};
  if (!c.balp.empty() && r.outcome == Outcome::kSuccess) {
    const std::string name = std::string(r.patient_id ? "Patient" : "") + std::string(c.balp);
    a["meta"] = {{"profile", Json::array({std::string(kBalp) + name})}};
  }
  a["type"] = Coding(c.type_system, c.type_code, c.type_display);
  if (!c.subtype_code.empty())
    a["subtype"] = Json::array({Coding(c.subtype_system, c.subtype_code, c.subtype_display)});
  a["action"] = c.action;
  a["recorded"] = fhir::Instant(r.time_ms);
  a["outcome"] = OutcomeCode(r.outcome);
  if (const std::string d = OutcomeDesc(r); !d.empty()) a["outcomeDesc"] = d;
  if (r.emergency || r.event == Event::kBreakGlass)
    a["purposeOfEvent"] =
        Json::array({Concept(Coding(kActReason, "BTG", "break the glass"), r.reason)});
  a["agent"] = Agents(r, source);
  Json src = Json::object();
  if (!source.site.empty()) src["site"] = source.site;
  src["observer"] = {{"display", source.observer}};
  src["type"] = Json::array({Coding(kSourceType, "4", "Application Server")});
  a["source"] = std::move(src);
  a["entity"] = Entities(e);
  return a;
}

}  // namespace vigil::audit
