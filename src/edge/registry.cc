#include "edge/registry.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "common/hex.h"
#include "common/private_file.h"

namespace vigil {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// Version 2: the common function as it moves (hardened, docs/protocol.md 9.5), in a table
// of its own; a device with no row there is at generation 0. Files of version 1 (older
// builds; registry_test.cc builds one) are brought to version 2 by this, then on like any
// version 2 file.
constexpr const char* kMigrateV1ToV2 = R"sql(
CREATE TABLE common_function (
  uid        INTEGER PRIMARY KEY REFERENCES devices(uid) ON DELETE CASCADE,
  r3         BLOB NOT NULL CHECK (length(r3) = 32),
  r3_prev    BLOB CHECK (r3_prev IS NULL OR length(r3_prev) = 32),
  generation INTEGER NOT NULL CHECK (generation BETWEEN 0 AND 4294967295)
);
UPDATE schema_version SET version = 2;
)sql";

// Sizes of the sealed columns (record_cipher.h): nonce || ciphertext || tag.
//   devices.sealed:          Kd (16) || R1 (32) || R3 as enrolled (32)
//   common_function.sealed:  R3 now (32) || has_prev (1) || previous R3 or zeros (32)
//   cpan_identity.sign_priv: the Ed25519 private key (32)
//   registry_key.key_check:  empty (proves the key file belongs to this registry)
constexpr size_t kDevicePlainSize = kKdSize + 2 * kSha256Size;
constexpr size_t kCommonPlainSize = 2 * kSha256Size + 1;
constexpr size_t kCpanPlainSize = kEd25519PrivateKeySize;

// Version 3: the secrets sealed (record_cipher.h). Tables are created with a suffix and
// renamed, so that a migration builds them beside the old ones.
constexpr const char* kSchemaV3Tables = R"sql(
CREATE TABLE registry_key_v3 (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  key_check BLOB NOT NULL CHECK (length(key_check) = 28)
);
CREATE TABLE cpan_identity_v3 (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  uid        INTEGER NOT NULL,
  sign_priv  BLOB NOT NULL CHECK (length(sign_priv) = 60),
  sign_pub   BLOB NOT NULL CHECK (length(sign_pub) = 32),
  created_at INTEGER NOT NULL
);
CREATE TABLE devices_v3 (
  uid           INTEGER PRIMARY KEY,
  sealed        BLOB NOT NULL CHECK (length(sealed) = 108),
  name          TEXT NOT NULL,
  kind          TEXT NOT NULL,
  ward          TEXT NOT NULL,
  revoked       INTEGER NOT NULL DEFAULT 0,
  endpoint_hint TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);
CREATE TABLE common_function_v3 (
  uid         INTEGER PRIMARY KEY REFERENCES devices(uid) ON DELETE CASCADE,
  sealed      BLOB NOT NULL CHECK (length(sealed) = 93),
  generation  INTEGER NOT NULL CHECK (generation BETWEEN 0 AND 4294967295),
  restored_at INTEGER NOT NULL DEFAULT 0
);
)sql";
constexpr const char* kSchemaV3Rename = R"sql(
ALTER TABLE registry_key_v3 RENAME TO registry_key;
ALTER TABLE cpan_identity_v3 RENAME TO cpan_identity;
ALTER TABLE devices_v3 RENAME TO devices;
ALTER TABLE common_function_v3 RENAME TO common_function;
)sql";
constexpr const char* kCountersTable = R"sql(
CREATE TABLE counters (
  uid        INTEGER PRIMARY KEY REFERENCES devices(uid) ON DELETE CASCADE,
  tx_ceiling INTEGER NOT NULL,
  rx_high    INTEGER NOT NULL
);
CREATE TABLE schema_version (
  version INTEGER NOT NULL
);
INSERT INTO schema_version (version) VALUES (3);
)sql";

// No common_function row reads as NULLs: R3 has not moved since enrollment.
constexpr const char* kListDevicesSql =
    "SELECT d.uid, d.sealed, d.name, d.kind, d.ward, d.revoked, d.endpoint_hint, "
    "d.created_at, cf.sealed, cf.generation, cf.restored_at "
    "FROM devices d LEFT JOIN common_function cf ON cf.uid = d.uid";
constexpr const char* kFindDeviceSql =
    "SELECT d.uid, d.sealed, d.name, d.kind, d.ward, d.revoked, d.endpoint_hint, "
    "d.created_at, cf.sealed, cf.generation, cf.restored_at "
    "FROM devices d LEFT JOIN common_function cf ON cf.uid = d.uid WHERE d.uid = ?1";
constexpr const char* kSaveCountersSql =
    "INSERT INTO counters (uid, tx_ceiling, rx_high) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (uid) DO UPDATE SET tx_ceiling = excluded.tx_ceiling, "
    "rx_high = excluded.rx_high";
constexpr const char* kSaveCommonFunctionSql =
    "INSERT INTO common_function (uid, sealed, generation, restored_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (uid) DO UPDATE SET sealed = excluded.sealed, "
    "generation = excluded.generation, restored_at = excluded.restored_at";
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

// Associated data of each sealed column: what the record is, and the non-secret fields a
// copy moved to another row, or edited, would contradict.
constexpr char kAadDevice[] = "vigil-registry/3 device";
constexpr char kAadCommon[] = "vigil-registry/3 common-function";
constexpr char kAadCpan[] = "vigil-registry/3 cpan";
constexpr char kAadKeyCheck[] = "vigil-registry/3 key-check";

void PutLe(std::vector<uint8_t>* v, uint64_t x, int bytes) {
  for (int i = 0; i < bytes; ++i) v->push_back(static_cast<uint8_t>(x >> (8 * i)));
}
std::vector<uint8_t> Label(const char* label) {
  return std::vector<uint8_t>(label, label + std::strlen(label) + 1);  // with its NUL
}
std::vector<uint8_t> DeviceAad(uint64_t uid, bool revoked) {
  std::vector<uint8_t> a = Label(kAadDevice);
  PutLe(&a, uid, 8);
  a.push_back(revoked ? 1 : 0);
  return a;
}
std::vector<uint8_t> CommonAad(uint64_t uid, uint32_t generation, int64_t restored_at) {
  std::vector<uint8_t> a = Label(kAadCommon);
  PutLe(&a, uid, 8);
  PutLe(&a, generation, 4);
  PutLe(&a, static_cast<uint64_t>(restored_at), 8);
  return a;
}
std::vector<uint8_t> CpanAad(uint64_t uid, ByteSpan sign_pub) {
  std::vector<uint8_t> a = Label(kAadCpan);
  PutLe(&a, uid, 8);
  a.insert(a.end(), sign_pub.begin(), sign_pub.end());
  return a;
}

