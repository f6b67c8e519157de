// What the gateway tells its management port (docs/operations.md): the metrics page and
// the readiness verdict, rendered on the gateway thread from its own state.
#include <string>

#include "daemon/gateway.h"
#include "daemon/metrics_text.h"
#include "daemon/mqtt_uplink.h"

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

  if (edge_ != nullptr) {
    const edge::EdgeStats& e = edge_->stats();
    m.Counter("vigil_reading_packs_total", "Reading packs received from associated devices.",
              static_cast<double>(e.packs));
    m.Counter("vigil_reading_packs_refused_total", "Reading packs that did not decode.",
              static_cast<double>(e.packs_refused));
    m.Counter("vigil_readings_total", "Readings by class.", static_cast<double>(e.clinical),
              {{"class", "clinical"}});
    m.Counter("vigil_readings_total", "Readings by class.", static_cast<double>(e.artefacts),
              {{"class", "artefact"}});
    m.Counter("vigil_readings_total", "Readings by class.", static_cast<double>(e.implausible),
              {{"class", "implausible"}});
    for (Vital v : kAllVitals) {
      if (e.by_vital[static_cast<size_t>(v)] == 0) continue;
      m.Counter("vigil_clinical_readings_total", "Clinical readings, by vital sign.",
                static_cast<double>(e.by_vital[static_cast<size_t>(v)]),
                {{"vital", std::string(VitalName(v))}});
    }
    m.Counter("vigil_alarm_events_total", "Alarm events (raised, updated, cleared, ...).",
              static_cast<double>(e.alarm_events));
    size_t by_priority[4] = {};
    for (const clinical::ActiveAlarm& a : edge_->engine().ActiveAlarms())
      ++by_priority[static_cast<size_t>(a.priority)];
    for (clinical::AlarmPriority p :
         {clinical::AlarmPriority::kHigh, clinical::AlarmPriority::kMedium,
          clinical::AlarmPriority::kLow}) {
      m.Gauge("vigil_alarms_active", "Alarms not cleared, by priority.",
              static_cast<double>(by_priority[static_cast<size_t>(p)]),
              {{"priority", std::string(clinical::AlarmPriorityName(p))}});
    }
  }
  bool uplink_backlogged = false;
  if (uplink_ != nullptr) {
    const UplinkMetrics u = uplink_->metrics();
    m.Gauge("vigil_uplink_connected", "1 while the uplink's MQTT session is up.",
            u.connected ? 1 : 0);
    m.Gauge("vigil_uplink_queue_depth", "Messages in the uplink queue.",
            static_cast<double>(u.queue_depth));
    m.Gauge("vigil_uplink_queue_bytes", "Bytes in the uplink queue.",
            static_cast<double>(u.queue_bytes));
    m.Gauge("vigil_uplink_oldest_age_seconds", "Age of the oldest queued message.",
            static_cast<double>(u.oldest_age_ms) / 1000.0);
    m.Gauge("vigil_uplink_in_flight", "Messages published, not yet acknowledged.",
            static_cast<double>(u.in_flight));
    m.Counter("vigil_uplink_delivered_total", "Messages the broker acknowledged.",
              static_cast<double>(u.delivered));
    for (uplink::MessageClass c : uplink::kDrainOrder) {
      m.Counter("vigil_uplink_dropped_total", "Messages dropped under the queue's bound.",
                static_cast<double>(u.dropped[uplink::Index(c)]),
                {{"class", std::string(uplink::MessageClassName(c))}});
    }
    m.Counter("vigil_uplink_errors_total", "Records the uplink queue could not commit.",
              static_cast<double>(stats_.uplink_errors));
    // Ready while connected, or while the queue holds less than a tenth of its bound: a
    // gateway that only buffers is still doing its job, up to a point.
    uplink_backlogged = !u.connected && u.queue_depth > config_.uplink.max_messages / 10;
  }

  ManagementServer::Snapshot s;
  s.metrics = m.Render();
  s.alarms_json = ActiveAlarmsJson();
  if (uplink_backlogged) s.not_ready.emplace_back("uplink down and its queue filling");
  if (core_->persist_failed()) s.not_ready.emplace_back("gateway state cannot be written");
  if (directory_->size() == 0) s.not_ready.emplace_back("no device enrolled");
  management_->Publish(std::move(s));
}

}  // namespace vigil
