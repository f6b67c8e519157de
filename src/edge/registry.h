// The CPAN's registry of enrolled devices (seed 000, "key personalization"), over SQLite.
//
// What the coordinator keeps about a device is the least it needs to authenticate it:
// Kd, R1 = HMAC(username, password) (the credential key: the password itself is never
// stored) and R3, the result of Algorithm 1 (the common function). Secretkey2 stays
// sealed on the device; R3 is what the coordinator compares a confirmation answer with.
// The registry also holds the CPAN's own identity (uid and Ed25519 signing key), the
// per-device replay marks the coordinator must not lose across restarts, and (hardened,
// docs/protocol.md 9.5) each device's current common function: R3 moves on at every
// confirmed association, and a gateway that forgot the move would refuse the device.
// The enrollment R3 is kept as enrolled, beside the current one.
//
// Storage: one SQLite file, mode 0600 (it holds Kd and the CPAN's private key; an
// existing file that group or others can access is refused, as ssh refuses keys), WAL
// journal, synchronous=FULL (a replay mark that is acknowledged but lost on power failure
// would reopen a replay window), a schema_version table, parameterized statements only.
//
// Errors: every failing call returns an Error and sets last_error() to a one-line message
// naming the file and the cause. kIo: the file cannot be opened or written; kCorrupt: the
// file is not a Vigil registry, is damaged, or holds a value of the wrong size; kNotFound:
// no such device / no CPAN identity yet; kInvalidArgument: a bad parameter or a uid that
// is already enrolled; kInvalidState: the call needs Open() first, or the file is too open.
//
// Not thread-safe: one Registry per thread. Several processes may open the same file
// (SQLite locking; a busy file is waited on for up to 5 s).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "connection/crypto/provider.h"
#include "connection/device_identity.h"
#include "connection/keys.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vigil {

// Version 2 added the common-function state; a version-1 file is migrated in place at
// Open() (its devices: generation 0, no previous R3).
inline constexpr int kRegistrySchemaVersion = 2;

struct CpanIdentity {
  uint64_t uid = 0;
  std::array<uint8_t, kEd25519PrivateKeySize> sign_priv{};
  std::array<uint8_t, kEd25519PublicKeySize> sign_pub{};
  int64_t created_at = 0;  // unix seconds
};

struct DeviceRecord {
  uint64_t uid = 0;
  std::array<uint8_t, kKdSize> kd{};
  std::array<uint8_t, kSha256Size> r1{};  // HMAC-SHA256(username, password)
  std::array<uint8_t, kSha256Size> r3{};  // Algorithm 1 result, as enrolled (never moves)
  // The common function as it stands now (hardened, docs/protocol.md 9.5): what
  // confirmations are checked against. Equal to `r3` at generation 0. `r3_prev` is
  // meaningful only with `has_prev` (the R3 still accepted until the device's first
  // authenticated frame after the move).
  std::array<uint8_t, kSha256Size> r3_current{};
  std::array<uint8_t, kSha256Size> r3_prev{};
  bool has_prev = false;
  uint32_t r3_generation = 0;  // associations that moved R3 since enrollment
  std::string name;            // display name
  DeviceKind kind = DeviceKind::kOther;
  std::string ward;
  bool revoked = false;
  std::string endpoint_hint;  // "host:port" of a static UDP endpoint, or empty
  int64_t created_at = 0;     // unix seconds
};

// Fills uid, kd, r1, r3 and the common-function state of `out` from a device's secrets
// (Algorithm 1 of seed 000; generation 0: r3_current = r3, no previous R3); leaves the
// other fields alone. Errors come from the crypto provider.
Error DeviceRecordFromSecrets(CryptoProvider& crypto, const DeviceSecrets& secrets,
                              DeviceRecord* out);

// The coordinator's persisted replay marks for one device.
struct ReplayCounters {
  uint64_t tx_ceiling = 0;  // the coordinator never sends a counter at or above this
  uint64_t rx_high = 0;     // highest counter accepted from the device
};

