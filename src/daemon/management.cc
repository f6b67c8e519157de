#include "daemon/management.h"

#include <chrono>

namespace vigil {

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

Error ManagementServer::Start(const std::string& listen, std::string* why) {
  http_.AddStream("/alarms/stream");
  HttpServer::Options o;
  o.listen = listen;
  o.max_body_bytes = 0;  // every route is a GET
  Heartbeat();
  return http_.Start(
      o, [this](const HttpRequest& r) { return Handle(r); }, why);
}

void ManagementServer::Publish(Snapshot s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_ = std::move(s);
    published_ = true;
  }
  Heartbeat();
}

void ManagementServer::Heartbeat() { heartbeat_ms_.store(SteadyMs(), std::memory_order_relaxed); }

void ManagementServer::PublishAlarm(const std::string& event, const std::string& json) {
  http_.Publish("/alarms/stream", event, json);
}

HttpResponse ManagementServer::Handle(const HttpRequest& r) {
  if (r.method != "GET" && r.method != "HEAD") {
    HttpResponse resp = HttpResponse::Text(405, "method not allowed\n");
    resp.headers.emplace_back("Allow", "GET, HEAD");
    return resp;
  }
  if (r.path == "/health/live") {
    const int64_t age = SteadyMs() - heartbeat_ms_.load(std::memory_order_relaxed);
    if (age > kLiveTimeoutMs)
      return HttpResponse::Text(503, "stalled for " + std::to_string(age) + " ms\n");
    return HttpResponse::Text(200, "live\n");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (r.path == "/metrics") {
    HttpResponse resp = HttpResponse::Text(200, snapshot_.metrics);
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return resp;
  }
  if (r.path == "/health/ready") {
    std::vector<std::string> reasons = snapshot_.not_ready;
    if (!published_) reasons.emplace_back("starting");
    std::string body = "{\"ready\":";
    body += reasons.empty() ? "true" : "false";
    body += ",\"reasons\":[";
    for (size_t i = 0; i < reasons.size(); ++i) body += (i ? "," : "") + JsonString(reasons[i]);
    body += "]}\n";
    return HttpResponse::Json(reasons.empty() ? 200 : 503, std::move(body));
  }
  if (r.path == "/alarms") return HttpResponse::Json(200, snapshot_.alarms_json + "\n");
  if (r.path == "/")
    return HttpResponse::Text(
        200, "vigil gateway\n/metrics\n/health/live\n/health/ready\n/alarms\n/alarms/stream\n");
  return HttpResponse::Text(404, "not found\n");
}

}  // namespace vigil
