// A processing-cost profile of the host CPU, measured at start-up with the same OpenSSL
// back-end the protocol uses: time of one SHA-256 compression (from HMAC-SHA256 over a
// 4-block message), one AES-128 block (from AES-128-CCM over 64 bytes), one Ed25519
// signature and verification, and the decoding of one frame (the per-message overhead).
// Measured figures vary from run to run: a report made with this profile is not
// reproducible byte for byte (the built-in Cortex profiles are).
#pragma once

#include "sim/device_profile.h"

namespace vigil::sim {

DeviceProfile MeasureHostProfile();

}  // namespace vigil::sim
