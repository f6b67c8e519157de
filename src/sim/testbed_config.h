// How the testbed configures a protocol version and a world from a scenario, in one
// place, so that every phase (Table 1, benign, the day with attacks) runs a version the
// same way.
//
// Paper versions (v1, v2, v3-paper) confirm on anomaly only (the paper's v3) and protect
// unicast data with HMAC-SHA256 integrity, as the paper specifies; hardened confirms every
// association (ConfirmPolicy::kAlways) and encrypts data (AES-128-CCM). Timers come from
// the scenario's [protocol] table.
#pragma once

#include "connection/protocol_config.h"
#include "sim/device_profile.h"
#include "sim/scenario.h"
#include "sim/world.h"

namespace vigil::sim {

ProtocolConfig TestbedProtocol(const Scenario& s, wire::Version v);

struct Profiles {
  DeviceProfile device = DeviceProfile::CortexM4();
  DeviceProfile cpan = DeviceProfile::CortexA53();
};

WorldConfig TestbedWorld(const Scenario& s, wire::Version v, double loss,
                         const Profiles& profiles = {});

}  // namespace vigil::sim
