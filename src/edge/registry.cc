#include "edge/registry.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "common/hex.h"
#include "common/private_file.h"

namespace vigil {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// Version 1 of the schema. Blob sizes are checked by the database too, so that a record
// written by another tool cannot hold a key of the wrong length.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE schema_version (
  version INTEGER NOT NULL
);
CREATE TABLE cpan_identity (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  uid        INTEGER NOT NULL,
  sign_priv  BLOB NOT NULL CHECK (length(sign_priv) = 32),
  sign_pub   BLOB NOT NULL CHECK (length(sign_pub) = 32),
  created_at INTEGER NOT NULL
);
CREATE TABLE devices (
  uid           INTEGER PRIMARY KEY,
  kd            BLOB NOT NULL CHECK (length(kd) = 16),
  r1            BLOB NOT NULL CHECK (length(r1) = 32),
  r3            BLOB NOT NULL CHECK (length(r3) = 32),
  name          TEXT NOT NULL,
  kind          TEXT NOT NULL,
  ward          TEXT NOT NULL,
  revoked       INTEGER NOT NULL DEFAULT 0,
  endpoint_hint TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);
CREATE TABLE counters (
  uid        INTEGER PRIMARY KEY REFERENCES devices(uid) ON DELETE CASCADE,
  tx_ceiling INTEGER NOT NULL,
  rx_high    INTEGER NOT NULL
);
INSERT INTO schema_version (version) VALUES (1);
)sql";

// Version 2: the common function as it moves (hardened, docs/protocol.md 9.5). A table of
// its own rather than columns of `devices`: devices.r3 stays the enrollment value, and a
// device with no row here is at generation 0 (r3 as enrolled, no previous R3), which is
// what a migrated version-1 file holds. A new file is version 1 plus this step, so new
// and migrated files have the same schema.
constexpr const char* kMigrateV1ToV2 = R"sql(
CREATE TABLE common_function (
  uid        INTEGER PRIMARY KEY REFERENCES devices(uid) ON DELETE CASCADE,
  r3         BLOB NOT NULL CHECK (length(r3) = 32),
  r3_prev    BLOB CHECK (r3_prev IS NULL OR length(r3_prev) = 32),
  generation INTEGER NOT NULL CHECK (generation BETWEEN 0 AND 4294967295)
);
UPDATE schema_version SET version = 2;
)sql";

// No common_function row reads as NULLs: R3 has not moved since enrollment.
constexpr const char* kFindDeviceSql =
    "SELECT d.uid, d.kd, d.r1, d.r3, d.name, d.kind, d.ward, d.revoked, d.endpoint_hint, "
    "d.created_at, cf.r3, cf.r3_prev, cf.generation "
    "FROM devices d LEFT JOIN common_function cf ON cf.uid = d.uid WHERE d.uid = ?1";
constexpr const char* kListDevicesSql =
    "SELECT d.uid, d.kd, d.r1, d.r3, d.name, d.kind, d.ward, d.revoked, d.endpoint_hint, "
    "d.created_at, cf.r3, cf.r3_prev, cf.generation "
    "FROM devices d LEFT JOIN common_function cf ON cf.uid = d.uid";
constexpr const char* kSaveCountersSql =
    "INSERT INTO counters (uid, tx_ceiling, rx_high) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (uid) DO UPDATE SET tx_ceiling = excluded.tx_ceiling, "
    "rx_high = excluded.rx_high";
constexpr const char* kSaveCommonFunctionSql =
    "INSERT INTO common_function (uid, r3, r3_prev, generation) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (uid) DO UPDATE SET r3 = excluded.r3, r3_prev = excluded.r3_prev, "
    "generation = excluded.generation";
constexpr const char* kLoadCountersSql =
    "SELECT c.tx_ceiling, c.rx_high FROM devices d LEFT JOIN counters c ON c.uid = d.uid "
    "WHERE d.uid = ?1";