// Wipes a plaintext buffer when leaving scope.
template <size_t N>
struct Plain {
  std::array<uint8_t, N> b{};
  ~Plain() { SecureZero(b.data(), b.size()); }
};

ByteSpan ColumnSpan(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  int n = sqlite3_column_bytes(s, col);
  if (p == nullptr || n <= 0) return {};
  return ByteSpan(static_cast<const uint8_t*>(p), static_cast<size_t>(n));
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

std::string RegistryKeyPath(const std::string& registry_path, const std::string& key_path) {
  if (!key_path.empty()) return key_path;
  const char* env = std::getenv(kRegistryKeyEnv);
  if (env != nullptr && env[0] != '\0') return env;
  return registry_path + ".key";
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
  cipher_.Clear();
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

std::string Registry::Damaged(uint64_t uid, std::string_view what) const {
  return "registry " + path_ + ": " + std::string(what) + " of device " + UidToString(uid) +
         " is damaged (it fails authentication under the registry key); restore the "
         "registry from a backup or re-provision the device";
}

namespace {

// What an existing file must look like before SQLite may write to it: a non-empty SQLite
// file, and not another application's. Reads the header only.
Error CheckHeader(const std::string& path, std::string* why) {
  const std::string advice =
      "; the file is left as it is: restore the registry from a backup (vigil registry "
      "restore), and do not enroll into this path";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *why = "registry " + path + ": cannot open: " + std::strerror(errno);
    return Error::kIo;
  }
  struct stat st {};
  std::array<uint8_t, 100> h{};
  ssize_t n = ::fstat(fd, &st) == 0 ? ::pread(fd, h.data(), h.size(), 0) : -1;
  ::close(fd);
  if (n < 0) {
    *why = "registry " + path + ": cannot read: " + std::strerror(errno);
    return Error::kIo;
  }
  if (st.st_size == 0) {
    *why = "registry " + path + " is empty (0 bytes): not a registry, probably truncated" + advice;
    return Error::kCorrupt;
  }
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL
  if (n < static_cast<ssize_t>(h.size()) || std::memcmp(h.data(), kMagic, 16) != 0) {
    *why =
        "registry " + path + ": not an SQLite database (not a Vigil registry, or damaged)" + advice;
    return Error::kCorrupt;
  }
  const uint32_t app = static_cast<uint32_t>(h[68]) << 24 | static_cast<uint32_t>(h[69]) << 16 |
                       static_cast<uint32_t>(h[70]) << 8 | h[71];
  if (app != 0 && app != kRegistryApplicationId) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", app);
    *why = "registry " + path + ": an SQLite database of another application (application_id " +
           hex + "), not a Vigil registry" + advice;
    return Error::kCorrupt;
  }
  return Error::kOk;
}

}  // namespace

Error Registry::QuickCheck() {
  // quick_check reads every page: a truncated or damaged file is reported here, at open,
  // instead of as a surprise in the middle of an association. (Only a read-write
  // connection also verifies the CHECK constraints, so Open runs it on both.)
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("PRAGMA quick_check(1)", &s); e != Error::kOk) return e;
  StmtGuard g(s, true);
  if (sqlite3_step(s) != SQLITE_ROW) return FailSqlite("integrity check failed");
  std::string verdict = ColumnText(s, 0);
  if (verdict != "ok")
    return Fail(Error::kCorrupt, "registry " + path_ + ": damaged (" + verdict +
                                     "); the file is left as it is: restore it from a backup");
  return Error::kOk;
}

Error Registry::Probe(int64_t* version) {
  // Read-only: a file that turns out not to be ours must not be switched to WAL, migrated
  // or given a schema.
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    Error e = FailSqlite("cannot open");
    Close();
    return e;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  auto done = [this](Error e) {
    Close();
    return e;
  };
  const std::string not_ours = "registry " + path_ +
                               ": an SQLite database, but not a Vigil registry; the file is "
                               "left as it is (restore the registry from a backup)";
  if (Error e = QuickCheck(); e != Error::kOk) return done(e);
  uint32_t app = 0;
  {
    sqlite3_stmt* s = nullptr;
    if (Error e = Prepare("PRAGMA application_id", &s); e != Error::kOk) return done(e);
    StmtGuard g(s, true);
    if (sqlite3_step(s) != SQLITE_ROW) return done(FailSqlite("cannot read the header"));
    app = static_cast<uint32_t>(sqlite3_column_int64(s, 0));
  }
  if (app != 0 && app != kRegistryApplicationId) return done(Fail(Error::kCorrupt, not_ours));
  bool has_version = false, has_devices = false;
  {
    sqlite3_stmt* s = nullptr;
    if (Error e = Prepare("SELECT name FROM sqlite_master WHERE type = 'table'", &s);
        e != Error::kOk)
      return done(e);
    StmtGuard g(s, true);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const std::string name = ColumnText(s, 0);
      has_version = has_version || name == "schema_version";
      has_devices = has_devices || name == "devices";
    }
    if (rc != SQLITE_DONE) return done(FailSqlite("cannot read schema"));
  }
  if (!has_version || !has_devices) return done(Fail(Error::kCorrupt, not_ours));
  Result<int64_t> v = SchemaVersion();
  if (!v.ok()) return done(v.error());
  if ((*v == kRegistrySchemaVersion) != (app == kRegistryApplicationId) && *v >= 1 &&
      *v <= kRegistrySchemaVersion)
    return done(Fail(Error::kCorrupt, "registry " + path_ + ": schema version " +
                                          std::to_string(*v) +
                                          " does not match the file's application_id; the "
                                          "file is left as it is (restore it from a backup)"));
  if (*v < 1 || *v > kRegistrySchemaVersion)
    return done(Fail(Error::kCorrupt, "registry " + path_ + ": schema version " +
                                          std::to_string(*v) +
                                          ", this build reads versions 1 "
                                          "to " +
                                          std::to_string(kRegistrySchemaVersion)));
  *version = *v;
  Close();
  return Error::kOk;
}

