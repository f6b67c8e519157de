// Table 1 of seed 000: association time without and with authentication, per version,
// on the modelled radio, amid the traffic of one ward of the scenario's hospital.
//
// One device (a thermometer placed 5 m from the ward's CPAN) associates, waits 1-3 s,
// and associates again, `associations` times. Association time runs from the device's
// StartAssociation to its kAssociated event (the ASSOC_RESP verified): radio, MAC,
// processing on both CPUs (device and CPAN profiles) and the protocol's own waits
// included (v3's answer window runs after a provisional grant, so it is not one). Bytes on air
// count every frame of the exchange with PHY overhead: the device's frames, the CPAN's frames to
// it, and both sides' ACKs. An attempt that fails is counted in `failed`; its retry starts a new
// measurement.
//
// The radio floor is that of the exchange's own frames (radio_floor.h): the most common
// frame sequence observed, with the expected first backoff and with none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connection/wire/format.h"
#include "sim/device_profile.h"
#include "sim/scenario.h"
#include "sim/stats.h"
#include "sim/testbed_config.h"

namespace vigil::sim {

struct Table1Row {
  wire::Version version = wire::Version::kHardened;
  bool authenticated = true;
  Summary ms;                // association time, milliseconds
  double bytes_on_air = 0;   // mean per association, PHY overhead and ACKs included
  double frames_on_air = 0;  // mean data frames per association (ACKs not counted)
  double floor_expected_ms = 0;
  double floor_min_ms = 0;
  std::vector<size_t> frame_sizes;  // MPDU sizes of the most common exchange
  double device_cpu_ms = 0;         // mean processing time charged to the device per association
  double cpan_cpu_ms = 0;
  uint64_t failed = 0;
  std::vector<double> samples_ms;  // every association time, for the CDF plot
};

Table1Row RunTable1(const Scenario& s, uint64_t seed, wire::Version version, bool authenticate,
                    const Profiles& profiles = {});

}  // namespace vigil::sim