// Uids are unsigned 64-bit; SQLite integers are signed. The bit pattern is stored as is.
int64_t ToDb(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t FromDb(int64_t v) { return static_cast<uint64_t>(v); }

// Resets a kept statement (or finalizes a one-off) when leaving scope, so that no read
// transaction stays open and no bound pointer outlives the call.
class StmtGuard {
 public:
  StmtGuard(sqlite3_stmt* s, bool owned) : s_(s), owned_(owned) {}
  ~StmtGuard() {
    if (s_ == nullptr) return;
    if (owned_) {
      sqlite3_finalize(s_);
    } else {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  StmtGuard(const StmtGuard&) = delete;
  StmtGuard& operator=(const StmtGuard&) = delete;

 private:
  sqlite3_stmt* s_;
  bool owned_;
};

template <size_t N>
bool ColumnBlob(sqlite3_stmt* s, int col, std::array<uint8_t, N>* out) {
  const void* p = sqlite3_column_blob(s, col);
  int n = sqlite3_column_bytes(s, col);
  if (p == nullptr || n != static_cast<int>(N)) return false;
  std::memcpy(out->data(), p, N);
  return true;
}

std::string ColumnText(sqlite3_stmt* s, int col) {
  const unsigned char* p = sqlite3_column_text(s, col);
  int n = sqlite3_column_bytes(s, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

int BindBlob(sqlite3_stmt* s, int idx, ByteSpan b) {
  return sqlite3_bind_blob(s, idx, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
}
int BindText(sqlite3_stmt* s, int idx, std::string_view t) {
  return sqlite3_bind_text(s, idx, t.data(), static_cast<int>(t.size()), SQLITE_STATIC);
}

bool IsHostChar(char c, bool bracketed) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (c == '.' || c == '-') return true;
  return bracketed && (c == ':' || c == '%');
}

}  // namespace

Error DeviceRecordFromSecrets(CryptoProvider& crypto, const DeviceSecrets& secrets,
                              DeviceRecord* out) {
  if (Error e = CommonFunctionR1(crypto, secrets.username.span(), secrets.password.span(), out->r1);
      e != Error::kOk)
    return e;
  if (Error e = CommonFunctionR3(crypto, secrets, out->r3); e != Error::kOk) return e;
  out->uid = secrets.uid;
  out->kd = secrets.kd;
  out->r3_current = out->r3;
  out->r3_prev = {};
  out->has_prev = false;
  out->r3_generation = 0;
  return Error::kOk;
}

bool IsValidEndpointHint(std::string_view hint) {
  size_t colon = hint.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = hint.substr(0, colon);
  std::string_view port = hint.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  if (p == 0 || p > 65535) return false;
  bool bracketed = host.front() == '[';
  if (bracketed) {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  for (char c : host)
    if (!IsHostChar(c, bracketed)) return false;
  return true;
}

Registry::~Registry() { Close(); }

void Registry::Close() {
  sqlite3_finalize(find_device_);
  sqlite3_finalize(save_counters_);
  sqlite3_finalize(load_counters_);
  sqlite3_finalize(save_common_function_);
  find_device_ = save_counters_ = load_counters_ = save_common_function_ = nullptr;
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Error Registry::Fail(Error e, std::string message) {
  last_error_ = std::move(message);
  return e;
}

Error Registry::FailSqlite(std::string_view what) {
  int code = db_ != nullptr ? sqlite3_errcode(db_) : SQLITE_CANTOPEN;
  std::string msg = "registry " + path_ + ": " + std::string(what) + ": " +
                    (db_ != nullptr ? sqlite3_errmsg(db_) : "cannot open");
  switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Fail(Error::kCorrupt,
                  msg + " (not a Vigil registry, or damaged; restore it from a backup)");
    default:
      return Fail(Error::kIo, msg);
  }
}

Error Registry::Exec(const char* sql, std::string_view what) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return FailSqlite(what);
  }
  return Error::kOk;
}

Error Registry::Prepare(const char* sql, sqlite3_stmt** stmt) {
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK)
    return FailSqlite("cannot prepare statement");
  return Error::kOk;
}

Error Registry::Open(const std::string& path) {
  Close();
  path_ = path;
  last_error_.clear();

  // Create the file ourselves so that it is 0600 from its first byte; SQLite then gives
  // its -wal and -shm files the same permissions.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd >= 0) {
    ::fchmod(fd, S_IRUSR | S_IWUSR);
    ::close(fd);
  } else if (errno != EEXIST) {
    return Fail(Error::kIo,
                "registry " + path + ": cannot create: " + std::string(std::strerror(errno)));
  }
  std::string why;
  if (Error e = CheckOwnerOnly(path, &why); e != Error::kOk) return Fail(e, "registry " + why);

  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Error e = FailSqlite("cannot open");
    Close();
    return e;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);

  // The first statement reads the header: a file that is not SQLite fails here.
  Error e = Exec("PRAGMA journal_mode = WAL", "cannot read");
  if (e == Error::kOk) e = Exec("PRAGMA synchronous = FULL");
  if (e == Error::kOk) e = Exec("PRAGMA foreign_keys = ON");
  if (e == Error::kOk) e = Exec("PRAGMA secure_delete = ON");  // old key bytes are erased
  if (e == Error::kOk) e = CreateOrCheckSchema();
  if (e == Error::kOk) e = Prepare(kFindDeviceSql, &find_device_);
  if (e == Error::kOk) e = Prepare(kSaveCountersSql, &save_counters_);
  if (e == Error::kOk) e = Prepare(kLoadCountersSql, &load_counters_);
  if (e == Error::kOk) e = Prepare(kSaveCommonFunctionSql, &save_common_function_);
  if (e != Error::kOk) Close();
  return e;
}

