// HTTPS ingest for gateways that cannot speak MQTT (docs/api.md, "Ingest"): the body is
// uplink messages (docs/uplink.md), one JSON object per line, committed as one batch by
// the same ingester the broker feeds (deduplicated by message id, refused messages kept as
// dead letters). A gateway may only send its own messages: a line whose `gateway` is not
// the authenticated service account is refused and never stored (what the broker's topic
// ACL does for MQTT).
#include "cloud/api/api_call.h"
#include "cloud/ingest/envelope_check.h"

namespace vigil::cloud::api {

HttpResponse IngestMessages(ApiService::Impl& api, Call& call) {
  using nlohmann::json;
  const std::string_view ct = call.http.Header("content-type");
  if (!ct.starts_with("application/x-ndjson") && !ct.starts_with("application/json"))
    return ErrorResponse(415, "unsupported_media_type", "send application/x-ndjson");
  std::vector<IngestMessage> batch;
  json refused = json::array();
  std::string_view body = call.http.body;
  size_t line_no = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    ++line_no;
    if (line_no > api.config.max_ingest_lines)
      return ErrorResponse(
          413, "too_many_messages",
          "at most " + std::to_string(api.config.max_ingest_lines) + " per request");
    Envelope env;
    const CheckResult cr = CheckEnvelope("", line, &env);
    if (cr.ok() && env.gateway != call.subject->id) {
      refused.push_back({{"line", line_no}, {"reason", "not_your_gateway"}, {"field", "gateway"}});
      continue;
    }
    if (!cr.ok())
      refused.push_back(
          {{"line", line_no}, {"reason", RejectName(cr.reason)}, {"field", cr.field}});
    // A refused message still goes to the ingester: it is kept as a dead letter there.
    batch.push_back({"", std::string(line), call.now_ms()});
  }
  if (!api.ingester) {
    api.ingester = std::make_unique<Ingester>(*api.deps.db, *api.deps.keys);
    api.ingester->set_observer(api.deps.commit_observer);
  }
  IngestCounters c;
  if (!batch.empty()) {
    if (Status s = api.ingester->IngestBatch(batch, &c); !s.ok())
      return StoreFailure(api, "ingest", s);  // nothing stored: the gateway sends again
  }
  call.reason = std::to_string(c.stored) + " stored, " + std::to_string(c.duplicates) +
                " duplicates, " + std::to_string(refused.size()) + " refused";
  return JsonResponse(200, {{"received", line_no},
                            {"stored", c.stored},
                            {"duplicates", c.duplicates},
                            {"dead_letters", c.dead_letters},
                            {"refused", refused}});
}

}  // namespace vigil::cloud::api
