// Thresholds of the default detectors, with defaults chosen for a hospital ward (tens of
// devices per coordinator, data every few seconds, associations a few times a day).
// All times are in microseconds of event time (use kSeconds / kMillis from common/time.h).
// Loaders (daemon TOML, simulator scenario) fill these fields and call Validate().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/time.h"

namespace vigil::ids {

struct IdentityTheftConfig {
  bool enabled = true;
  // One alert per device per incident window (a more serious signature for the same
  // device is still reported inside the window).
  TimeUs incident_window = 10 * kSeconds;
  // A duplicate or unsolicited answer opens a challenge that the confirmation round must
  // settle. If neither a passed nor a failed confirmation arrives within this time, the
  // challenge is reported as unresolved. Longer than the core's confirmation timeout.
  TimeUs challenge_timeout = 5 * kSeconds;
};

struct AuthFailureConfig {
  bool enabled = true;
  TimeUs holdoff = 30 * kSeconds;  // one alert per (device, observer, kind) per holdoff
};

struct ReplayConfig {
  bool enabled = true;
  uint32_t threshold = 1;          // replays of one device's frames ...
  TimeUs window = 10 * kSeconds;   // ... within this span raise an alert
  TimeUs holdoff = 30 * kSeconds;  // then at most one alert per device per holdoff
};

struct FloodingConfig {
  bool enabled = true;
  TimeUs window = 10 * kSeconds;
  uint32_t per_link_threshold = 20;     // association attempts from one link per window
  uint32_t total_threshold = 200;       // association attempts from all links per window
  uint32_t rate_limited_threshold = 1;  // limiter drops per source per window
  TimeUs holdoff = 30 * kSeconds;
};

struct BruteForceConfig {
  bool enabled = true;
  uint32_t threshold = 3;         // failed authentications for one uid or one link ...
  TimeUs window = 60 * kSeconds;  // ... within this span
  TimeUs holdoff = 60 * kSeconds;
};

struct BroadcastForgeryConfig {
  bool enabled = true;
  TimeUs holdoff = 10 * kSeconds;  // one alert per claimed sender per holdoff
};

struct MalformedConfig {
  bool enabled = true;
  uint32_t per_source_threshold = 5;  // per kind, per link (or claimed uid if no link)
  // Frame-tag failures on an established session are held to a stricter threshold: the
  // link checksum already removes noise, so a wrong MAC on an intact frame means a key
  // mismatch: a forged, modified or reflected frame. One is enough to name the device.
  uint32_t frame_tag_threshold = 1;
  uint32_t total_threshold = 50;  // per kind, all sources
  TimeUs window = 10 * kSeconds;
  TimeUs holdoff = 60 * kSeconds;
};

struct BehaviourConfig {
  bool enabled = true;
  // Impossible travel, rule 1: a device that associates at coordinator B less than
  // `travel_gap` after authenticated activity in an open session at coordinator A cannot
  // have moved: a real device first has to notice that A is gone (several missed
  // acknowledgements), then scan and associate. Larger values catch clones that wait a
  // little longer before associating elsewhere, but flag devices at the edge of two wards
  // that hop quickly; keep it below the device's link-loss detection time.
  TimeUs travel_gap = 5 * kSeconds;
  // Impossible travel, rule 2: authenticated data in A's old session more than
  // `ghost_tolerance` after the device associated at B. A device drops its old session
  // keys when it starts a new association, so only a copy of the device can still use
  // them. The tolerance absorbs frames in flight and clock skew when events from several
  // gateways are merged; it is the only thing between a slow gateway and a false alarm.
  TimeUs ghost_tolerance = 1 * kSeconds;

  // Data rate. Intervals between a device's authenticated data frames are learnt (EWMA
  // mean and variance); after `learning_samples` intervals, the mean interval over the
  // last `rate_window_frames` intervals is compared with the baseline. Only a *faster*
  // rate is reported: a second sender (clone) adds frames, while loss, sleep and
  // congestion only remove them, so the slow side would be all false positives on lossy
  // links. The short-term mean spans several frames, so a store-and-forward burst after a
  // gap (frames are held, then sent back to back) averages out instead of alerting. An
  // alert needs the short-term mean to fall below the baseline by more than rate_k_sigma
  // standard deviations of that mean AND by more than rate_min_relative of the baseline
  // (for a very regular device sigma is tiny and jitter alone would exceed k sigma).
  // Known false positive: a device that legitimately speeds up (alarm mode) is reported,
  // once per holdoff, until its rate returns: the baseline does not learn from anomalous
  // windows, or a clone would teach it to accept the doubled rate. Intervals enter the
  // baseline only as they leave the short-term window, so the first frames of an attack
  // are judged before they can shift the baseline.
  uint32_t learning_samples = 30;
  double baseline_alpha = 0.05;
  uint32_t rate_window_frames = 10;
  double rate_k_sigma = 4.0;
  double rate_min_relative = 0.35;

