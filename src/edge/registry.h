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
// Storage: one SQLite file, mode 0600 (an existing file that group or others can access
// is refused, as ssh refuses keys), WAL journal, synchronous=FULL (a replay mark that is
// acknowledged but lost on power failure would reopen a replay window), a schema_version
// table and the SQLite header's application_id, parameterized statements only.
//
// Secrets at rest (schema version 3): Kd, R1, the enrollment R3, the current and previous
// common function and the CPAN's private key are sealed with AES-256-GCM (edge/
// record_cipher.h) under a master key kept in a separate key file (RegistryKeyPath), with
// the record's uid, revocation, generation and format as associated data. A record that
// fails authentication is kCorrupt naming its uid; the other records keep working.
//
// A file is never created or rewritten by accident: Open() takes existing registries only
// and checks, before any write or pragma, that the file is non-empty, has an SQLite
// header, and (opened read-only) is a Vigil registry of a version this build knows.
// Anything else is refused with the file left byte for byte as it was. Create() makes a
// new registry where no file exists (vigil enroll's first run).
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
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "connection/crypto/provider.h"
#include "connection/device_identity.h"
#include "connection/keys.h"
#include "edge/record_cipher.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vigil {

// Version 2 added the common-function state; version 3 seals the secrets (record_cipher.h).
// Version-1 and -2 files are migrated in place at Open(), in one transaction (version 1:
// generation 0, no previous R3), creating the key file if there is none.
inline constexpr int kRegistrySchemaVersion = 3;
// The SQLite header's application_id of a version-3 registry ("VGRG"); older versions
// have 0 and are recognised by their tables.
inline constexpr uint32_t kRegistryApplicationId = 0x56475247;
// Names the master key file when Open()/Create() are not given one.
inline constexpr const char kRegistryKeyEnv[] = "VIGIL_REGISTRY_KEY";

// The key file of `registry_path`: `key_path` if not empty, else $VIGIL_REGISTRY_KEY if
// set and not empty, else `<registry_path>.key`.
std::string RegistryKeyPath(const std::string& registry_path, const std::string& key_path = "");

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
  // Set for every device when the registry was restored from a backup (MarkRestored), and
  // cleared by the device's next SaveCommonFunction. While set, the stored common function
  // may be older than the device's (it may have moved after the backup was taken): a
  // failed confirmation is then "registry restored from backup: re-provision this
  // device", not evidence of an impostor. Ignored by AddDevice.
  bool stale_since_restore = false;
  int64_t restored_at = 0;  // unix seconds of the restore, 0 unless stale_since_restore
};

// A record that failed authentication (or does not parse) when listed.
struct DamagedRecord {
  uint64_t uid = 0;
  std::string message;  // one line naming the registry file and the uid
};

// Fills uid, kd, r1, r3 and the common-function state of `out` from a device's secrets
// (Algorithm 1 of seed 000; generation 0: r3_current = r3, no previous R3); leaves the
// other fields alone. Errors come from the crypto provider.
Error DeviceRecordFromSecrets(CryptoProvider& crypto, const DeviceSecrets& secrets,
                              DeviceRecord* out);

// One device's common function as the coordinator stores it (SaveCommonFunctions).
struct CommonFunctionState {
  uint64_t uid = 0;
  std::array<uint8_t, kSha256Size> r3{};
  std::array<uint8_t, kSha256Size> r3_prev{};  // meaningful with has_prev only
  bool has_prev = false;
  uint32_t generation = 0;
};

// The coordinator's persisted replay marks for one device.
struct ReplayCounters {
  uint64_t tx_ceiling = 0;  // the coordinator never sends a counter at or above this
  uint64_t rx_high = 0;     // highest counter accepted from the device
};

// True for "host:port" with a non-empty host (a name, IPv4, or [IPv6]) and port 1..65535.
bool IsValidEndpointHint(std::string_view hint);

// Restores `backup_path` (a Registry::Backup file, or a copy of a registry of an older
// schema) to `registry_path`, which must not exist, nor its -wal file (kInvalidState: stop
// the gateway and move the current file aside first). The backup file is not modified:
// it is copied (SQLite backup API) to a temporary file beside `registry_path`, opened
// there with the key of RegistryKeyPath(registry_path, key_path) (an older schema is
// migrated there), checked record by record (a damaged record: kCorrupt, nothing is
// restored), marked with MarkRestored(now_unix), and moved into place. `devices`, if not
// null, receives the number of devices restored. `why` receives a one-line message.
Error RestoreRegistry(const std::string& backup_path, const std::string& registry_path,
                      const std::string& key_path, int64_t now_unix, size_t* devices,
                      std::string* why);

