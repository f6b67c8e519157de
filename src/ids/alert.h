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
#include <string>

#include "common/time.h"

namespace vigil::ids {

struct Alert {
  TimeUs time = 0;        // event time of the evidence (or of the deadline that expired)
  uint64_t uid = 0;       // device concerned (as claimed on the air); 0 = not one device
  uint64_t observer = 0;  // node that observed the evidence (CPAN or device)
  uint64_t link = 0;      // driver's source token of the evidence; 0 = none or many
  std::string signature;  // human-readable rule name (see signatures.h)
  int signature_id = 0;   // stable number of the rule
  int severity = 3;       // 1 high, 2 medium, 3 low (Suricata convention)
  std::string category;   // Suricata classification text
  std::string detector;   // name of the detector that raised it (filled by the engine)
  std::string detail;     // one line of evidence for the operator

  bool operator==(const Alert&) const = default;
};

// How identities and link tokens are printed in EVE output. Each callback may be empty,
// or may return an empty string for a value it does not know; the formatter then falls
// back to the 16-hex-digit uid.
struct EveContext {
  // Added to Alert::time to give Unix time in microseconds.
  int64_t epoch_offset_us = 0;
  // Link token -> printable source address ("192.0.2.7:5683" in the daemon, "node-3" in
  // the simulator). Used for "src" when Alert::link != 0.
  std::function<std::string(uint64_t link)> link_name;
  // Node uid -> printable name. Used for "dest" (the observer) and for "src" when the
  // alert has no link.
  std::function<std::string(uint64_t uid)> node_name;
};

// Unix time in microseconds -> "2024-05-01T12:00:00.000123+0000" (UTC, Suricata's
// layout). Valid for any int64 input: no calendar library, no time zone, no locale.
std::string FormatEveTimestamp(int64_t unix_us);

// A duration for alert details: "2.5 s" (one decimal, truncated; negative as "0.0 s").
// Details quote durations, not event times, because the daemon's event axis is a
// monotonic clock whose origin means nothing to a reader.
std::string FormatDuration(TimeUs d);

// One EVE JSON object on one line, without a trailing newline:
//   {"timestamp":..., "event_type":"alert", "src":..., "dest":..., "device_uid":"<16 hex>",
//    "alert":{"signature":..., "signature_id":..., "severity":..., "category":...},
//    "detector":..., "detail":...}
// Strings are JSON-escaped; any byte sequence in detail is safe (invalid UTF-8 is
// replaced, not thrown).
std::string FormatEveJson(const Alert& alert, const EveContext& ctx);

}  // namespace vigil::ids
