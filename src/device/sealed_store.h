// The device's key store (seed 002, device layer: "keys in a tamper-proof store", tamper
// response). KeyStore is the boundary a secure element, TPM or PKCS#11 token would
// implement; SealedFileStore is the file-backed stand-in used by `vigil device` and the
// testbed.
//
// A store holds one device's secrets (DeviceSecrets) and the state the device must not
// lose across a reboot: counters (or it would reuse a frame counter under the same key
// or accept a replay) and, hardened, its current common function R3 (which moves on at
// every confirmed association: a device that forgot the move is refused from then on).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "connection/crypto/provider.h"
#include "connection/keys.h"

namespace vigil {

struct PersistedCounters {
  uint64_t tx_ceiling = 0;         // the device never sends a counter at or above this
  uint64_t rx_high = 0;            // replay high-water mark of frames from the CPAN
  uint64_t broadcast_epoch = 0;    // broadcast key epoch last accepted
  uint64_t broadcast_counter = 0;  // highest broadcast counter accepted in that epoch
  // The common function as it last moved (hardened, docs/protocol.md 9.5). A secret, like
  // the keys: it lives in the sealed plaintext. has_r3 false: not moved since the secrets
  // were sealed, R3 is Algorithm 1's.
  bool has_r3 = false;
  uint32_t r3_generation = 0;
  std::array<uint8_t, 32> r3{};
  // The lowest MCUboot security counter the device boots (anti-rollback,
  // device/firmware/secure_boot.h). Raised only once an image with a higher counter has
  // verified and run; never lowered.
  uint32_t firmware_security_counter = 0;
  bool operator==(const PersistedCounters&) const = default;
};

// Contract for every back-end:
//  - Load / LoadCounters return kNotFound when nothing is sealed (first start, or after
//    Zeroize) and kCorrupt when the sealed copy fails authentication; a corrupt copy is
//    never modified or removed by the store (only Zeroize removes it).
//  - Seal replaces the secrets and resets the counters (and the R3 state) to zero: new
//    keys, new counter space, Algorithm 1's R3. SaveCounters needs sealed secrets
//    (kNotFound otherwise) and stores every field of PersistedCounters.
//  - Writes are atomic: after a failure or power loss the previous sealed copy is intact.
//  - Zeroize destroys the secrets and the key that protects them, in storage and in
//    memory. It is idempotent and tries every step even if one fails.
//  - last_error() describes the last failure in one line.
//  - Copies handed out (Load) belong to the caller, who wipes them (SecureZero).
class KeyStore {
 public:
  virtual ~KeyStore() = default;
  virtual Error Load(DeviceSecrets* out) = 0;
  virtual Error Seal(const DeviceSecrets& secrets) = 0;
  virtual Error LoadCounters(PersistedCounters* out) = 0;
  virtual Error SaveCounters(const PersistedCounters& counters) = 0;
  virtual Error Zeroize() = 0;
  virtual const std::string& last_error() const = 0;
};

// Sealed file layout (all integers little-endian):
//   magic      8  "VGSEAL01" (the format tag)
//   uid        8  whose secrets these are (readable without the key, bound by the AAD)
//   nonce     13  random per write
//   length     2  ciphertext length
//   ciphertext    the plaintext below, AES-128-CCM
//   tag       16
// AAD = magic || uid. Plaintext (version 3): version (1 byte, = 3), uid, cpan_uid, kd,
// secretkey2, username (length byte + bytes), password (same), cpan_sign_pub, the four
// counters (u64), then has_r3 (1 byte, 0 or 1), r3_generation (u32), r3 (32; zeros
// without has_r3); version 3 then adds firmware_security_counter (u32). Version 1 ends
// after the counters, version 2 after r3; both still load (has_r3 = false, counter 0).
// Anything else that authenticates but does not parse exactly is kCorrupt.
inline constexpr char kSealedMagic[8] = {'V', 'G', 'S', 'E', 'A', 'L', '0', '1'};
inline constexpr size_t kSealedTagSize = 16;
inline constexpr size_t kDeviceKeySize = kAes128KeySize;

// The file-backed store. The device-unique key sits in its own file (16 raw bytes, mode
// 0600): it stands in for a key fused into a secure element, and may live on another
// medium than the sealed file.
//
// REQUIRES: `crypto` and `rng` outlive the store. Not thread-safe.
class SealedFileStore final : public KeyStore {
 public:
  SealedFileStore(CryptoProvider& crypto, RandomSource& rng, std::string sealed_path,
                  std::string device_key_path);
  ~SealedFileStore() override;
  SealedFileStore(const SealedFileStore&) = delete;
  SealedFileStore& operator=(const SealedFileStore&) = delete;

  // Loads the device key; when neither the key nor a sealed file exists (a factory-fresh
  // device), creates the key from `rng`. A sealed file without its key is kNotFound
  // (it can never be opened again: re-provision). A key file that is too open, or not
  // exactly 16 bytes, is refused. Must succeed before any other call (kInvalidState).
  Error Open();

  Error Load(DeviceSecrets* out) override;
  Error Seal(const DeviceSecrets& secrets) override;
  Error LoadCounters(PersistedCounters* out) override;
  Error SaveCounters(const PersistedCounters& counters) override;
  Error Zeroize() override;
  const std::string& last_error() const override { return last_error_; }

  const std::string& sealed_path() const { return sealed_path_; }
  const std::string& device_key_path() const { return device_key_path_; }

 private:
  struct State {
    DeviceSecrets secrets;
    PersistedCounters counters;
  };
  Error Fail(Error e, std::string message);
  // Nothing is cached: every call reads and authenticates the file, so no plaintext
  // outlives a call and a modified file is noticed at the next access.
  Error ReadState(State* out);
  Error WriteState(const State& state);

  CryptoProvider& crypto_;
  RandomSource& rng_;
  std::string sealed_path_;
  std::string device_key_path_;
  KeyHandle key_;  // the device key, held inside the provider
  bool zeroized_ = false;
  std::string last_error_;
};

}  // namespace vigil
