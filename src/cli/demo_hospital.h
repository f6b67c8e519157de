// `vigil demo`: the whole hospital on one machine (docs/demo.md). The broker (Mosquitto,
// mutual TLS), the cloud (`vigil cloud serve`: ingest and the HTTPS API, SQLite), a
// gateway per ward of the polyclinic with its beds, patients and devices (some
// deteriorating), the demo's staff accounts, and intruders at intervals (a cloned device,
// a replay, a bounded flood, a brute-force login). Every program is a child process of
// the demo (its own process group, killed if the demo dies), stopped and waited for at the
// end; the run closes with a summary read back from the cloud's API.
#pragma once

#include <string>

namespace vigil::cli {

struct HospitalDemoOptions {
  std::string self;             // the vigil binary the children run
  double duration_s = 0;        // 0: until SIGINT or SIGTERM
  std::string keep;             // keep the work directory here (must be empty or absent)
  int beds_per_ward = 2;        // 1..8
  double attack_period_s = 60;  // the intruders come back this often
};

// Runs until the duration ends or a signal arrives; returns the process's exit code:
// 0 when every ward's readings, a clinical alarm and an alert of every intruder reached
// the cloud, 1 when something did not (the summary says what), 2 when the run could
// not start.
int RunHospitalDemo(const HospitalDemoOptions& options);

}  // namespace vigil::cli