  // Re-association storms (a clone and the original taking the session from each other,
  // or a flapping device). A reboot gives one re-association and never alerts. The
  // baseline (mean interval between associations) is trusted once it spans two windows;
  // before that only reassoc_min_count applies. A device that keeps re-associating at a
  // high rate is reported once per holdoff for those two windows, then accepted.
  TimeUs reassoc_window = 10 * 60 * kSeconds;
  uint32_t reassoc_min_count = 5;  // never alert below this many in the window
  double reassoc_factor = 4.0;     // nor below factor x what the baseline predicts

  TimeUs holdoff = 60 * kSeconds;  // per device and signature
};

// Output rate limiting, after Suricata's threshold.config (`threshold ... type limit,
// track by_src, count N, seconds T` and `suppress`). It bounds what is *written*; the
// detectors and everything that reads verdicts through Engine::SetDetectionHook still see
// every alert. Windows run on event time, so the output is reproducible.
enum class ThresholdTrack : uint8_t {
  kByDevice,  // Alert::uid: the device concerned (Vigil's default)
  kBySrc,     // Alert::link: the source of the evidence (the claimed uid when there is none)
  kByDst,     // Alert::observer: the coordinator or device that saw it
  kByRule,    // one window for the whole signature
};

struct ThresholdRule {
  int signature_id = 0;     // a signature of signatures.h
  bool suppress = false;    // true: never write this signature (for `device_uid`, or all)
  uint64_t device_uid = 0;  // suppress only: 0 = every device
  ThresholdTrack track = ThresholdTrack::kByDevice;  // limit only
  uint32_t count = 1;                                // limit: at most count alerts ...
  TimeUs period = 60 * kSeconds;                     // ... per key per period
};

struct RateLimitConfig {
  bool enabled = true;
  // The limit of every signature without a rule of its own: three alerts per device per
  // minute re-report a sustained attack without flooding the file.
  ThresholdTrack track = ThresholdTrack::kByDevice;
  uint32_t count = 3;
  TimeUs period = 60 * kSeconds;
  std::vector<ThresholdRule> rules;  // at most one per signature
  // All signatures together: at most this many alerts per second of event time (0: no
  // cap). Summaries are not counted.
  uint32_t max_alerts_per_second = 5;
  // A summary names up to this many distinct devices of the alerts it stands for (and
  // counts the rest), so that every attacked device is named even when its alerts were
  // held back.
  uint32_t summary_max_devices = 64;
};

// Dropped input without a verdict of its own (detectors/dropped_input.h): downgrades and
// frames from blocked sources, named once per holdoff per device and source.
struct DroppedInputConfig {
  bool enabled = true;
  TimeUs holdoff = 60 * kSeconds;
};

// Devices behind a restored registry (detectors/restored_registry.h): one alert per
// device per holdoff while it keeps retrying.
struct RestoredRegistryConfig {
  bool enabled = true;
  TimeUs holdoff = 10 * 60 * kSeconds;
};

struct IdsConfig {
  IdentityTheftConfig identity_theft;
  AuthFailureConfig auth_failure;
  ReplayConfig replay;
  FloodingConfig flooding;
  BruteForceConfig brute_force;
  BroadcastForgeryConfig broadcast_forgery;
  MalformedConfig malformed;
  DroppedInputConfig dropped_input;
  RestoredRegistryConfig restored_registry;
  BehaviourConfig behaviour;
  RateLimitConfig rate_limit;
  // Per-detector limit on tracked keys (devices, links); see bounded_table.h.
  size_t max_tracked_keys = 65536;

  // Empty when every value is usable; otherwise one sentence naming the first bad field
  // ("behaviour.baseline_alpha must be in (0, 1]").
  std::string Validate() const;
};

}  // namespace vigil::ids
