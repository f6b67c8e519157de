#include "sim/device_profile.h"

#include <cmath>
#include <utility>

namespace vigil::sim {

namespace {

size_t CeilDiv(size_t a, size_t b) { return (a + b - 1) / b; }

double NonNegative(double v) { return v > 0 ? v : 0; }  // also maps NaN to 0

}  // namespace

size_t Sha256Blocks(size_t bytes) { return CeilDiv(bytes + 9, 64); }

size_t HmacSha256Blocks(size_t message_bytes, size_t key_bytes, bool precomputed_pads) {
  size_t blocks = 0;
  if (key_bytes > 64) blocks += Sha256Blocks(key_bytes);  // K' = H(K)
  blocks += Sha256Blocks(64 + message_bytes);             // H((K' ^ ipad) || m)
  blocks += Sha256Blocks(64 + 32);                        // H((K' ^ opad) || inner)
  if (precomputed_pads) blocks -= 2;                      // the two keyed pad blocks
  return blocks;
}

size_t AesCcmBlocks(size_t payload_bytes, size_t aad_bytes) {
  size_t mac = 1 + CeilDiv(payload_bytes, 16);
  if (aad_bytes > 0) mac += CeilDiv(2 + aad_bytes, 16);
  const size_t ctr = 1 + CeilDiv(payload_bytes, 16);
  return mac + ctr;
}

DeviceProfile::DeviceProfile(std::string name, PrimitiveCostsNs costs)
    : name_(std::move(name)),
      costs_{NonNegative(costs.sha256_block), NonNegative(costs.aes128_block),
             NonNegative(costs.ed25519_sign), NonNegative(costs.ed25519_verify),
             NonNegative(costs.message_overhead)} {}

DeviceProfile DeviceProfile::FromCycles(std::string name, const PrimitiveCycles& c,
                                        double clock_mhz) {
  const double ns_per_cycle = clock_mhz > 0 ? 1000.0 / clock_mhz : 0.0;
  return DeviceProfile(
      std::move(name),
      PrimitiveCostsNs{c.sha256_block * ns_per_cycle, c.aes128_block * ns_per_cycle,
                       c.ed25519_sign * ns_per_cycle, c.ed25519_verify * ns_per_cycle,
                       c.message_overhead * ns_per_cycle});
}

// Cortex-M4 (ARMv7E-M), software crypto from flash, no accelerator. ESTIMATES:
// - SHA-256: a portable C SHA-256 measured on an STM32F405 (Cortex-M4, 168 MHz, flash
//   wait states) at about 1.95 MB/s, i.e. ~86 cycles/byte or ~5,500 cycles per 64-byte
//   block (MicroPython forum, "sha256 and the cortex M4", 2015). Mbed TLS-class C code
//   running from zero-wait-state flash at 64 MHz needs fewer cycles; we take 4,000.
// - AES-128: Schwabe and Stoffelen, "All the AES You Need on Cortex-M3 and M4" (SAC
//   2016), reach about 34 cycles/byte (~550 cycles/block) with hand-written assembly and
//   report prior software at more than twice that; we take 1,100 cycles per block for a
//   C implementation (table-based, not constant-time hardened).
// - Ed25519: the double-odd curves benchmark page (doubleodd.group) lists X25519 at
//   563,310 cycles on Cortex-M4. Signing is one fixed-base scalar multiplication plus two
//   SHA-512 passes, verification a double-scalar multiplication plus point
//   decompression; Fujii and Aranha ("Curve25519 for the Cortex-M4 and beyond",
//   LATINCRYPT 2017) give figures of that order. We take 700,000 and 1,600,000 cycles.
// - Per-message overhead: radio driver interrupt, frame copy and parsing; 10,000 cycles
//   (~156 µs at 64 MHz) is our assumption, not a published figure.
PrimitiveCycles DeviceProfile::CortexM4Cycles() {
  return PrimitiveCycles{4'000, 1'100, 700'000, 1'600'000, 10'000};
}

// Cortex-A53 (ARMv8-A, in-order dual issue), Linux, OpenSSL without the ARMv8
// cryptography extensions (as on a Raspberry Pi 3). ESTIMATES:
// - SHA-256 about 17 cycles/byte with OpenSSL's NEON/scalar assembly: 1,100 cycles/block.
// - AES-128 about 20 cycles/byte with the vector-permute (vpaes) code: 320 cycles/block.
//   (With the cryptography extensions both fall below 3 cycles/byte.)
// - Ed25519 with OpenSSL's portable 64-bit C: 250,000 cycles to sign, 700,000 to verify
//   (roughly 2-3 times the cycle counts of a desktop x86-64 core, whose 64x64-bit
//   multiplier is much faster than the A53's).
// - Per-message overhead of a Linux gateway: a UDP receive/send system call pair and
//   bookkeeping, ~24,000 cycles (20 µs at 1.2 GHz); an assumption.
PrimitiveCycles DeviceProfile::CortexA53Cycles() {
  return PrimitiveCycles{1'100, 320, 250'000, 700'000, 24'000};
}

DeviceProfile DeviceProfile::CortexM4(double clock_mhz) {
  return FromCycles("cortex-m4", CortexM4Cycles(), clock_mhz);
}

DeviceProfile DeviceProfile::CortexA53(double clock_mhz) {
  return FromCycles("cortex-a53", CortexA53Cycles(), clock_mhz);
}

TimeUs DeviceProfile::CeilUs(double ns) {
  if (!(ns > 0)) return 0;
  return static_cast<TimeUs>(std::ceil(ns / 1000.0));
}

double DeviceProfile::HmacCostNs(size_t message_bytes, size_t key_bytes,
                                 bool precomputed_pads) const {
  return static_cast<double>(HmacSha256Blocks(message_bytes, key_bytes, precomputed_pads)) *
         costs_.sha256_block;
}

double DeviceProfile::AesCcmCostNs(size_t payload_bytes, size_t aad_bytes) const {
  return static_cast<double>(AesCcmBlocks(payload_bytes, aad_bytes)) * costs_.aes128_block;
}

TimeUs DeviceProfile::Sha256Cost(size_t bytes) const {
  return CeilUs(static_cast<double>(Sha256Blocks(bytes)) * costs_.sha256_block);
}

TimeUs DeviceProfile::HmacCost(size_t message_bytes, size_t key_bytes,
                               bool precomputed_pads) const {
  return CeilUs(HmacCostNs(message_bytes, key_bytes, precomputed_pads));
}

TimeUs DeviceProfile::AesCcmCost(size_t payload_bytes, size_t aad_bytes) const {
  return CeilUs(AesCcmCostNs(payload_bytes, aad_bytes));
}

TimeUs DeviceProfile::Ed25519SignCost() const { return CeilUs(costs_.ed25519_sign); }

TimeUs DeviceProfile::Ed25519VerifyCost() const { return CeilUs(costs_.ed25519_verify); }

TimeUs DeviceProfile::MessageOverhead() const { return CeilUs(costs_.message_overhead); }

}  // namespace vigil::sim
