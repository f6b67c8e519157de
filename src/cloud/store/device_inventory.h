// The medical devices the cloud knows, as their gateways report them (the uplink's
// `device` messages, docs/uplink.md): kind, ward, state (associated, idle, revoked,
// tampered), firmware version, when the gateway last heard it, and the pseudonym its
// readings carry while the gateway assigns it no patient (table `devices`, migration 5).
//
// A report older than the one stored (reported_ms) changes nothing: redeliveries and
// reordering never roll a device's state back. A device reported by another gateway moves
// to it (a device re-enrolled elsewhere).
//
// The pseudonym is kept as a blind index and sealed under the device (FieldContext
// devices / pseudonym / "device:<uid>" / uid), never in clear.
// Errors: kNotFound (ReadDevice of an unknown device), kCrypto, the database's.
// Not thread-safe (one Database connection).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

struct InventoryDevice {
  std::string uid;  // 16 lowercase hex digits
  std::string gateway, site;
  std::string kind;  // uplink device kind name
  std::string ward;
  std::string state;             // associated | idle | revoked | tampered
  std::string firmware_version;  // empty: not reported
  int64_t last_seen_ms = 0;      // 0: not heard since the gateway started
  int64_t reported_ms = 0;
};

// Inserts or updates the device (see above). `pseudonym` may be empty (kept as it was).
Status UpsertDevice(Database& db, const Keyring& keys, const InventoryDevice& d,
                    std::string_view pseudonym);

// One device; `pseudonym` (may be null) receives its opened pseudonym ("" when none).
Status ReadDevice(Database& db, const Keyring& keys, std::string_view uid, InventoryDevice* out,
                  std::string* pseudonym);

// Every device, ordered by gateway then uid.
Status ListDevices(Database& db, std::vector<InventoryDevice>* out);

// Marks the device revoked as of `time_ms` (its gateway confirmed a revocation).
Status MarkDeviceRevoked(Database& db, std::string_view uid, int64_t time_ms);

}  // namespace vigil::cloud