Error Registry::LoadKey(bool create_if_missing) {
  std::array<uint8_t, kRegistryKeySize> key{};
  std::string why;
  Error e = ReadRegistryKey(key_path_, &key, &why);
  if (e == Error::kNotFound && create_if_missing) {
    e = CreateRegistryKey(key_path_, &key, &why);
    if (e == Error::kInvalidState) e = ReadRegistryKey(key_path_, &key, &why);  // a race
    if (e == Error::kOk) notice_ = "registry key file " + key_path_ + " created (mode 0600)";
  } else if (e == Error::kNotFound) {
    why +=
        " (the registry's secrets are sealed under it: restore it from where it is kept, "
        "or name it with --registry-key or " +
        std::string(kRegistryKeyEnv) + ")";
  }
  if (e != Error::kOk) {
    SecureZero(key.data(), key.size());
    return Fail(e, "registry " + path_ + ": " + why);
  }
  cipher_.SetKey(key);
  SecureZero(key.data(), key.size());
  return Error::kOk;
}

Error Registry::Configure() {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  Error e = Exec("PRAGMA journal_mode = WAL", "cannot read");
  if (e == Error::kOk) e = Exec("PRAGMA synchronous = FULL");
  if (e == Error::kOk) e = Exec("PRAGMA foreign_keys = ON");
  if (e == Error::kOk) e = Exec("PRAGMA secure_delete = ON");  // old key bytes are erased
  return e;
}

Error Registry::PrepareAll() {
  Error e = Prepare(kFindDeviceSql, &find_device_);
  if (e == Error::kOk) e = Prepare(kSaveCountersSql, &save_counters_);
  if (e == Error::kOk) e = Prepare(kLoadCountersSql, &load_counters_);
  if (e == Error::kOk) e = Prepare(kSaveCommonFunctionSql, &save_common_function_);
  return e;
}

Error Registry::CheckKey() {
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("SELECT key_check FROM registry_key WHERE id = 1", &s); e != Error::kOk)
    return e;
  StmtGuard g(s, true);
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return FailSqlite("cannot read the key check");
  const std::vector<uint8_t> aad = Label(kAadKeyCheck);
  if (rc == SQLITE_DONE || cipher_.Open(ColumnSpan(s, 0), aad, MutableByteSpan()) != Error::kOk)
    return Fail(Error::kCorrupt, "registry " + path_ + ": the key file " + key_path_ +
                                     " is not this registry's key (or the key check is "
                                     "damaged): name the right one with --registry-key or " +
                                     std::string(kRegistryKeyEnv));
  return Error::kOk;
}

Error Registry::Open(const std::string& path, const std::string& key_path) {
  Close();
  path_ = path;
  key_path_ = RegistryKeyPath(path, key_path);
  last_error_.clear();
  notice_.clear();

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return Fail(Error::kNotFound,
                  "registry " + path + " does not exist (vigil enroll creates a new one)");
    return Fail(Error::kIo, "registry " + path + ": " + std::strerror(errno));
  }
  std::string why;
  if (Error e = CheckOwnerOnly(path, &why); e != Error::kOk) return Fail(e, "registry " + why);
  if (Error e = CheckHeader(path, &why); e != Error::kOk) return Fail(e, why);
  int64_t version = 0;
  if (Error e = Probe(&version); e != Error::kOk) return e;
  if (Error e = LoadKey(/*create_if_missing=*/version < kRegistrySchemaVersion); e != Error::kOk)
    return e;

  // From here on the file is known to be a Vigil registry.
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Error e = FailSqlite("cannot open");
    Close();
    return e;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  Error e = QuickCheck();  // before any write
  if (e == Error::kOk) e = Configure();
  if (e == Error::kOk && version < kRegistrySchemaVersion) e = Migrate();
  if (e == Error::kOk) e = CheckKey();
  if (e == Error::kOk) e = PrepareAll();
  if (e != Error::kOk) Close();
  return e;
}

Error Registry::Create(const std::string& path, const std::string& key_path) {
  Close();
  path_ = path;
  key_path_ = RegistryKeyPath(path, key_path);
  last_error_.clear();
  notice_.clear();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0)
    return Fail(Error::kInvalidState,
                "registry " + path + " already exists (Create makes new registries only)");
  std::array<uint8_t, kRegistryKeySize> key{};
  std::string why;
  bool made_key = false;
  Error e = ReadRegistryKey(key_path_, &key, &why);
  if (e == Error::kOk) {
    notice_ = "registry key file " + key_path_ + " already existed and is used";
  } else if (e == Error::kNotFound) {
    e = CreateRegistryKey(key_path_, &key, &why);
    made_key = e == Error::kOk;
    if (made_key) notice_ = "registry key file " + key_path_ + " created (mode 0600)";
  }
  if (e != Error::kOk) {
    SecureZero(key.data(), key.size());
    return Fail(e, "registry " + path + ": " + why);
  }
  cipher_.SetKey(key);
  SecureZero(key.data(), key.size());

  // Create the file ourselves so that it is 0600 from its first byte; SQLite then gives
  // its -wal and -shm files the same permissions.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    const int err = errno;
    if (made_key) ::unlink(key_path_.c_str());
    cipher_.Clear();
    return Fail(err == EEXIST ? Error::kInvalidState : Error::kIo,
                "registry " + path + ": cannot create: " + std::strerror(err));
  }
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  ::close(fd);
  auto undo = [&](Error err) {
    Close();
    ::unlink(path.c_str());
    if (made_key) ::unlink(key_path_.c_str());
    return err;
  };
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    return undo(FailSqlite("cannot open"));
  sqlite3_extended_result_codes(db_, 1);
  std::vector<uint8_t> check;
  if (cipher_.Seal({}, Label(kAadKeyCheck), &check) != Error::kOk)
    return undo(Fail(Error::kCrypto, "registry " + path + ": cannot seal the key check"));
  // In rollback-journal mode, so that the header (application_id) is in the file itself.
  if (Error err = Exec("BEGIN IMMEDIATE", "cannot create the schema"); err != Error::kOk)
    return undo(err);
  if (Exec(kSchemaV3Tables, "cannot create the schema") != Error::kOk ||
      Exec(kSchemaV3Rename, "cannot create the schema") != Error::kOk ||
      Exec(kCountersTable, "cannot create the schema") != Error::kOk)
    return undo(Error::kIo);
  {
    sqlite3_stmt* s = nullptr;
    if (Error err = Prepare("INSERT INTO registry_key (id, key_check) VALUES (1, ?1)", &s);
        err != Error::kOk)
      return undo(err);
    StmtGuard g(s, true);
    BindBlob(s, 1, check);
    if (sqlite3_step(s) != SQLITE_DONE) return undo(FailSqlite("cannot create the schema"));
  }
  const std::string pragmas = "PRAGMA application_id = " + std::to_string(kRegistryApplicationId) +
                              "; PRAGMA user_version = " + std::to_string(kRegistrySchemaVersion);
  if (Error err = Exec(pragmas.c_str(), "cannot create the schema"); err != Error::kOk)
    return undo(err);
  if (Error err = Exec("COMMIT", "cannot create the schema"); err != Error::kOk) return undo(err);
  Error err = Configure();
  if (err == Error::kOk) err = PrepareAll();
  if (err != Error::kOk) return undo(err);
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

