// Processing-cost profiles of node CPUs, so that the simulator can charge virtual time for
// the cryptography and message handling a node does (the protocol code itself runs on the
// host at host speed).
//
// A profile holds the time of a few primitives (one SHA-256 compression, one AES-128
// block, one Ed25519 signature or verification, a fixed per-message overhead); costs of
// whole operations are derived from exact counts of those primitives. Two built-in
// profiles are *estimates* from published figures (sources in device_profile.cc and
// docs/radio-model.md); a profile of the host CPU is built from measured values.
#pragma once

#include <cstddef>
#include <string>

#include "common/time.h"

namespace vigil::sim {

// --- exact primitive counts ---

// SHA-256 compressions for a message of `bytes`: padding adds 0x80 and a 64-bit length.
//   ceil((bytes + 9) / 64)
size_t Sha256Blocks(size_t bytes);

// SHA-256 compressions for HMAC-SHA256 (RFC 2104) over a `message_bytes` message:
//   key hashing  Sha256Blocks(key_bytes)       only if key_bytes > 64
//   inner hash   Sha256Blocks(64 + message)    = 1 + ceil((message + 9) / 64)
//   outer hash   Sha256Blocks(64 + 32)         = 2
// so 3 + ceil((message + 9) / 64) for a key of at most 64 bytes. With the keyed ipad/opad
// states precomputed once per key (as a device can), the two pad blocks are saved.
size_t HmacSha256Blocks(size_t message_bytes, size_t key_bytes = 32, bool precomputed_pads = false);

// AES-128 block encryptions for CCM (RFC 3610 / IEEE 802.15.4 CCM*), sealing or opening
// `payload_bytes` with `aad_bytes` of associated data:
//   CBC-MAC  1 (B0) + ceil((2 + aad) / 16) if aad > 0 + ceil(payload / 16)
//   CTR      1 (A0, tag) + ceil(payload / 16)
// (aad < 65280 bytes, so its length is encoded in 2 bytes.)
size_t AesCcmBlocks(size_t payload_bytes, size_t aad_bytes);

// Time of each primitive, in nanoseconds (the virtual clock counts microseconds, but a
// fast CPU does a SHA-256 block in a fraction of one).
struct PrimitiveCostsNs {
  double sha256_block = 0;  // one SHA-256 compression
  double aes128_block = 0;  // one AES-128 block encryption (expanded key)
  double ed25519_sign = 0;
  double ed25519_verify = 0;
  double message_overhead = 0;  // fixed cost to take in or put out one message
};

// The same, in CPU cycles (converted with the clock frequency).
struct PrimitiveCycles {
  double sha256_block = 0;
  double aes128_block = 0;
  double ed25519_sign = 0;
  double ed25519_verify = 0;
  double message_overhead = 0;
};

class DeviceProfile {
 public:
  // A profile from measured (or otherwise known) times. Negative or NaN values count as 0.
  DeviceProfile(std::string name, PrimitiveCostsNs costs);
  // A profile from cycle counts at `clock_mhz` (> 0; otherwise every cost is 0).
  static DeviceProfile FromCycles(std::string name, const PrimitiveCycles& cycles,
                                  double clock_mhz);

  // Cortex-M4-class MCU (software crypto, no accelerator), 64 MHz by default.
  static DeviceProfile CortexM4(double clock_mhz = 64.0);
  // CPAN-class gateway: Cortex-A53, 1.2 GHz by default, OpenSSL without the ARMv8
  // cryptography extensions.
  static DeviceProfile CortexA53(double clock_mhz = 1200.0);
  // The cycle counts behind the two built-in profiles (estimates, see the .cc).
  static PrimitiveCycles CortexM4Cycles();
  static PrimitiveCycles CortexA53Cycles();

  const std::string& name() const { return name_; }
  const PrimitiveCostsNs& costs() const { return costs_; }

  // Costs of whole operations, rounded up to whole microseconds (the virtual clock's
  // resolution). The *Ns variants give the unrounded value.
  TimeUs Sha256Cost(size_t bytes) const;
  TimeUs HmacCost(size_t message_bytes, size_t key_bytes = 32, bool precomputed_pads = false) const;
  TimeUs AesCcmCost(size_t payload_bytes, size_t aad_bytes = 0) const;
  TimeUs Ed25519SignCost() const;
  TimeUs Ed25519VerifyCost() const;
  TimeUs MessageOverhead() const;

  double HmacCostNs(size_t message_bytes, size_t key_bytes = 32,
                    bool precomputed_pads = false) const;
  double AesCcmCostNs(size_t payload_bytes, size_t aad_bytes = 0) const;

  // Rounds a duration in nanoseconds up to microseconds (0 for values <= 0).
  static TimeUs CeilUs(double ns);

 private:
  std::string name_;
  PrimitiveCostsNs costs_;
};

}  // namespace vigil::sim