Error Registry::CreateOrCheckSchema() {
  // quick_check reads every page: a truncated or damaged file is reported here, at open,
  // instead of as a surprise in the middle of an association.
  {
    sqlite3_stmt* s = nullptr;
    if (Error e = Prepare("PRAGMA quick_check(1)", &s); e != Error::kOk) return e;
    StmtGuard g(s, true);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return FailSqlite("integrity check failed");
    std::string verdict = ColumnText(s, 0);
    if (verdict != "ok")
      return Fail(Error::kCorrupt,
                  "registry " + path_ + ": damaged (" + verdict + "); restore it from a backup");
  }
  int tables = 0;
  bool has_version_table = false;
  {
    sqlite3_stmt* s = nullptr;
    if (Error e = Prepare("SELECT name FROM sqlite_master WHERE type = 'table'", &s);
        e != Error::kOk)
      return e;
    StmtGuard g(s, true);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      ++tables;
      if (ColumnText(s, 0) == "schema_version") has_version_table = true;
    }
    if (rc != SQLITE_DONE) return FailSqlite("cannot read schema");
  }
  if (tables == 0) {
    if (Error e = Exec("BEGIN IMMEDIATE"); e != Error::kOk) return e;
    if (Exec(kSchemaV1, "cannot create the schema") != Error::kOk ||
        Exec(kMigrateV1ToV2, "cannot create the schema") != Error::kOk) {
      std::string msg = last_error_;
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return Fail(Error::kIo, msg);
    }
    return Exec("COMMIT");
  }
  if (!has_version_table)
    return Fail(Error::kCorrupt,
                "registry " + path_ + ": an SQLite database, but not a Vigil registry");
  Result<int64_t> version = SchemaVersion();
  if (!version.ok()) return version.error();
  if (*version == 1) return MigrateFromV1();
  if (*version != kRegistrySchemaVersion)
    return Fail(Error::kCorrupt,
                "registry " + path_ + ": schema version " + std::to_string(*version) +
                    ", this build reads versions 1 to " + std::to_string(kRegistrySchemaVersion));
  return Error::kOk;
}

Result<int64_t> Registry::SchemaVersion() {
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("SELECT version FROM schema_version", &s); e != Error::kOk) return e;
  StmtGuard g(s, true);
  if (sqlite3_step(s) != SQLITE_ROW)
    return Fail(Error::kCorrupt, "registry " + path_ + ": schema version missing");
  return static_cast<int64_t>(sqlite3_column_int64(s, 0));
}

Error Registry::MigrateFromV1() {
  if (Error e = Exec("BEGIN IMMEDIATE", "cannot migrate to schema version 2"); e != Error::kOk)
    return e;
  auto rollback = [this] { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); };
  // Read again under the lock: another process may have migrated the file meanwhile.
  Result<int64_t> version = SchemaVersion();
  if (!version.ok()) {
    rollback();
    return version.error();
  }
  if (*version == 1 && Exec(kMigrateV1ToV2, "cannot migrate to schema version 2") != Error::kOk) {
    std::string msg = last_error_;
    rollback();
    return Fail(Error::kIo, msg);
  }
  if (Error e = Exec("COMMIT", "cannot migrate to schema version 2"); e != Error::kOk) {
    rollback();
    return e;
  }
  return Error::kOk;
}

