// What the gateway tells its management port (docs/operations.md): the metrics page and
// the readiness verdict, rendered on the gateway thread from its own state.
#include <string>

#include "daemon/gateway.h"
#include "daemon/metrics_text.h"

namespace vigil {

void Gateway::PublishStatus(TimeUs now) {
  next_status_ = now + kSeconds;
  MetricsText m;
  m.Gauge("vigil_gateway_uptime_seconds", "Seconds since the gateway started.",
          static_cast<double>(now) / 1e6);
  m.Counter("vigil_frames_received_total", "Datagrams received.",
            static_cast<double>(stats_.frames_in));
  m.Counter("vigil_frames_sent_total", "Datagrams sent.", static_cast<double>(stats_.frames_out));
  m.Counter("vigil_data_frames_total", "Verified data frames from associated devices.",
            static_cast<double>(stats_.data_frames));
  m.Counter("vigil_associations_total", "Associations granted.",
            static_cast<double>(stats_.associations));
  m.Counter("vigil_security_events_total", "Security events fed to the IDS.",
            static_cast<double>(stats_.security_events));
  m.Counter("vigil_blocked_dropped_total", "Frames dropped because their source is blocked.",
            static_cast<double>(stats_.blocked_dropped));
  m.Counter("vigil_silent_drops_total", "Rate-limited requests dropped without an event.",
            static_cast<double>(core_->silent_drops()));
  m.Counter("vigil_persist_failures_total", "Failed writes of the gateway state.",
            static_cast<double>(stats_.persist_failures));
  for (size_t k = 0; k < events_total_.size(); ++k) {
    if (events_total_[k] == 0) continue;
    m.Counter("vigil_events_total", "Refusals and security events, by kind.",
              static_cast<double>(events_total_[k]),
              {{"kind", std::string(EventKindName(static_cast<EventKind>(k)))}});
  }
  m.Counter("vigil_alerts_total", "IDS alerts written.", static_cast<double>(stats_.alerts));
  for (const auto& [sid, n] : alerts_by_signature_) {
    m.Counter("vigil_alerts_by_signature_total", "IDS alerts written, by signature.",
              static_cast<double>(n), {{"signature_id", std::to_string(sid)}});
  }
  m.Gauge("vigil_sessions", "Devices associated now.", static_cast<double>(core_->session_count()));
  m.Gauge("vigil_enrolled_devices", "Devices the registry holds.",
          static_cast<double>(directory_->size()));
  m.Gauge("vigil_open_challenges", "Association requests waiting for an answer.",
          static_cast<double>(core_->open_challenges()));
  m.Gauge("vigil_known_endpoints", "UDP endpoints the gateway remembers.",
          static_cast<double>(endpoints_.size()));
  m.Gauge("vigil_receive_buffer_bytes", "Socket receive buffer the kernel granted.",
          static_cast<double>(stats_.receive_buffer));
  const HttpServer::Stats h = management_->http_stats();
  m.Counter("vigil_management_requests_total", "Requests to the management port.",
            static_cast<double>(h.requests));
  m.Counter("vigil_management_bad_requests_total",
            "Malformed or oversized requests to the management port.",
            static_cast<double>(h.bad_requests));
  m.Counter("vigil_management_refused_connections_total",
            "Connections refused because too many were open.",
            static_cast<double>(h.refused_connections));

  ManagementServer::Snapshot s;
  s.metrics = m.Render();
  if (core_->persist_failed()) s.not_ready.emplace_back("gateway state cannot be written");
  if (directory_->size() == 0) s.not_ready.emplace_back("no device enrolled");
  management_->Publish(std::move(s));
}

}  // namespace vigil
