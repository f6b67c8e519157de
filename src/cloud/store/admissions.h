// The life of an admission after `Admit` (patient_records.h): discharge, and the devices
// assigned to the patient's bed (docs/cloud.md, "Admissions, beds and devices").
//
// An admission row is one (patient, pseudonym, device kind, ward, bed) over [start_ms,
// end_ms). Admit makes the first, under the pseudonym the edge gives the patient.
// AssignDeviceToBed makes one per device put on the bed's patient, under the pseudonym
// the device's readings carry while its gateway assigns it no patient (the device's
// pseudonym, which the gateway reports in its inventory, device_inventory.h): it binds
// that pseudonym to the patient (BindPseudonym) and links the readings already stored
// under it, the same way Admit does, so that ingest attributes every later reading of
// the device to the patient by the one lookup it already makes.
//
// A device's pseudonym is stable, and a binding never moves (the patient's readers check
// that every reading's pseudonym is theirs): a device that was once on another patient is
// refused (kConstraint) rather than silently merging two patients' readings. Such a
// device is given to its next patient at the edge, whose readings then carry the
// patient's own pseudonym.
//
// Errors: kNotFound (no open admission in the bed, an unknown device, no open admission
// of the patient), kConstraint (above), kMisuse (a device that has not reported its
// pseudonym), kCrypto, the database's. Each call is one transaction (or the caller's).
// Not thread-safe (one Database connection).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

struct BedAssignment {
  int64_t patient_id = 0;
  int64_t admission_id = 0;
  size_t linked = 0;  // readings and alarms of the device stored before, linked now
};

Status AssignDeviceToBed(Database& db, const Keyring& keys, std::string_view ward,
                         std::string_view bed, std::string_view device_uid, int64_t now_ms,
                         BedAssignment* out);

// Ends every open admission row of the patient at now_ms (the bed and its devices are
// free again). `ended` (may be null) receives how many rows were closed.
Status Discharge(Database& db, int64_t patient_id, int64_t now_ms, size_t* ended);

// The bed of the open admission that names the device ("" and "" when none).
Status BedOfDevice(Database& db, std::string_view device_uid, std::string* ward, std::string* bed);

}  // namespace vigil::cloud