Result<CpanIdentity> Registry::LoadCpanIdentity() {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("SELECT uid, sign_priv, sign_pub, created_at FROM cpan_identity "
                        "WHERE id = 1",
                        &s);
      e != Error::kOk)
    return e;
  StmtGuard g(s, true);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE)
    return Fail(Error::kNotFound, "registry " + path_ + ": no CPAN identity yet");
  if (rc != SQLITE_ROW) return FailSqlite("cannot read the CPAN identity");
  CpanIdentity id;
  id.uid = FromDb(sqlite3_column_int64(s, 0));
  id.created_at = sqlite3_column_int64(s, 3);
  if (!ColumnBlob(s, 1, &id.sign_priv) || !ColumnBlob(s, 2, &id.sign_pub) ||
      !IsAssignableUid(id.uid)) {
    SecureZero(id.sign_priv.data(), id.sign_priv.size());
    return Fail(Error::kCorrupt, "registry " + path_ + ": CPAN identity is damaged");
  }
  return id;
}

Result<CpanIdentity> Registry::EnsureCpanIdentity(CryptoProvider& crypto, RandomSource& rng,
                                                  int64_t now_unix) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  // Under a write lock, so that two processes enrolling at once agree on one identity.
  if (Error e = Exec("BEGIN IMMEDIATE"); e != Error::kOk) return e;
  auto rollback = [this] { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); };
  Result<CpanIdentity> existing = LoadCpanIdentity();
  if (existing.ok() || existing.error() != Error::kNotFound) {
    rollback();
    return existing;
  }
  CpanIdentity id;
  id.created_at = now_unix;
  for (int tries = 0; !IsAssignableUid(id.uid); ++tries) {
    std::array<uint8_t, 8> b{};
    if (tries == 16 || rng.Fill(b) != Error::kOk) {
      rollback();
      return Fail(Error::kCrypto, "random source failed while creating the CPAN uid");
    }
    for (uint8_t v : b) id.uid = id.uid << 8 | v;
  }
  if (rng.Fill(id.sign_priv) != Error::kOk ||
      crypto.Ed25519PublicFromPrivate(id.sign_priv, id.sign_pub) != Error::kOk) {
    SecureZero(id.sign_priv.data(), id.sign_priv.size());
    rollback();
    return Fail(Error::kCrypto, "cannot create the CPAN signing key");
  }
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("INSERT INTO cpan_identity (id, uid, sign_priv, sign_pub, created_at) "
                        "VALUES (1, ?1, ?2, ?3, ?4)",
                        &s);
      e != Error::kOk) {
    rollback();
    return e;
  }
  {
    StmtGuard g(s, true);
    sqlite3_bind_int64(s, 1, ToDb(id.uid));
    BindBlob(s, 2, id.sign_priv);
    BindBlob(s, 3, id.sign_pub);
    sqlite3_bind_int64(s, 4, id.created_at);
    if (sqlite3_step(s) != SQLITE_DONE) {
      Error e = FailSqlite("cannot store the CPAN identity");
      rollback();
      return e;
    }
  }
  if (Error e = Exec("COMMIT"); e != Error::kOk) {
    rollback();
    return e;
  }
  return id;
}

