// An alert: one verdict of one detector about one event stream, and its EVE JSON form.
//
// Alerts carry *event* time (the axis of Event::time), never wall time, so that the same
// event stream gives the same alerts in the gateway daemon and in the simulator. Only
// when an alert is written out is it placed on the calendar, by an epoch offset that the
// caller supplies (daemon: wall-clock Unix time at start minus the monotonic time at
// start; simulator: a fixed epoch so that logs are reproducible).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace vigil::ids {

// Suricata's alert.action: what became of the input that raised the alert. kBlocked: the
// core refused or dropped it (failed authentication, replayed or forged frame, limiter
// drop); kAllowed: the input was accepted and the alert only reports it.
enum class AlertAction : uint8_t { kAllowed, kBlocked };

// What a rate-limit summary (signature kAlertsSuppressed) stands for.
struct SuppressedAlerts {
  int signature_id = 0;           // the signature whose alerts were held back
  uint64_t count = 0;             // how many
  TimeUs period = 0;              // over this span, ending at the summary's time
  std::vector<uint64_t> devices;  // distinct devices they named (ascending, bounded)
  uint64_t unlisted = 0;          // alerts among them naming a device not listed

  bool operator==(const SuppressedAlerts&) const = default;
};

struct Alert {
  TimeUs time = 0;        // event time of the evidence (or of the deadline that expired)
  uint64_t uid = 0;       // device concerned (as claimed on the air); 0 = not one device
  uint64_t observer = 0;  // node that observed the evidence (CPAN or device)
  uint64_t link = 0;      // driver's source token of the evidence; 0 = none or many
  std::string signature;  // human-readable rule name (see signatures.h)
  int signature_id = 0;   // stable number of the rule
  int rev = 1;            // revision of the rule (Suricata's rev)
  int severity = 3;       // 1 high, 2 medium, 3 low: the priority of `category`
  std::string category;   // Suricata classtype description (classification.config)
  AlertAction action = AlertAction::kAllowed;
  std::string detector;  // name of the detector that raised it (filled by the engine)
  std::string detail;    // one line of evidence for the operator
  std::optional<SuppressedAlerts> suppressed;  // rate-limit summaries only

  bool operator==(const Alert&) const = default;
};

// One end of the evidence as the caller knows it: an IP endpoint, or a named node that has
// no IP address (a radio node of the simulator, "node-3", "gw-ward-a").
struct EveEndpoint {
  std::string ip;     // numeric IPv4 or IPv6 address, no brackets; empty = not on IP
  uint16_t port = 0;  // with ip only
  std::string node;   // name of a node without IP; used when ip is empty or not an address

  bool operator==(const EveEndpoint&) const = default;
};

// "192.0.2.7:5683" -> {ip "192.0.2.7", port 5683}; "[2001:db8::1]:47110" -> {ip
// "2001:db8::1", port 47110}. Anything that is not a numeric address and a port becomes
// {node = text}, so a printable endpoint always survives.
EveEndpoint EveEndpointFromHostPort(std::string_view text);

// How the two ends of an alert are resolved for EVE output. Each callback may be empty, or
// may return an empty EveEndpoint for a value it does not know; the end is then left out
// (its uid is still in the "vigil" object).
struct EveContext {
  // Added to Alert::time to give Unix time in microseconds.
  int64_t epoch_offset_us = 0;
  // Suricata's "proto" for IP endpoints (the daemon speaks UDP). Not written when neither
  // end has an IP address.
  std::string proto = "UDP";
  // Link token -> source endpoint of the evidence (the daemon: the UDP peer; the
  // simulator: the radio node). Used for the source when Alert::link != 0.
  std::function<EveEndpoint(uint64_t link)> link_endpoint;
  // Node uid -> endpoint. Used for the destination (Alert::observer) and for the source
  // when the alert has no link (Alert::uid).
  std::function<EveEndpoint(uint64_t uid)> node_endpoint;
};

// Unix time in microseconds -> "2024-05-01T12:00:00.000123+0000" (UTC, Suricata's
// layout). Valid for any int64 input: no calendar library, no time zone, no locale.
std::string FormatEveTimestamp(int64_t unix_us);

// A duration for alert details: "2.5 s" (one decimal, truncated; negative as "0.0 s").
// Details quote durations, not event times, because the daemon's event axis is a
// monotonic clock whose origin means nothing to a reader.
std::string FormatDuration(TimeUs d);

// Suricata's flow_id for the pair (source, destination): FNV-1a 64 over both ends, reduced
// to 51 bits as Suricata does so that JSON readers using doubles keep it exact. Stable
// across runs and machines; equal ends give equal ids.
int64_t EveFlowId(const EveEndpoint& src, const EveEndpoint& dest);

// One EVE JSON object on one line, without a trailing newline, valid against Suricata's
// EVE schema (etc/schema.json; see eve_schema_check.h and docs/ids.md):
//   {"timestamp":..., "flow_id":..., "event_type":"alert",
//    "src_ip":..., "src_port":..., "dest_ip":..., "dest_port":..., "proto":"UDP",
//    "alert":{"action":"allowed"|"blocked", "gid":1, "signature_id":..., "rev":...,
//             "signature":..., "category":..., "severity":...},
//    "metadata":{"flowvars":[{"vigil":{"device_uid":"<16 hex>", "observer":"<16 hex>",
//                                      "detector":..., "src_node":..., "dest_node":...,
//                                      "detail":..., "suppressed":{...}}}]}}
// IP fields appear only for ends that resolved to an IP address; src_node/dest_node only
// for ends that resolved to a node name; "suppressed" only in rate-limit summaries.
// Strings are JSON-escaped; any byte sequence in detail is safe (invalid UTF-8 is
// replaced, not thrown).
std::string FormatEveJson(const Alert& alert, const EveContext& ctx);

// Suricata's generator id for Vigil's rules (gid 1: the rule-engine generator).
inline constexpr int kEveGid = 1;

}  // namespace vigil::ids
