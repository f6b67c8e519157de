// A testbed scenario: the hospital (wards, staff, patients, their devices and how they
// move), the radio, and the evaluation phases, as read from a TOML file.
//
// The format is documented field by field in docs/simulator.md and by example in
// scenarios/polyclinic.toml. Every field has a default, so a scenario states only what
// differs. A file with a mistake is refused with one message that names the file, the
// line and the field, e.g.
//   polyclinic.toml:12: ward "icu": field "beds": expected an integer
// Unknown fields are mistakes too (a misspelt key must not silently keep its default).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connection/device_identity.h"

namespace vigil::sim {

// The device kinds of seed 000's polyclinic and the list: the project's one
// DeviceKind (connection/device_identity.h), whose first seven kinds the testbed models
// (every kind but kOther).
using DeviceKind = vigil::DeviceKind;
inline constexpr size_t kDeviceKindCount = 7;
std::string_view DeviceKindName(DeviceKind k);
// False if `name` is not one of the kinds.
bool ParseDeviceKind(std::string_view name, DeviceKind* out);

struct DeviceKindSpec {
  double interval_s = 60;  // one data frame every interval (0: no data)
  int payload_bytes = 24;  // application payload of one data frame
};

struct WardSpec {
  std::string name;
  int beds = 0;
  double occupancy = 0.85;                  // fraction of beds occupied at the start
  std::vector<DeviceKind> patient_devices;  // attached to every patient of this ward
  int line = 0;                             // where the ward is defined (for later errors)
};

struct StaffSpec {
  std::string role;  // "doctor", "nurse", "administrative", ...
  int count = 0;
  std::vector<DeviceKind> devices;
  std::vector<std::string> home_wards;  // assigned round-robin; empty: wards with beds
  double shift_hours = 12;              // two shifts a day when 12
  double moves_per_hour = 0;            // visits to another ward while on shift
  double visit_minutes_min = 10, visit_minutes_max = 40;
};

struct PatientSpec {
  double stay_hours = 72;                                 // mean length of stay (exponential)
  double turnover_hours_min = 1, turnover_hours_max = 4;  // empty bed between patients
  double walks_per_day = 1;  // out of the ward (radiology, a walk): no coverage
  double walk_minutes_min = 10, walk_minutes_max = 40;
  // Probability that a patient brings an own smartwatch, enrolled at admission and
  // revoked at discharge (exercises enrollment churn and broadcast-key rotation).
  double own_smartwatch = 0.25;
};

struct RadioSpec {
  double loss = 0.05;  // frame loss on every link (data and acknowledgements)
  double range_m = 25;
  double ward_spacing_m = 200;  // wards are this far apart: no radio contact between them
  double ward_radius_m = 12;    // devices are placed within this distance of the CPAN
};

struct ProtocolSpec {
  double retransmit_timeout_ms = 60;
  int max_retransmits = 4;
  double answer_window_ms = 12;
  double confirm_timeout_ms = 150;
  double unsolicited_answers_per_minute = 6;
};

struct EventSpec {
  double reboots_per_device_per_day = 0.5;
  double transit_s_min = 30, transit_s_max = 120;  // walking between wards
  double broadcast_interval_min = 15;              // ward announcements (v2+)
  double downlink_interval_min = 10;               // settings sent to infusion pumps
};

struct AttackSpec {
  int instances = 12;       // per attack class and intruder type
  double window_s = 5;      // "detected": an alert naming the right device within this time
  double start_hour = 0.5;  // first attack; they are spread evenly until the day ends
  std::vector<std::string> classes;  // empty: every class (attacks/catalog.h)
  // What a fully cloned device copied: "earlier" (the default: an image read while the
  // device was out of service, which then went back and associated again) or "live" (an
  // image of the device's current session, i.e. the device itself in the attacker's
  // hands). See docs/simulator.md, "Full clones".
  bool live_clone_image = false;
};

struct Table1Spec {
  int associations = 1000;  // per version and authentication mode
  double loss = 0.0;        // the paper's figures are for an undisturbed association
  std::string ward;         // where to measure (its background traffic runs); "" = first
};

struct BenignSpec {
  int associations = 10000;  // benign associations to observe per version
  double loss = 0.05;
  // Mean time between two disruptions (reboot, move, out-of-range) of one device.
  double disruption_minutes = 20;
};

// Clinical telemetry (docs/simulator.md, "Clinical telemetry"): devices that measure a
// patient send SenML/CBOR reading packs from a sensor model of their bed's patient, and
// every ward's CPAN hands its verified data to that ward's edge node, as `vigil gateway`
// does. Off by default: the paper's scenario keeps its fixed-size payloads.
struct ClinicalSpec {
  bool enabled = false;
  // An episode with no clinical alarm on its patient within this long after onset (and
  // at most until it has ended) is missed. 0: the episode's ramp plus its duration.
  double alarm_window_minutes = 0;
};

// One [[episode]]: a deterioration scheduled on the patient of one bed (`ward` and
// `bed`, 1-based within the ward), or on a `fraction` of the beds of `ward` (of every
// ward with beds when `ward` is empty) drawn from the seed. See device/episode.h.
struct EpisodeSpec {
  std::string kind = "sepsis";  // sepsis | hypoxia | hypotension
  std::string ward;
  int bed = 0;          // 0: use `fraction`
  double fraction = 0;  // 0 < fraction <= 1 when bed == 0
  double onset_hours = 1;
  double ramp_minutes = 30;
  double severity = 1;
  double duration_hours = 4;  // at full severity
  int line = 0;
};

struct Scenario {
  std::string name;
  std::string description;
  double hours = 24;
  RadioSpec radio;
  ProtocolSpec protocol;
  std::array<DeviceKindSpec, kDeviceKindCount> kinds = DefaultKinds();
  std::vector<WardSpec> wards;
  std::vector<StaffSpec> staff;
  PatientSpec patients;
  EventSpec events;
  AttackSpec attacks;
  Table1Spec table1;
  BenignSpec benign;
  ClinicalSpec clinical;
  std::vector<EpisodeSpec> episodes;

  static std::array<DeviceKindSpec, kDeviceKindCount> DefaultKinds();
  const DeviceKindSpec& kind(DeviceKind k) const { return kinds[static_cast<size_t>(k)]; }
  // Index of the ward named `name`, or -1.
  int FindWard(std::string_view name) const;
};

struct ScenarioResult {
  Scenario scenario;
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};

// Parses TOML text. `source_name` is used in error messages ("polyclinic.toml").
ScenarioResult ParseScenario(std::string_view text, std::string_view source_name);
// Reads and parses a file; the error names the file by its base name.
ScenarioResult LoadScenarioFile(const std::string& path);

// The built-in default scenario (scenarios/polyclinic.toml, embedded at build time).
std::string_view DefaultScenarioText();
inline constexpr std::string_view kDefaultScenarioName = "polyclinic";

}  // namespace vigil::sim