class Registry {
 public:
  Registry() = default;
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Opens the existing registry `path` with the master key of RegistryKeyPath(path,
  // key_path). Before anything is written the file must be a non-empty SQLite file, and,
  // opened read-only, pass PRAGMA quick_check and hold a Vigil schema of a known version:
  // otherwise kCorrupt (or kNotFound when it does not exist) and the file is not touched.
  // Then an older schema is migrated (a missing key file is created for it), and the key
  // must match the registry (kCorrupt otherwise; kNotFound for a missing key file of a
  // version-3 registry). Calling Open twice closes the first file.
  Error Open(const std::string& path, const std::string& key_path = "");
  // Creates a new, empty registry at `path` (mode 0600), which must not exist
  // (kInvalidState otherwise), with the current schema. The key file is created too
  // (mode 0600), or reused if it already exists and is valid.
  Error Create(const std::string& path, const std::string& key_path = "");
  void Close();
  bool is_open() const { return db_ != nullptr; }
  const std::string& path() const { return path_; }
  const std::string& key_path() const { return key_path_; }
  const std::string& last_error() const { return last_error_; }
  // After a successful Open/Create: a line worth telling the operator (a migration, a
  // key file created or reused), else empty.
  const std::string& notice() const { return notice_; }

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
  // A record that fails authentication is kCorrupt, with last_error() naming the uid.
  Result<DeviceRecord> FindDevice(uint64_t uid);
  // All devices, by creation time then uid. The records hold Kd/R1/R3: do not print them.
  // Both also return the current common-function state. A damaged record: with `damaged`
  // null, the whole call fails with kCorrupt naming it; with `damaged` given, it is
  // appended there (uid and message) and the good records are returned.
  Result<std::vector<DeviceRecord>> ListDevices(std::vector<DamagedRecord>* damaged = nullptr);
  // Marks the device revoked (idempotent). kNotFound for an unknown uid, kCorrupt if its
  // record is damaged (revocation is sealed with the record).
  Error Revoke(uint64_t uid);
  // Replaces an enrolled device's Kd, R1 and R3 (re-provisioning with fresh secrets);
  // its common function restarts at generation 0 and its replay marks at zero; name,
  // kind, ward, endpoint and creation time are kept. kNotFound, kInvalidState if revoked.
  Error ReplaceDeviceSecrets(const DeviceRecord& record);

  // Writes a consistent snapshot of the registry (WAL content included: SQLite's online
  // backup API) to the new file `out_path` (mode 0600; kInvalidState if it exists), as a
  // single file (rollback journal mode). The key file is not part of it.
  Error Backup(const std::string& out_path);
  // Flags every device stale_since_restore (restored_at = now_unix), in one transaction.
  Error MarkRestored(int64_t now_unix);
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
  // Clears stale_since_restore: the device and the registry agree again.
  Error SaveCommonFunction(uint64_t uid, const std::array<uint8_t, kSha256Size>& r3,
                           const std::array<uint8_t, kSha256Size>* r3_prev_or_null,
                           uint32_t generation);
  // The same for several devices in one transaction, hence one durable write however
  // many there are (the gateway's group commit: the moves of every association granted in
  // one batch of input). All or nothing: on any error (kNotFound for an unknown uid
  // included) none is stored.
  Error SaveCommonFunctions(std::span<const CommonFunctionState> states);

 private:
  Error Fail(Error e, std::string message);
  Error FailSqlite(std::string_view what);
  Error Exec(const char* sql, std::string_view what = "cannot access");
  Error Prepare(const char* sql, sqlite3_stmt** stmt);
  // Read-only checks of an existing file; nothing is written. Sets *version.
  Error Probe(int64_t* version);
  Error QuickCheck();
  Error LoadKey(bool create_if_missing);
  Error Configure();
  Error PrepareAll();
  Error CheckKey();
  // Brings a version-1 or -2 file to version 3, under a write lock (another process may
  // be migrating it at the same time), in one transaction.
  Error Migrate();
  Error MigrateLocked(int64_t version);
  Result<int64_t> SchemaVersion();
  Error ReadDevice(sqlite3_stmt* stmt, DeviceRecord* out);
  Error WriteCommonFunction(uint64_t uid, const std::array<uint8_t, kSha256Size>& r3,
                            const std::array<uint8_t, kSha256Size>* r3_prev_or_null,
                            uint32_t generation, int64_t restored_at);
  Error SealDevice(const DeviceRecord& r, std::vector<uint8_t>* out);
  std::string Damaged(uint64_t uid, std::string_view what) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* find_device_ = nullptr;
  sqlite3_stmt* save_counters_ = nullptr;
  sqlite3_stmt* load_counters_ = nullptr;
  sqlite3_stmt* save_common_function_ = nullptr;
  std::string path_;
  std::string key_path_;
  std::string last_error_;
  std::string notice_;
  RecordCipher cipher_;
};

}  // namespace vigil