Error Registry::AddDevice(const DeviceRecord& r) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  if (!IsAssignableUid(r.uid))
    return Fail(Error::kInvalidArgument,
                "uid " + UidToString(r.uid) + " cannot be enrolled (reserved value)");
  if (!r.endpoint_hint.empty() && !IsValidEndpointHint(r.endpoint_hint))
    return Fail(Error::kInvalidArgument,
                "endpoint hint '" + r.endpoint_hint + "' is not host:port");
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("INSERT INTO devices (uid, kd, r1, r3, name, kind, ward, revoked, "
                        "endpoint_hint, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                        "?9, ?10)",
                        &s);
      e != Error::kOk)
    return e;
  StmtGuard g(s, true);
  sqlite3_bind_int64(s, 1, ToDb(r.uid));
  BindBlob(s, 2, r.kd);
  BindBlob(s, 3, r.r1);
  BindBlob(s, 4, r.r3);
  BindText(s, 5, r.name);
  BindText(s, 6, DeviceKindName(r.kind));
  BindText(s, 7, r.ward);
  sqlite3_bind_int(s, 8, r.revoked ? 1 : 0);
  BindText(s, 9, r.endpoint_hint);
  sqlite3_bind_int64(s, 10, r.created_at);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    return Fail(Error::kInvalidArgument,
                "uid " + UidToString(r.uid) + " is already enrolled in " + path_);
  if (rc != SQLITE_DONE) return FailSqlite("cannot add device " + UidToString(r.uid));
  return Error::kOk;
}

Error Registry::ReadDevice(sqlite3_stmt* s, DeviceRecord* out) {
  out->uid = FromDb(sqlite3_column_int64(s, 0));
  out->name = ColumnText(s, 4);
  std::optional<DeviceKind> kind = DeviceKindFromName(ColumnText(s, 5));
  out->ward = ColumnText(s, 6);
  out->revoked = sqlite3_column_int64(s, 7) != 0;
  out->endpoint_hint = ColumnText(s, 8);
  out->created_at = sqlite3_column_int64(s, 9);
  if (!ColumnBlob(s, 1, &out->kd) || !ColumnBlob(s, 2, &out->r1) || !ColumnBlob(s, 3, &out->r3) ||
      !kind.has_value())
    return Fail(Error::kCorrupt,
                "registry " + path_ + ": record of " + UidToString(out->uid) + " is damaged");
  out->kind = *kind;
  // No common_function row: R3 has not moved since enrollment.
  out->r3_prev = {};
  out->has_prev = false;
  if (sqlite3_column_type(s, 10) == SQLITE_NULL) {
    out->r3_current = out->r3;
    out->r3_generation = 0;
    return Error::kOk;
  }
  // Types before values: reading a value may convert it, after which its type is undefined.
  const bool generation_is_integer = sqlite3_column_type(s, 12) == SQLITE_INTEGER;
  const int64_t generation = sqlite3_column_int64(s, 12);
  out->has_prev = sqlite3_column_type(s, 11) != SQLITE_NULL;
  if (!ColumnBlob(s, 10, &out->r3_current) ||
      (out->has_prev && !ColumnBlob(s, 11, &out->r3_prev)) || !generation_is_integer ||
      generation < 0 || generation > int64_t{std::numeric_limits<uint32_t>::max()})
    return Fail(Error::kCorrupt, "registry " + path_ + ": common function of " +
                                     UidToString(out->uid) + " is damaged");
  out->r3_generation = static_cast<uint32_t>(generation);
  return Error::kOk;
}

Result<DeviceRecord> Registry::FindDevice(uint64_t uid) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  StmtGuard g(find_device_, false);
  sqlite3_bind_int64(find_device_, 1, ToDb(uid));
  int rc = sqlite3_step(find_device_);
  if (rc == SQLITE_DONE)
    return Fail(Error::kNotFound, "device " + UidToString(uid) + " is not enrolled");
  if (rc != SQLITE_ROW) return FailSqlite("cannot look up device " + UidToString(uid));
  DeviceRecord r;
  if (Error e = ReadDevice(find_device_, &r); e != Error::kOk) return e;
  return r;
}

Result<std::vector<DeviceRecord>> Registry::ListDevices() {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare(kListDevicesSql, &s); e != Error::kOk) return e;
  StmtGuard g(s, true);
  std::vector<DeviceRecord> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    DeviceRecord r;
    if (Error e = ReadDevice(s, &r); e != Error::kOk) return e;
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return FailSqlite("cannot list devices");
  // Uids compare as unsigned here (SQLite would order their bit patterns as signed).
  std::stable_sort(out.begin(), out.end(), [](const DeviceRecord& a, const DeviceRecord& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.uid < b.uid;
  });
  return out;
}

