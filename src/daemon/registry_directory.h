// The gateway's device directory: the registry, loaded into memory for the coordinator's
// lookups, with the common function written through (hardened, docs/protocol.md 9.5).
//
// R3 moves on at every confirmed association. If the gateway kept the move only in memory
// and restarted, it would check the device's next confirmation against an R3 the device
// no longer holds, and refuse it from then on. So a move must be in the registry (durably:
// synchronous=FULL) before the grant the device rolls on is sent. One durable write per
// grant would serialise a ward powering up on the disk (a sync each), so moves are staged
// and written together (group commit): UpdateCommonFunction updates the memory copy and
// stages the move; the coordinator then emits kPersist before the grant; the gateway,
// after a batch of input, writes every staged move in one transaction (Flush) and only
// then sends what the core queued (or, if the write failed, tells the core, which drops
// it: coordinator_core.h, PersistFailed). A staged move is never lost by a reload.
#pragma once

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
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

  ~RegistryDirectory() override;
  // Replaces the memory copy of a device as read from the registry (start-up, reload);
  // writes nothing. A move staged for the device and not yet written is kept (the
  // registry's copy is older).
  void Put(const EnrolledDevice& d);
  // The memory copy, with the common function read from the registry: gateways of other
  // wards sharing the file move it too (a device that changed wards since the last
  // reload). If the registry cannot be read, the memory copy is used; a record found
  // damaged is logged once (an error naming the uid) and the memory copy used. A device
  // with a staged move is read from memory only.
  bool Find(uint64_t uid, EnrolledDevice* out) const override;
  // The memory copy only: no registry read for a request nobody has answered yet.
  bool FindKeys(uint64_t uid, EnrolledDevice* out) const override { return memory_.Find(uid, out); }
  // Updates the memory copy and stages the move for the next Flush. False if the uid is
  // unknown (nothing changes).
  bool UpdateCommonFunction(const EnrolledDevice& d) override;
  // True when the registry may be behind the device (a restore since its last
  // confirmation, and no move staged since). Reads the registry.
  bool StaleSinceRestore(uint64_t uid) const override;
  // Writes every staged move in one transaction (one durable write). kOk also when
  // nothing was staged. On failure (an error is logged, `why` set) every move stays
  // staged for the next Flush, and the memory copies keep them: the coordinator, told
  // PersistFailed, sends nothing that depends on them.
  Error Flush(std::string* why = nullptr);
  bool dirty() const { return !staged_.empty(); }
  size_t staged() const { return staged_.size(); }
  size_t size() const { return memory_.size(); }

  // The registry's devices for a (re)load: the good records, with each damaged one left
  // out and logged (one error naming its uid, once until it reads well again), so that
  // one damaged record neither stops the gateway nor gets its device called an impostor.
  // Fails (kCorrupt, kIo...) only when the registry cannot be listed at all.
  Result<std::vector<DeviceRecord>> LoadDevices();
  // Uids whose record was damaged at the last LoadDevices or lookup.
  const std::set<uint64_t>& damaged() const { return damaged_; }

 private:
  void ReportDamaged(uint64_t uid, const std::string& message) const;

  Registry& registry_;
  Logger* log_;
  MemoryDirectory memory_;
  mutable std::set<uint64_t> damaged_;
  struct Move {  // the common-function fields of EnrolledDevice
    std::array<uint8_t, 32> r3{};
    std::array<uint8_t, 32> r3_prev{};
    bool has_prev = false;
    uint32_t generation = 0;
  };
  std::map<uint64_t, Move> staged_;  // uid -> its latest move, not yet written (secret)
};

}  // namespace vigil
