// First start of a device: move the provisioning bundle into the sealed key store.
//
// `vigil enroll` produces a bundle (plaintext secrets, owner-only file); a device keeps
// its secrets only in its KeyStore. On start, a store that already holds secrets wins and
// the bundle is not read; an empty store is filled from the bundle, read back to check
// the seal, and then (optionally) the bundle file is erased, so that the plaintext copy
// does not outlive the import.
#pragma once

#include <string>

#include "common/error.h"
#include "connection/keys.h"
#include "device/sealed_store.h"

namespace vigil {

enum class ProvisionOutcome : uint8_t {
  kAlreadySealed,  // the store held secrets; the bundle was not used
  kImported,       // the bundle was sealed into the store
};

// On success `out` holds the device's secrets (the caller wipes them when done) and
// `outcome` (may be null) says which path was taken. Errors: the store's errors
// (kCorrupt for a damaged store: the bundle is then NOT imported over it, since that
// would hide tampering; Zeroize first to re-provision), LoadBundle's errors when the
// store is empty. `why` (may be null) receives a one-line message.
Error ProvisionFromBundle(KeyStore& store, const std::string& bundle_path, bool erase_bundle,
                          DeviceSecrets* out, ProvisionOutcome* outcome, std::string* why);

}  // namespace vigil
