// The gateway's device directory: the registry, loaded into memory for the coordinator's
// lookups, with the common function written through (hardened, docs/protocol.md 9.5).
//
// R3 moves on at every confirmed association. If the gateway kept the move only in memory
// and restarted, it would check the device's next confirmation against an R3 the device
// no longer holds, and refuse it from then on. So UpdateCommonFunction writes the registry
// first (durably: synchronous=FULL) and the memory copy only once that succeeded; a
// failed write returns false, and the coordinator refuses that association rather than
// grant one the two ends would disagree on after a restart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "connection/device_directory.h"

namespace vigil {

class Logger;
class Registry;
struct DeviceRecord;
template <typename T>
class Result;

// The coordinator's view of a registry record (uid, keys, the common function as it last
// moved, revocation).
EnrolledDevice FromRecord(const DeviceRecord& r);

class RegistryDirectory final : public DeviceDirectory {
 public:
  // REQUIRES: `registry` is open and, with `log`, outlives the directory. `log` may be null.
  RegistryDirectory(Registry& registry, Logger* log) : registry_(registry), log_(log) {}

  // Replaces the memory copy of a device as read from the registry (start-up, reload);
  // writes nothing.
  void Put(const EnrolledDevice& d) { memory_.Put(d); }
  // The memory copy, with the common function read from the registry: gateways of other
  // wards sharing the file move it too (a device that changed wards since the last
  // reload). If the registry cannot be read, the memory copy is used; a record found
  // damaged is logged once (an error naming the uid) and the memory copy used.
  bool Find(uint64_t uid, EnrolledDevice* out) const override;
  // The memory copy only: no registry read for a request nobody has answered yet.
  bool FindKeys(uint64_t uid, EnrolledDevice* out) const override { return memory_.Find(uid, out); }
  // Registry first, then memory. False (and an error logged) if the uid is unknown or the
  // registry write failed; the memory copy is then unchanged.
  bool UpdateCommonFunction(const EnrolledDevice& d) override;
  size_t size() const { return memory_.size(); }

  // The registry's devices for a (re)load: the good records, with each damaged one left
  // out and logged (one error naming its uid, once until it reads well again), so that
  // one damaged record neither stops the gateway nor gets its device called an impostor.
  // Fails (kCorrupt, kIo...) only when the registry cannot be listed at all.
  Result<std::vector<DeviceRecord>> LoadDevices();
  // True while the registry was restored from a backup and this device has not confirmed
  // since (DeviceRecord::stale_since_restore): its failed confirmation means "registry
  // restored from backup: re-provision this device", not an impostor. Reads the registry.
  bool StaleSinceRestore(uint64_t uid) const;
  // Uids whose record was damaged at the last LoadDevices or lookup.
  const std::set<uint64_t>& damaged() const { return damaged_; }

 private:
  void ReportDamaged(uint64_t uid, const std::string& message) const;

  Registry& registry_;
  Logger* log_;
  MemoryDirectory memory_;
  mutable std::set<uint64_t> damaged_;
};

}  // namespace vigil