Error Registry::Revoke(uint64_t uid) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("UPDATE devices SET revoked = 1 WHERE uid = ?1", &s); e != Error::kOk)
    return e;
  StmtGuard g(s, true);
  sqlite3_bind_int64(s, 1, ToDb(uid));
  if (sqlite3_step(s) != SQLITE_DONE) return FailSqlite("cannot revoke " + UidToString(uid));
  if (sqlite3_changes(db_) == 0)
    return Fail(Error::kNotFound, "device " + UidToString(uid) + " is not enrolled");
  return Error::kOk;
}

Error Registry::SetEndpointHint(uint64_t uid, std::string_view hint) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  if (!hint.empty() && !IsValidEndpointHint(hint))
    return Fail(Error::kInvalidArgument,
                "endpoint hint '" + std::string(hint) + "' is not host:port");
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("UPDATE devices SET endpoint_hint = ?2 WHERE uid = ?1", &s);
      e != Error::kOk)
    return e;
  StmtGuard g(s, true);
  sqlite3_bind_int64(s, 1, ToDb(uid));
  BindText(s, 2, hint);
  if (sqlite3_step(s) != SQLITE_DONE)
    return FailSqlite("cannot set the endpoint of " + UidToString(uid));
  if (sqlite3_changes(db_) == 0)
    return Fail(Error::kNotFound, "device " + UidToString(uid) + " is not enrolled");
  return Error::kOk;
}

Error Registry::SaveCounters(uint64_t uid, uint64_t tx_ceiling, uint64_t rx_high) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (tx_ceiling > kMax || rx_high > kMax)
    return Fail(Error::kInvalidArgument, "counter value above 2^63-1");
  StmtGuard g(save_counters_, false);
  sqlite3_bind_int64(save_counters_, 1, ToDb(uid));
  sqlite3_bind_int64(save_counters_, 2, static_cast<int64_t>(tx_ceiling));
  sqlite3_bind_int64(save_counters_, 3, static_cast<int64_t>(rx_high));
  int rc = sqlite3_step(save_counters_);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return Fail(Error::kNotFound, "device " + UidToString(uid) + " is not enrolled");
  if (rc != SQLITE_DONE) return FailSqlite("cannot save counters of " + UidToString(uid));
  return Error::kOk;
}

Result<ReplayCounters> Registry::LoadCounters(uint64_t uid) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  StmtGuard g(load_counters_, false);
  sqlite3_bind_int64(load_counters_, 1, ToDb(uid));
  int rc = sqlite3_step(load_counters_);
  if (rc == SQLITE_DONE)
    return Fail(Error::kNotFound, "device " + UidToString(uid) + " is not enrolled");
  if (rc != SQLITE_ROW) return FailSqlite("cannot load counters of " + UidToString(uid));
  ReplayCounters c;
  int64_t tx = sqlite3_column_int64(load_counters_, 0);  // NULL reads as 0
  int64_t rx = sqlite3_column_int64(load_counters_, 1);
  if (tx < 0 || rx < 0)
    return Fail(Error::kCorrupt,
                "registry " + path_ + ": counters of " + UidToString(uid) + " are damaged");
  c.tx_ceiling = static_cast<uint64_t>(tx);
  c.rx_high = static_cast<uint64_t>(rx);
  return c;
}

Error Registry::SaveCommonFunction(uint64_t uid, const std::array<uint8_t, kSha256Size>& r3,
                                   const std::array<uint8_t, kSha256Size>* r3_prev_or_null,
                                   uint32_t generation) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  StmtGuard g(save_common_function_, false);
  sqlite3_bind_int64(save_common_function_, 1, ToDb(uid));
  BindBlob(save_common_function_, 2, r3);
  if (r3_prev_or_null != nullptr) {
    BindBlob(save_common_function_, 3, *r3_prev_or_null);
  } else {
    sqlite3_bind_null(save_common_function_, 3);
  }
  sqlite3_bind_int64(save_common_function_, 4, static_cast<int64_t>(generation));
  int rc = sqlite3_step(save_common_function_);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return Fail(Error::kNotFound, "device " + UidToString(uid) + " is not enrolled");
  if (rc != SQLITE_DONE)
    return FailSqlite("cannot save the common function of " + UidToString(uid));
  return Error::kOk;
}

}  // namespace vigil