// True for "host:port" with a non-empty host (a name, IPv4, or [IPv6]) and port 1..65535.
bool IsValidEndpointHint(std::string_view hint);

class Registry {
 public:
  Registry() = default;
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Opens `path`, creating it (mode 0600) with the current schema if it does not exist.
  // An existing file is integrity-checked (PRAGMA quick_check) and its schema version
  // must be one this build knows. Calling Open twice closes the first file.
  Error Open(const std::string& path);
  void Close();
  bool is_open() const { return db_ != nullptr; }
  const std::string& path() const { return path_; }
  const std::string& last_error() const { return last_error_; }

  // The CPAN identity, or kNotFound when none was created yet.
  Result<CpanIdentity> LoadCpanIdentity();
  // Returns the stored identity, creating it first if absent: a random uid (assignable,
  // see IsAssignableUid) and an Ed25519 key pair from `rng`. Created once per registry;
  // later calls return the same identity.
  Result<CpanIdentity> EnsureCpanIdentity(CryptoProvider& crypto, RandomSource& rng,
                                          int64_t now_unix);

  // Enrolls a device. kInvalidArgument if the uid is not assignable, is already enrolled,
  // or the endpoint hint is malformed. The common function starts at generation 0 from
  // `r3` (the record's r3_current, r3_prev, has_prev and r3_generation are ignored).
  Error AddDevice(const DeviceRecord& record);
  // The device's record (revoked ones included: check `revoked`), or kNotFound.
  // Called by the coordinator on every association, so the statement stays prepared.
  Result<DeviceRecord> FindDevice(uint64_t uid);
  // All devices, by creation time then uid. The records hold Kd/R1/R3: do not print them.
  // Both also return the current common-function state (kCorrupt if it is damaged).
  Result<std::vector<DeviceRecord>> ListDevices();
  // Marks the device revoked (idempotent). kNotFound for an unknown uid.
  Error Revoke(uint64_t uid);
  // Sets (or, with an empty hint, clears) the static endpoint. kNotFound, kInvalidArgument.
  Error SetEndpointHint(uint64_t uid, std::string_view hint);

  // Persists the coordinator's replay marks for a device, durably before returning.
  // Stored as given (the coordinator decides when marks may move). Values must be below
  // 2^63 (SQLite integers are signed): kInvalidArgument otherwise. kNotFound for an
  // unknown uid.
  Error SaveCounters(uint64_t uid, uint64_t tx_ceiling, uint64_t rx_high);
  // The marks last saved, zeros if never saved; kNotFound for an unknown uid.
  Result<ReplayCounters> LoadCounters(uint64_t uid);

  // Stores a device's current common function (hardened, docs/protocol.md 9.5): its R3,
  // the previous R3 still accepted (null: none) and the generation. Stored as given (the
  // coordinator decides when it moves), durably before returning: the grant that depends
  // on it is sent next. kNotFound for an unknown uid. The enrollment R3 is not changed.
  Error SaveCommonFunction(uint64_t uid, const std::array<uint8_t, kSha256Size>& r3,
                           const std::array<uint8_t, kSha256Size>* r3_prev_or_null,
                           uint32_t generation);

 private:
  Error Fail(Error e, std::string message);
  Error FailSqlite(std::string_view what);
  Error Exec(const char* sql, std::string_view what = "cannot access");
  Error Prepare(const char* sql, sqlite3_stmt** stmt);
  Error CreateOrCheckSchema();
  // Brings a version-1 file to version 2, under a write lock (another process may be
  // migrating it at the same time).
  Error MigrateFromV1();
  Result<int64_t> SchemaVersion();
  Error ReadDevice(sqlite3_stmt* stmt, DeviceRecord* out);
  Error DeviceExists(uint64_t uid);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* find_device_ = nullptr;
  sqlite3_stmt* save_counters_ = nullptr;
  sqlite3_stmt* load_counters_ = nullptr;
  sqlite3_stmt* save_common_function_ = nullptr;
  std::string path_;
  std::string last_error_;
};

}  // namespace vigil