Error Registry::Migrate() {
  // The old tables are dropped and replaced: foreign keys would cascade the drop into the
  // counters, so they are off for the migration (they can only change outside one).
  if (Error e = Exec("PRAGMA foreign_keys = OFF"); e != Error::kOk) return e;
  Error e = Exec("BEGIN IMMEDIATE", "cannot migrate to schema version 3");
  if (e == Error::kOk) {
    // Read again under the lock: another process may have migrated the file meanwhile.
    Result<int64_t> version = SchemaVersion();
    e = version.ok() ? MigrateLocked(*version) : version.error();
    if (e == Error::kOk) e = Exec("COMMIT", "cannot migrate to schema version 3");
    if (e != Error::kOk) {
      std::string msg = last_error_;
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      last_error_ = msg;
    }
  }
  Exec("PRAGMA foreign_keys = ON");
  if (e != Error::kOk) return e;
  // The plaintext pages were zeroed in the file (secure_delete); move the WAL that still
  // holds them into the file and truncate it. Best effort: another connection may keep
  // the WAL in use.
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (!notice_.empty()) notice_ += "; ";
  notice_ += "registry " + path_ + " migrated to schema version 3 (secrets sealed)";
  return Error::kOk;
}

Error Registry::MigrateLocked(int64_t version) {
  if (version == kRegistrySchemaVersion) return Error::kOk;
  const std::string what = "cannot migrate to schema version 3";
  if (version == 1 && Exec(kMigrateV1ToV2, what) != Error::kOk)
    return Fail(Error::kIo, last_error_);
  if (Exec(kSchemaV3Tables, what.c_str()) != Error::kOk) return Fail(Error::kIo, last_error_);
  std::vector<uint8_t> sealed;
  auto step = [&](sqlite3_stmt* st) {
    return sqlite3_step(st) == SQLITE_DONE ? Error::kOk : FailSqlite(what);
  };
  // The key check.
  {
    if (cipher_.Seal({}, Label(kAadKeyCheck), &sealed) != Error::kOk)
      return Fail(Error::kCrypto, "registry " + path_ + ": cannot seal the key check");
    sqlite3_stmt* s = nullptr;
    if (Error e = Prepare("INSERT INTO registry_key_v3 (id, key_check) VALUES (1, ?1)", &s);
        e != Error::kOk)
      return e;
    StmtGuard g(s, true);
    BindBlob(s, 1, sealed);
    if (Error e = step(s); e != Error::kOk) return e;
  }
  // The CPAN identity.
  {
    sqlite3_stmt* r = nullptr;
    if (Error e = Prepare("SELECT uid, sign_priv, sign_pub, created_at FROM cpan_identity", &r);
        e != Error::kOk)
      return e;
    StmtGuard gr(r, true);
    sqlite3_stmt* w = nullptr;
    if (Error e = Prepare("INSERT INTO cpan_identity_v3 (id, uid, sign_priv, sign_pub, "
                          "created_at) VALUES (1, ?1, ?2, ?3, ?4)",
                          &w);
        e != Error::kOk)
      return e;
    StmtGuard gw(w, true);
    if (sqlite3_step(r) == SQLITE_ROW) {
      Plain<kCpanPlainSize> priv;
      std::array<uint8_t, kEd25519PublicKeySize> pub{};
      const uint64_t uid = FromDb(sqlite3_column_int64(r, 0));
      if (!ColumnBlob(r, 1, &priv.b) || !ColumnBlob(r, 2, &pub))
        return Fail(Error::kCorrupt, "registry " + path_ + ": CPAN identity is damaged");
      if (cipher_.Seal(priv.b, CpanAad(uid, pub), &sealed) != Error::kOk)
        return Fail(Error::kCrypto, "registry " + path_ + ": cannot seal the CPAN key");
      sqlite3_bind_int64(w, 1, ToDb(uid));
      BindBlob(w, 2, sealed);
      BindBlob(w, 3, pub);
      sqlite3_bind_int64(w, 4, sqlite3_column_int64(r, 3));
      if (Error e = step(w); e != Error::kOk) return e;
    }
  }
  // The devices and their common function.
  {
    sqlite3_stmt* r = nullptr;
    if (Error e = Prepare("SELECT d.uid, d.kd, d.r1, d.r3, d.name, d.kind, d.ward, d.revoked, "
                          "d.endpoint_hint, d.created_at, cf.r3, cf.r3_prev, cf.generation "
                          "FROM devices d LEFT JOIN common_function cf ON cf.uid = d.uid",
                          &r);
        e != Error::kOk)
      return e;
    StmtGuard gr(r, true);
    sqlite3_stmt* wd = nullptr;
    if (Error e = Prepare("INSERT INTO devices_v3 (uid, sealed, name, kind, ward, revoked, "
                          "endpoint_hint, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                          &wd);
        e != Error::kOk)
      return e;
    StmtGuard gwd(wd, true);
    sqlite3_stmt* wc = nullptr;
    if (Error e = Prepare("INSERT INTO common_function_v3 (uid, sealed, generation, "
                          "restored_at) VALUES (?1, ?2, ?3, 0)",
                          &wc);
        e != Error::kOk)
      return e;
    StmtGuard gwc(wc, true);
    int rc;
    while ((rc = sqlite3_step(r)) == SQLITE_ROW) {
      DeviceRecord d;
      d.uid = FromDb(sqlite3_column_int64(r, 0));
      d.revoked = sqlite3_column_int64(r, 7) != 0;
      const bool ok = ColumnBlob(r, 1, &d.kd) && ColumnBlob(r, 2, &d.r1) && ColumnBlob(r, 3, &d.r3);
      Error se = ok ? SealDevice(d, &sealed) : Error::kCorrupt;
      SecureZero(d.kd.data(), d.kd.size());
      SecureZero(d.r1.data(), d.r1.size());
      if (se != Error::kOk)
        return Fail(Error::kCorrupt, "registry " + path_ + ": record of " + UidToString(d.uid) +
                                         " is damaged; not migrated");
      sqlite3_bind_int64(wd, 1, ToDb(d.uid));
      BindBlob(wd, 2, sealed);
      for (int col = 4; col <= 6; ++col)
        sqlite3_bind_value(wd, col - 1, sqlite3_column_value(r, col));
      sqlite3_bind_int(wd, 6, d.revoked ? 1 : 0);
      sqlite3_bind_value(wd, 7, sqlite3_column_value(r, 8));
      sqlite3_bind_int64(wd, 8, sqlite3_column_int64(r, 9));
      Error we = step(wd);
      sqlite3_reset(wd);
      if (we != Error::kOk) return we;
      if (sqlite3_column_type(r, 10) != SQLITE_NULL) {
        Plain<kCommonPlainSize> p;
        std::array<uint8_t, kSha256Size> now{}, prev{};
        const bool has_prev = sqlite3_column_type(r, 11) != SQLITE_NULL;
        const int64_t gen = sqlite3_column_int64(r, 12);
        if (!ColumnBlob(r, 10, &now) || (has_prev && !ColumnBlob(r, 11, &prev)) || gen < 0 ||
            gen > int64_t{std::numeric_limits<uint32_t>::max()})
          return Fail(Error::kCorrupt, "registry " + path_ + ": common function of " +
                                           UidToString(d.uid) + " is damaged; not migrated");
        std::memcpy(p.b.data(), now.data(), kSha256Size);
        p.b[kSha256Size] = has_prev ? 1 : 0;
        std::memcpy(p.b.data() + kSha256Size + 1, prev.data(), kSha256Size);
        SecureZero(now.data(), now.size());
        SecureZero(prev.data(), prev.size());
        if (cipher_.Seal(p.b, CommonAad(d.uid, static_cast<uint32_t>(gen), 0), &sealed) !=
            Error::kOk)
          return Fail(Error::kCrypto, "registry " + path_ + ": cannot seal a record");
        sqlite3_bind_int64(wc, 1, ToDb(d.uid));
        BindBlob(wc, 2, sealed);
        sqlite3_bind_int64(wc, 3, gen);
        Error ce = step(wc);
        sqlite3_reset(wc);
        if (ce != Error::kOk) return ce;
      }
    }
    if (rc != SQLITE_DONE) return FailSqlite(what);
  }
  SecureZero(sealed.data(), sealed.size());
  if (Exec("DROP TABLE common_function; DROP TABLE devices; DROP TABLE cpan_identity;",
           what.c_str()) != Error::kOk ||
      Exec(kSchemaV3Rename, what.c_str()) != Error::kOk)
    return Fail(Error::kIo, last_error_);
  const std::string pragmas = "UPDATE schema_version SET version = 3; PRAGMA application_id = " +
                              std::to_string(kRegistryApplicationId) +
                              "; PRAGMA user_version = " + std::to_string(kRegistrySchemaVersion);
  if (Exec(pragmas.c_str(), what.c_str()) != Error::kOk) return Fail(Error::kIo, last_error_);
  return Error::kOk;
}

Error Registry::SealDevice(const DeviceRecord& r, std::vector<uint8_t>* out) {
  Plain<kDevicePlainSize> p;
  std::memcpy(p.b.data(), r.kd.data(), kKdSize);
  std::memcpy(p.b.data() + kKdSize, r.r1.data(), kSha256Size);
  std::memcpy(p.b.data() + kKdSize + kSha256Size, r.r3.data(), kSha256Size);
  if (cipher_.Seal(p.b, DeviceAad(r.uid, r.revoked), out) != Error::kOk)
    return Fail(Error::kCrypto,
                "registry " + path_ + ": cannot seal the record of " + UidToString(r.uid));
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
  if (!ColumnBlob(s, 2, &id.sign_pub) || !IsAssignableUid(id.uid) ||
      cipher_.Open(ColumnSpan(s, 1), CpanAad(id.uid, id.sign_pub), id.sign_priv) != Error::kOk) {
    SecureZero(id.sign_priv.data(), id.sign_priv.size());
    return Fail(Error::kCorrupt, "registry " + path_ +
                                     ": CPAN identity is damaged (it fails authentication "
                                     "under the registry key); restore it from a backup");
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
  std::vector<uint8_t> sealed;
  if (rng.Fill(id.sign_priv) != Error::kOk ||
      crypto.Ed25519PublicFromPrivate(id.sign_priv, id.sign_pub) != Error::kOk ||
      cipher_.Seal(id.sign_priv, CpanAad(id.uid, id.sign_pub), &sealed) != Error::kOk) {
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
    BindBlob(s, 2, sealed);
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
  std::vector<uint8_t> sealed;
  if (Error e = SealDevice(r, &sealed); e != Error::kOk) return e;
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare("INSERT INTO devices (uid, sealed, name, kind, ward, revoked, "
                        "endpoint_hint, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        &s);
      e != Error::kOk)
    return e;
  StmtGuard g(s, true);
  sqlite3_bind_int64(s, 1, ToDb(r.uid));
  BindBlob(s, 2, sealed);
  BindText(s, 3, r.name);
  BindText(s, 4, DeviceKindName(r.kind));
  BindText(s, 5, r.ward);
  sqlite3_bind_int(s, 6, r.revoked ? 1 : 0);
  BindText(s, 7, r.endpoint_hint);
  sqlite3_bind_int64(s, 8, r.created_at);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    return Fail(Error::kInvalidArgument,
                "uid " + UidToString(r.uid) + " is already enrolled in " + path_);
  if (rc != SQLITE_DONE) return FailSqlite("cannot add device " + UidToString(r.uid));
  return Error::kOk;
}

Error Registry::ReadDevice(sqlite3_stmt* s, DeviceRecord* out) {
  out->uid = FromDb(sqlite3_column_int64(s, 0));
  out->name = ColumnText(s, 2);
  std::optional<DeviceKind> kind = DeviceKindFromName(ColumnText(s, 3));
  out->ward = ColumnText(s, 4);
  // Types before values: reading a value may convert it, after which its type is undefined.
  const bool revoked_ok = sqlite3_column_type(s, 5) == SQLITE_INTEGER;
  const int64_t revoked = sqlite3_column_int64(s, 5);
  out->endpoint_hint = ColumnText(s, 6);
  out->created_at = sqlite3_column_int64(s, 7);
  out->revoked = revoked != 0;
  Plain<kDevicePlainSize> p;
  if (!revoked_ok || (revoked != 0 && revoked != 1) || !kind.has_value() ||
      cipher_.Open(ColumnSpan(s, 1), DeviceAad(out->uid, out->revoked), p.b) != Error::kOk)
    return Fail(Error::kCorrupt, Damaged(out->uid, "the record"));
  out->kind = *kind;
  std::memcpy(out->kd.data(), p.b.data(), kKdSize);
  std::memcpy(out->r1.data(), p.b.data() + kKdSize, kSha256Size);
  std::memcpy(out->r3.data(), p.b.data() + kKdSize + kSha256Size, kSha256Size);
  out->r3_prev = {};
  out->has_prev = false;
  out->stale_since_restore = false;
  out->restored_at = 0;
  // No common_function row: R3 has not moved since enrollment.
  if (sqlite3_column_type(s, 8) == SQLITE_NULL) {
    out->r3_current = out->r3;
    out->r3_generation = 0;
    return Error::kOk;
  }
  const bool generation_is_integer = sqlite3_column_type(s, 9) == SQLITE_INTEGER;
  const int64_t generation = sqlite3_column_int64(s, 9);
  const bool restored_is_integer = sqlite3_column_type(s, 10) == SQLITE_INTEGER;
  const int64_t restored_at = sqlite3_column_int64(s, 10);
  Plain<kCommonPlainSize> c;
  if (!generation_is_integer || generation < 0 ||
      generation > int64_t{std::numeric_limits<uint32_t>::max()} || !restored_is_integer ||
      cipher_.Open(ColumnSpan(s, 8),
                   CommonAad(out->uid, static_cast<uint32_t>(generation), restored_at),
                   c.b) != Error::kOk ||
      c.b[kSha256Size] > 1) {
    SecureZero(out->kd.data(), out->kd.size());
    SecureZero(out->r1.data(), out->r1.size());
    SecureZero(out->r3.data(), out->r3.size());
    return Fail(Error::kCorrupt, Damaged(out->uid, "the common function"));
  }
  std::memcpy(out->r3_current.data(), c.b.data(), kSha256Size);
  out->has_prev = c.b[kSha256Size] == 1;
  if (out->has_prev) std::memcpy(out->r3_prev.data(), c.b.data() + kSha256Size + 1, kSha256Size);
  out->r3_generation = static_cast<uint32_t>(generation);
  out->stale_since_restore = restored_at != 0;
  out->restored_at = restored_at;
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

Result<std::vector<DeviceRecord>> Registry::ListDevices(std::vector<DamagedRecord>* damaged) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  sqlite3_stmt* s = nullptr;
  if (Error e = Prepare(kListDevicesSql, &s); e != Error::kOk) return e;
  StmtGuard g(s, true);
  std::vector<DeviceRecord> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    DeviceRecord r;
    if (Error e = ReadDevice(s, &r); e != Error::kOk) {
      if (e != Error::kCorrupt || damaged == nullptr) {
        for (DeviceRecord& d : out) SecureZero(d.kd.data(), d.kd.size());
        return e;
      }
      damaged->push_back(DamagedRecord{r.uid, last_error_});
      continue;
    }
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
  // Revocation is sealed with the record: re-seal it, under a write lock.
  if (Error e = Exec("BEGIN IMMEDIATE"); e != Error::kOk) return e;
  auto rollback = [this](Error e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  Result<DeviceRecord> r = FindDevice(uid);
  if (!r.ok()) return rollback(r.error());
  std::vector<uint8_t> sealed;
  const bool was = r->revoked;
  r->revoked = true;
  Error e = was ? Error::kOk : SealDevice(*r, &sealed);
  SecureZero(r->kd.data(), r->kd.size());
  SecureZero(r->r1.data(), r->r1.size());
  if (e != Error::kOk) return rollback(e);
  if (!was) {
    sqlite3_stmt* s = nullptr;
    if (Error pe = Prepare("UPDATE devices SET revoked = 1, sealed = ?2 WHERE uid = ?1", &s);
        pe != Error::kOk)
      return rollback(pe);
    StmtGuard g(s, true);
    sqlite3_bind_int64(s, 1, ToDb(uid));
    BindBlob(s, 2, sealed);
    if (sqlite3_step(s) != SQLITE_DONE)
      return rollback(FailSqlite("cannot revoke " + UidToString(uid)));
  }
  if (Error ce = Exec("COMMIT"); ce != Error::kOk) return rollback(ce);
  return Error::kOk;
}

Error Registry::ReplaceDeviceSecrets(const DeviceRecord& record) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  if (Error e = Exec("BEGIN IMMEDIATE"); e != Error::kOk) return e;
  auto rollback = [this](Error e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  bool revoked = false;
  {
    sqlite3_stmt* s = nullptr;
    if (Error e = Prepare("SELECT revoked FROM devices WHERE uid = ?1", &s); e != Error::kOk)
      return rollback(e);
    StmtGuard g(s, true);
    sqlite3_bind_int64(s, 1, ToDb(record.uid));
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
      return rollback(
          Fail(Error::kNotFound, "device " + UidToString(record.uid) + " is not enrolled"));
    if (rc != SQLITE_ROW) return rollback(FailSqlite("cannot look up " + UidToString(record.uid)));
    revoked = sqlite3_column_int64(s, 0) != 0;
  }
  if (revoked)
    return rollback(Fail(Error::kInvalidState, "device " + UidToString(record.uid) +
                                                   " is revoked: enroll a new uid instead"));
  DeviceRecord r = record;
  r.revoked = false;
  std::vector<uint8_t> sealed;
  Error e = SealDevice(r, &sealed);
  SecureZero(r.kd.data(), r.kd.size());
  SecureZero(r.r1.data(), r.r1.size());
  if (e != Error::kOk) return rollback(e);
  sqlite3_stmt* s = nullptr;
  if (Error pe = Prepare("UPDATE devices SET sealed = ?2 WHERE uid = ?1", &s); pe != Error::kOk)
    return rollback(pe);
  {
    StmtGuard g(s, true);
    sqlite3_bind_int64(s, 1, ToDb(record.uid));
    BindBlob(s, 2, sealed);
    if (sqlite3_step(s) != SQLITE_DONE)
      return rollback(FailSqlite("cannot re-provision " + UidToString(record.uid)));
  }
  const std::string uid = std::to_string(ToDb(record.uid));
  const std::string reset = "DELETE FROM common_function WHERE uid = " + uid +
                            "; DELETE FROM counters WHERE uid = " + uid + ";";
  if (Error xe = Exec(reset.c_str(), "cannot re-provision"); xe != Error::kOk) return rollback(xe);
  if (Error ce = Exec("COMMIT"); ce != Error::kOk) return rollback(ce);
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

Error Registry::WriteCommonFunction(uint64_t uid, const std::array<uint8_t, kSha256Size>& r3,
                                    const std::array<uint8_t, kSha256Size>* r3_prev_or_null,
                                    uint32_t generation, int64_t restored_at) {
  Plain<kCommonPlainSize> p;
  std::memcpy(p.b.data(), r3.data(), kSha256Size);
  p.b[kSha256Size] = r3_prev_or_null != nullptr ? 1 : 0;
  if (r3_prev_or_null != nullptr)
    std::memcpy(p.b.data() + kSha256Size + 1, r3_prev_or_null->data(), kSha256Size);
  std::vector<uint8_t> sealed;
  if (cipher_.Seal(p.b, CommonAad(uid, generation, restored_at), &sealed) != Error::kOk)
    return Fail(Error::kCrypto,
                "registry " + path_ + ": cannot seal the common function of " + UidToString(uid));
  StmtGuard g(save_common_function_, false);
  sqlite3_bind_int64(save_common_function_, 1, ToDb(uid));
  BindBlob(save_common_function_, 2, sealed);
  sqlite3_bind_int64(save_common_function_, 3, static_cast<int64_t>(generation));
  sqlite3_bind_int64(save_common_function_, 4, restored_at);
  int rc = sqlite3_step(save_common_function_);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return Fail(Error::kNotFound, "device " + UidToString(uid) + " is not enrolled");
  if (rc != SQLITE_DONE)
    return FailSqlite("cannot save the common function of " + UidToString(uid));
  return Error::kOk;
}

Error Registry::SaveCommonFunction(uint64_t uid, const std::array<uint8_t, kSha256Size>& r3,
                                   const std::array<uint8_t, kSha256Size>* r3_prev_or_null,
                                   uint32_t generation) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  return WriteCommonFunction(uid, r3, r3_prev_or_null, generation, /*restored_at=*/0);
}

Error Registry::SaveCommonFunctions(std::span<const CommonFunctionState> states) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  if (states.empty()) return Error::kOk;
  if (Error e = Exec("BEGIN IMMEDIATE"); e != Error::kOk) return e;
  for (const CommonFunctionState& c : states) {
    const Error e = WriteCommonFunction(c.uid, c.r3, c.has_prev ? &c.r3_prev : nullptr,
                                        c.generation, /*restored_at=*/0);
    if (e != Error::kOk) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
  }
  if (Error e = Exec("COMMIT"); e != Error::kOk) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return Error::kOk;
}

Error Registry::MarkRestored(int64_t now_unix) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  if (now_unix <= 0) return Fail(Error::kInvalidArgument, "restore time must be positive");
  if (Error e = Exec("BEGIN IMMEDIATE"); e != Error::kOk) return e;
  auto rollback = [this](Error e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  Result<std::vector<DeviceRecord>> all = ListDevices();
  if (!all.ok()) return rollback(all.error());
  Error e = Error::kOk;
  for (DeviceRecord& d : *all) {
    if (e == Error::kOk)
      e = WriteCommonFunction(d.uid, d.r3_current, d.has_prev ? &d.r3_prev : nullptr,
                              d.r3_generation, now_unix);
    SecureZero(d.kd.data(), d.kd.size());
    SecureZero(d.r1.data(), d.r1.size());
    SecureZero(d.r3_current.data(), d.r3_current.size());
    SecureZero(d.r3_prev.data(), d.r3_prev.size());
  }
  if (e != Error::kOk) return rollback(e);
  if (Error ce = Exec("COMMIT"); ce != Error::kOk) return rollback(ce);
  return Error::kOk;
}

Error Registry::Backup(const std::string& out_path) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "registry is not open");
  int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    const int err = errno;
    return Fail(err == EEXIST ? Error::kInvalidState : Error::kIo,
                "backup " + out_path + ": cannot create: " + std::strerror(err) +
                    (err == EEXIST ? " (refusing to overwrite)" : ""));
  }
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  ::close(fd);
  sqlite3* out = nullptr;
  std::string msg;
  auto fail = [&](std::string what) {
    if (out != nullptr) {
      msg = what + ": " + sqlite3_errmsg(out);
      sqlite3_close_v2(out);
    } else {
      msg = what;
    }
    ::unlink(out_path.c_str());
    ::unlink((out_path + "-journal").c_str());
    return Fail(Error::kIo, "backup " + out_path + ": " + msg);
  };
  if (sqlite3_open_v2(out_path.c_str(), &out, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    return fail("cannot open");
  // One step copies every page under one read transaction of the source: a consistent
  // snapshot that includes what is still in the source's WAL.
  sqlite3_backup* b = sqlite3_backup_init(out, "main", db_, "main");
  if (b == nullptr) return fail("cannot start the backup");
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return fail("backup failed");
  // A single self-contained file: no WAL beside it. Then check what was written.
  sqlite3_stmt* s = nullptr;
  bool ok = sqlite3_exec(out, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL", nullptr,
                         nullptr, nullptr) == SQLITE_OK &&
            sqlite3_prepare_v2(out, "PRAGMA quick_check(1)", -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW && ColumnText(s, 0) == "ok";
  sqlite3_finalize(s);
  if (!ok) return fail("the written copy does not check");
  sqlite3_close_v2(out);
  out = nullptr;
  fd = ::open(out_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return fail(std::string("cannot sync: ") + std::strerror(errno));
  }
  ::close(fd);
  return Error::kOk;
}

Error RestoreRegistry(const std::string& backup_path, const std::string& registry_path,
                      const std::string& key_path, int64_t now_unix, size_t* devices,
                      std::string* why) {
  auto say = [why](Error e, std::string msg) {
    if (why != nullptr) *why = std::move(msg);
    return e;
  };
  struct stat st {};
  if (::lstat(registry_path.c_str(), &st) == 0)
    return say(Error::kInvalidState,
               "registry " + registry_path +
                   " exists: stop the gateway and move it aside first (with its -wal and "
                   "-shm files), e.g. mv " +
                   registry_path + " " + registry_path + ".damaged");
  if (::lstat((registry_path + "-wal").c_str(), &st) == 0)
    return say(Error::kInvalidState, registry_path +
                                         "-wal exists without its registry: move "
                                         "it aside first");
  std::string msg;
  if (Error e = CheckOwnerOnly(backup_path, &msg); e != Error::kOk) return say(e, "backup " + msg);
  if (Error e = CheckHeader(backup_path, &msg); e != Error::kOk) return say(e, msg);

  const std::string tmp = registry_path + ".restoring";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0)
    return say(Error::kIo,
               tmp + ": cannot create: " + std::strerror(errno) +
                   (errno == EEXIST ? " (left by an interrupted restore: remove it)" : ""));
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  ::close(fd);
  auto undo = [&](Error e, std::string m) {
    ::unlink(tmp.c_str());
    ::unlink((tmp + "-journal").c_str());
    ::unlink((tmp + "-wal").c_str());
    ::unlink((tmp + "-shm").c_str());
    return say(e, std::move(m));
  };
  {
    // The backup is read through a read-only connection: restoring never changes it.
    sqlite3* src = nullptr;
    sqlite3* dst = nullptr;
    bool ok =
        sqlite3_open_v2(backup_path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
        sqlite3_open_v2(tmp.c_str(), &dst, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK;
    std::string err = ok ? "" : "cannot open " + backup_path;
    if (ok) {
      sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
      ok = b != nullptr && sqlite3_backup_step(b, -1) == SQLITE_DONE;
      if (b != nullptr) sqlite3_backup_finish(b);
      ok = ok && sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr) ==
                     SQLITE_OK;
      if (!ok) err = std::string("cannot copy the backup: ") + sqlite3_errmsg(dst);
    }
    sqlite3_close_v2(src);
    sqlite3_close_v2(dst);
    if (!ok) return undo(Error::kIo, "restore " + registry_path + ": " + err);
  }
  {
    Registry r;
    if (Error e = r.Open(tmp, RegistryKeyPath(registry_path, key_path)); e != Error::kOk)
      return undo(e, "backup " + backup_path + ": " + r.last_error());
    std::vector<DamagedRecord> damaged;
    Result<std::vector<DeviceRecord>> list = r.ListDevices(&damaged);
    if (!list.ok()) return undo(list.error(), "backup " + backup_path + ": " + r.last_error());
    const size_t n = list->size();
    for (DeviceRecord& d : *list) {
      SecureZero(d.kd.data(), d.kd.size());
      SecureZero(d.r1.data(), d.r1.size());
    }
    if (!damaged.empty())
      return undo(Error::kCorrupt, "backup " + backup_path + ": " + std::to_string(damaged.size()) +
                                       " damaged record(s), first: " + damaged[0].message);
    if (Result<CpanIdentity> id = r.LoadCpanIdentity(); id.ok()) {
      SecureZero(id->sign_priv.data(), id->sign_priv.size());
    } else if (id.error() != Error::kNotFound) {
      return undo(id.error(), "backup " + backup_path + ": " + r.last_error());
    }
    if (Error e = r.MarkRestored(now_unix); e != Error::kOk)
      return undo(e, "restore " + registry_path + ": " + r.last_error());
    if (devices != nullptr) *devices = n;
  }
  // Moved into place without replacing anything (link fails if the path appeared).
  if (::link(tmp.c_str(), registry_path.c_str()) != 0)
    return undo(errno == EEXIST ? Error::kInvalidState : Error::kIo,
                "restore " + registry_path + ": cannot move into place: " + std::strerror(errno));
  ::unlink(tmp.c_str());
  const size_t slash = registry_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : registry_path.substr(0, slash + 1);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Error::kOk;
}

}  // namespace vigil
