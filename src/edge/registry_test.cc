#include "edge/registry.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "common/hex.h"
#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

using testing::FileMode;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

DeviceSecrets MakeSecrets(uint64_t uid, RandomSource& rng) {
  DeviceSecrets s;
  s.uid = uid;
  s.cpan_uid = 0x1122334455667788;
  EXPECT_EQ(rng.Fill(s.kd), Error::kOk);
  EXPECT_EQ(rng.Fill(s.secretkey2), Error::kOk);
  std::string user = "dev-" + std::to_string(uid);
  std::string pass = "correct horse battery";
  EXPECT_TRUE(s.username.Set(ByteSpan(reinterpret_cast<const uint8_t*>(user.data()), user.size())));
  EXPECT_TRUE(s.password.Set(ByteSpan(reinterpret_cast<const uint8_t*>(pass.data()), pass.size())));
  return s;
}

class RegistryTest : public ::testing::Test {
 protected:
  DeviceRecord Enroll(uint64_t uid, std::string name = "patch") {
    DeviceSecrets s = MakeSecrets(uid, rng_);
    DeviceRecord r;
    EXPECT_EQ(DeviceRecordFromSecrets(crypto_, s, &r), Error::kOk);
    r.name = std::move(name);
    r.kind = DeviceKind::kEcgPatch;
    r.ward = "cardiology";
    r.created_at = 1700000000;
    EXPECT_EQ(reg_.AddDevice(r), Error::kOk) << reg_.last_error();
    return r;
  }

  TempDir dir_;
  std::string db_ = dir_.File("gw.db");
  OpenSslCrypto crypto_;
  SeededRandom rng_{42};
  Registry reg_;
};

TEST_F(RegistryTest, RegistryUnknownUidNotFound) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk) << reg_.last_error();
  Enroll(0x0102030405060708);
  Result<DeviceRecord> r = reg_.FindDevice(0xdeadbeef);
  EXPECT_EQ(r.error(), Error::kNotFound);
  EXPECT_NE(reg_.last_error().find("00000000deadbeef"), std::string::npos) << reg_.last_error();
  EXPECT_EQ(reg_.LoadCounters(0xdeadbeef).error(), Error::kNotFound);
  EXPECT_EQ(reg_.SaveCounters(0xdeadbeef, 1, 1), Error::kNotFound);
  EXPECT_EQ(reg_.Revoke(0xdeadbeef), Error::kNotFound);
  EXPECT_EQ(reg_.SetEndpointHint(0xdeadbeef, "127.0.0.1:5683"), Error::kNotFound);
  // The prepared lookup is reusable after a miss.
  EXPECT_TRUE(reg_.FindDevice(0x0102030405060708).ok());
}

TEST_F(RegistryTest, RegistryRevokedDeviceFlagged) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xa1);
  Enroll(0xa2);
  ASSERT_FALSE(reg_.FindDevice(0xa1)->revoked);
  ASSERT_EQ(reg_.Revoke(0xa1), Error::kOk);
  EXPECT_EQ(reg_.Revoke(0xa1), Error::kOk);  // idempotent
  reg_.Close();
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
  Result<DeviceRecord> r = reg_.FindDevice(0xa1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->revoked);
  EXPECT_FALSE(reg_.FindDevice(0xa2)->revoked);
  Result<std::vector<DeviceRecord>> all = reg_.ListDevices();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_TRUE((*all)[0].revoked);
  EXPECT_FALSE((*all)[1].revoked);
}

TEST_F(RegistryTest, GarbageDatabaseIsClearError) {
  std::vector<uint8_t> garbage(8192);
  ASSERT_EQ(rng_.Fill(garbage), Error::kOk);
  WriteAll(db_, garbage);
  EXPECT_EQ(reg_.Open(db_), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find(db_), std::string::npos) << reg_.last_error();
  EXPECT_NE(reg_.last_error().find("not a Vigil registry"), std::string::npos) << reg_.last_error();
  EXPECT_FALSE(reg_.is_open());
  EXPECT_EQ(reg_.FindDevice(1).error(), Error::kInvalidState);
  // The file is evidence: it is not replaced by an empty registry.
  EXPECT_EQ(ReadAll(db_), garbage);
}

TEST_F(RegistryTest, TruncatedDatabaseIsClearError) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  for (uint64_t uid = 1; uid <= 300; ++uid) Enroll(uid, std::string(40, 'n'));
  reg_.Close();
  std::vector<uint8_t> full = ReadAll(db_);
  ASSERT_GT(full.size(), 4u * 4096);
  for (size_t cut : {full.size() / 2, full.size() - 4096, size_t{4096} + 100, size_t{60}}) {
    WriteAll(db_, std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(cut)));
    Error e = reg_.Open(db_);
    EXPECT_EQ(e, Error::kCorrupt) << "cut at " << cut << ": " << reg_.last_error();
    EXPECT_FALSE(reg_.last_error().empty());
    reg_.Close();
  }
}

TEST_F(RegistryTest, ForeignSqliteDatabaseIsNotARegistry) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x INTEGER)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ::chmod(db_.c_str(), 0600);
  EXPECT_EQ(reg_.Open(db_), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find("not a Vigil registry"), std::string::npos);
}

TEST_F(RegistryTest, NewerSchemaVersionIsRefused) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  reg_.Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(reg_.Open(db_), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find("99"), std::string::npos) << reg_.last_error();
}

TEST_F(RegistryTest, CountersSurviveReopen) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xc1);
  Enroll(0xc2);
  ASSERT_EQ(reg_.SaveCounters(0xc1, 5000, 4321), Error::kOk);
  ASSERT_EQ(reg_.SaveCounters(0xc1, 6000, 5999), Error::kOk);  // upsert, not a second row
  reg_.Close();
  Registry again;
  ASSERT_EQ(again.Open(db_), Error::kOk);
  Result<ReplayCounters> c = again.LoadCounters(0xc1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tx_ceiling, 6000u);
  EXPECT_EQ(c->rx_high, 5999u);
  Result<ReplayCounters> never = again.LoadCounters(0xc2);
  ASSERT_TRUE(never.ok());
  EXPECT_EQ(never->tx_ceiling, 0u);
  EXPECT_EQ(never->rx_high, 0u);
  EXPECT_EQ(again.SaveCounters(0xc1, uint64_t{1} << 63, 0), Error::kInvalidArgument);
}

TEST_F(RegistryTest, R3StoredMatchesAlgorithm1) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  DeviceSecrets s = MakeSecrets(0xfeedface00000001, rng_);
  DeviceRecord rec;
  ASSERT_EQ(DeviceRecordFromSecrets(crypto_, s, &rec), Error::kOk);
  ASSERT_EQ(reg_.AddDevice(rec), Error::kOk);
  reg_.Close();
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
  Result<DeviceRecord> got = reg_.FindDevice(s.uid);
  ASSERT_TRUE(got.ok());

  std::array<uint8_t, kSha256Size> r3{};
  ASSERT_EQ(CommonFunctionR3(crypto_, s, r3), Error::kOk);
  EXPECT_EQ(got->r3, r3);
  // And Algorithm 1 spelled out step by step, so a mix-up of key and message in either
  // place shows.
  std::array<uint8_t, kSha256Size> r1{}, r2{}, r3_manual{};
  ASSERT_EQ(HmacSha256(crypto_, s.username.span(), {s.password.span()}, r1), Error::kOk);
  ASSERT_EQ(HmacSha256(crypto_, r1, {ByteSpan(s.kd)}, r2), Error::kOk);
  ASSERT_EQ(HmacSha256(crypto_, r2, {ByteSpan(s.secretkey2)}, r3_manual), Error::kOk);
  EXPECT_EQ(got->r3, r3_manual);
  EXPECT_EQ(got->r1, r1);
  EXPECT_EQ(got->kd, s.kd);
}

TEST_F(RegistryTest, CpanIdentityCreatedOnceAndKept) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  EXPECT_EQ(reg_.LoadCpanIdentity().error(), Error::kNotFound);
  Result<CpanIdentity> a = reg_.EnsureCpanIdentity(crypto_, rng_, 1700000000);
  ASSERT_TRUE(a.ok()) << reg_.last_error();
  EXPECT_TRUE(IsAssignableUid(a->uid));
  std::array<uint8_t, kEd25519PublicKeySize> pub{};
  ASSERT_EQ(crypto_.Ed25519PublicFromPrivate(a->sign_priv, pub), Error::kOk);
  EXPECT_EQ(a->sign_pub, pub);
  reg_.Close();
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
  SeededRandom other(7);
  Result<CpanIdentity> b = reg_.EnsureCpanIdentity(crypto_, other, 1800000000);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->uid, a->uid);
  EXPECT_EQ(b->sign_priv, a->sign_priv);
  EXPECT_EQ(b->created_at, 1700000000);
}

TEST_F(RegistryTest, RegistryFileIsOwnerOnly) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  EXPECT_EQ(FileMode(db_), 0600u);
  reg_.Close();
  ::chmod(db_.c_str(), 0644);
  EXPECT_EQ(reg_.Open(db_), Error::kInvalidState);
  EXPECT_NE(reg_.last_error().find("chmod 600"), std::string::npos) << reg_.last_error();
}

TEST_F(RegistryTest, DuplicateOrReservedUidRefused) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  DeviceRecord first = Enroll(0xd1, "first");
  DeviceRecord dup = first;
  dup.name = "second";
  EXPECT_EQ(reg_.AddDevice(dup), Error::kInvalidArgument);
  EXPECT_NE(reg_.last_error().find("already enrolled"), std::string::npos);
  EXPECT_EQ(reg_.FindDevice(0xd1)->name, "first");
  dup.uid = 0;
  EXPECT_EQ(reg_.AddDevice(dup), Error::kInvalidArgument);
  dup.uid = ~uint64_t{0};
  EXPECT_EQ(reg_.AddDevice(dup), Error::kInvalidArgument);
}

TEST_F(RegistryTest, EndpointHintValidatedAndKept) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xe1);
  EXPECT_EQ(reg_.SetEndpointHint(0xe1, "no-port"), Error::kInvalidArgument);
  EXPECT_EQ(reg_.SetEndpointHint(0xe1, "host:70000"), Error::kInvalidArgument);
  EXPECT_EQ(reg_.SetEndpointHint(0xe1, "h'; DROP TABLE devices; --:1"), Error::kInvalidArgument);
  ASSERT_EQ(reg_.SetEndpointHint(0xe1, "[::1]:5683"), Error::kOk);
  EXPECT_EQ(reg_.FindDevice(0xe1)->endpoint_hint, "[::1]:5683");
  ASSERT_EQ(reg_.SetEndpointHint(0xe1, ""), Error::kOk);
  EXPECT_EQ(reg_.FindDevice(0xe1)->endpoint_hint, "");
  EXPECT_TRUE(IsValidEndpointHint("ward3-gw.local:9000"));
  EXPECT_FALSE(IsValidEndpointHint(":9000"));
  EXPECT_FALSE(IsValidEndpointHint("::1:9000"));
}

TEST_F(RegistryTest, NamesAreStoredAsGivenNotInterpreted) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xf1, "Robert'); DROP TABLE devices;--");
  Result<DeviceRecord> r = reg_.FindDevice(0xf1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "Robert'); DROP TABLE devices;--");
  EXPECT_EQ(r->kind, DeviceKind::kEcgPatch);
  EXPECT_EQ(r->ward, "cardiology");
}

// The schema text of version 1, as that build created files: the migration test starts
// from it.
constexpr const char* kSchemaV1ForTest = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
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

std::array<uint8_t, kSha256Size> Filled(uint8_t v) {
  std::array<uint8_t, kSha256Size> a{};
  a.fill(v);
  return a;
}

void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

TEST_F(RegistryTest, CommonFunctionRoundTrip) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  DeviceRecord enrolled = Enroll(0xcf01);
  Enroll(0xcf02);
  // Not moved yet: the current R3 is the enrollment one.
  Result<DeviceRecord> r = reg_.FindDevice(0xcf01);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->r3_current, enrolled.r3);
  EXPECT_FALSE(r->has_prev);
  EXPECT_EQ(r->r3_generation, 0u);

  const auto a = Filled(0xa1), b = Filled(0xb2);
  ASSERT_EQ(reg_.SaveCommonFunction(0xcf01, b, &a, 1), Error::kOk) << reg_.last_error();
  r = reg_.FindDevice(0xcf01);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->r3_current, b);
  EXPECT_TRUE(r->has_prev);
  EXPECT_EQ(r->r3_prev, a);
  EXPECT_EQ(r->r3_generation, 1u);
  EXPECT_EQ(r->r3, enrolled.r3);  // the enrollment value stays as enrolled

  // The device proved it rolled: the previous R3 is dropped (an upsert, not a new row).
  ASSERT_EQ(reg_.SaveCommonFunction(0xcf01, b, nullptr, 0xffffffffu), Error::kOk);
  Result<std::vector<DeviceRecord>> all = reg_.ListDevices();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  const DeviceRecord& moved = (*all)[0].uid == 0xcf01 ? (*all)[0] : (*all)[1];
  const DeviceRecord& still = (*all)[0].uid == 0xcf01 ? (*all)[1] : (*all)[0];
  EXPECT_EQ(moved.r3_current, b);
  EXPECT_FALSE(moved.has_prev);
  EXPECT_EQ(moved.r3_prev, (std::array<uint8_t, kSha256Size>{}));
  EXPECT_EQ(moved.r3_generation, 0xffffffffu);
  EXPECT_EQ(still.r3_current, still.r3);
  EXPECT_EQ(still.r3_generation, 0u);
}

TEST_F(RegistryTest, CommonFunctionSurvivesReopen) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xcf11);
  const auto a = Filled(0x11), b = Filled(0x22);
  ASSERT_EQ(reg_.SaveCommonFunction(0xcf11, b, &a, 7), Error::kOk);
  reg_.Close();
  Registry again;
  ASSERT_EQ(again.Open(db_), Error::kOk) << again.last_error();
  Result<DeviceRecord> r = again.FindDevice(0xcf11);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->r3_current, b);
  EXPECT_TRUE(r->has_prev);
  EXPECT_EQ(r->r3_prev, a);
  EXPECT_EQ(r->r3_generation, 7u);
}

TEST_F(RegistryTest, CommonFunctionUnknownUidNotFound) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xcf21);
  const auto a = Filled(0x33);
  EXPECT_EQ(reg_.SaveCommonFunction(0xdeadbeef, a, nullptr, 1), Error::kNotFound);
  EXPECT_NE(reg_.last_error().find("00000000deadbeef"), std::string::npos) << reg_.last_error();
  EXPECT_EQ(reg_.SaveCommonFunction(0xdeadbeef, a, &a, 1), Error::kNotFound);
  // The kept statement is reusable after a refusal.
  EXPECT_EQ(reg_.SaveCommonFunction(0xcf21, a, nullptr, 1), Error::kOk);
  EXPECT_EQ(reg_.FindDevice(0xcf21)->r3_generation, 1u);
}

TEST_F(RegistryTest, SchemaV1FileIsMigrated) {
  DeviceSecrets s = MakeSecrets(0xcf31, rng_);
  DeviceRecord rec;
  ASSERT_EQ(DeviceRecordFromSecrets(crypto_, s, &rec), Error::kOk);
  RawExec(db_, std::string(kSchemaV1ForTest) +
                   "INSERT INTO devices (uid, kd, r1, r3, name, kind, ward, created_at) VALUES "
                   "(" +
                   std::to_string(rec.uid) + ", x'" + ToHex(rec.kd) + "', x'" + ToHex(rec.r1) +
                   "', x'" + ToHex(rec.r3) +
                   "', 'old', 'ecg_patch', 'icu', 1600000000);"
                   "INSERT INTO counters (uid, tx_ceiling, rx_high) VALUES (" +
                   std::to_string(rec.uid) + ", 900, 800);");
  ::chmod(db_.c_str(), 0600);

  ASSERT_EQ(reg_.Open(db_), Error::kOk) << reg_.last_error();
  Result<DeviceRecord> r = reg_.FindDevice(0xcf31);
  ASSERT_TRUE(r.ok()) << reg_.last_error();
  EXPECT_EQ(r->name, "old");
  EXPECT_EQ(r->r3, rec.r3);
  EXPECT_EQ(r->r3_current, rec.r3);
  EXPECT_FALSE(r->has_prev);
  EXPECT_EQ(r->r3_generation, 0u);
  EXPECT_EQ(reg_.LoadCounters(0xcf31)->tx_ceiling, 900u);
  const auto b = Filled(0x44);
  ASSERT_EQ(reg_.SaveCommonFunction(0xcf31, b, &rec.r3, 1), Error::kOk) << reg_.last_error();
  reg_.Close();

  // Migrated once, in place: the file now says the current version and reopens as it is.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), kRegistrySchemaVersion);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);  // still one row
  sqlite3_finalize(st);
  sqlite3_close(db);
  ASSERT_EQ(reg_.Open(db_), Error::kOk) << reg_.last_error();
  r = reg_.FindDevice(0xcf31);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->r3_current, b);
  EXPECT_EQ(r->r3_prev, rec.r3);
  EXPECT_EQ(r->r3_generation, 1u);
}

TEST_F(RegistryTest, SealedBlobOfWrongSizeIsCorrupt) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xcf41);
  const auto a = Filled(0x55);
  ASSERT_EQ(reg_.SaveCommonFunction(0xcf41, a, &a, 2), Error::kOk);
  reg_.Close();
  const std::vector<uint8_t> good = ReadAll(db_);
  // Another tool, with the schema's CHECKs switched off, writes a short blob: refused at
  // open (quick_check verifies the CHECKs), not read as a record.
  for (const char* table : {"common_function", "devices"}) {
    WriteAll(db_, good);
    RawExec(db_, std::string("PRAGMA ignore_check_constraints = ON; UPDATE ") + table +
                     " SET sealed = x'0102' WHERE uid = " + std::to_string(0xcf41) + ";");
    const std::vector<uint8_t> bad = ReadAll(db_);
    EXPECT_EQ(reg_.Open(db_), Error::kCorrupt) << table;
    EXPECT_NE(reg_.last_error().find(db_), std::string::npos) << reg_.last_error();
    EXPECT_NE(reg_.last_error().find(table), std::string::npos) << reg_.last_error();
    EXPECT_FALSE(reg_.is_open());
    EXPECT_EQ(reg_.FindDevice(0xcf41).error(), Error::kInvalidState);
    EXPECT_EQ(ReadAll(db_), bad) << "the damaged file is evidence: left as it is";
  }
}

bool Contains(const std::vector<uint8_t>& hay, ByteSpan needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

std::vector<uint8_t> ReadBlob(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<uint8_t> out;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 0));
    out.assign(p, p + sqlite3_column_bytes(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

TEST_F(RegistryTest, EmptyFileIsRefusedUntouchedNotReinitialised) {
  WriteAll(db_, {});
  EXPECT_EQ(reg_.Open(db_), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find("empty (0 bytes)"), std::string::npos) << reg_.last_error();
  EXPECT_NE(reg_.last_error().find("restore"), std::string::npos) << reg_.last_error();
  EXPECT_NE(reg_.last_error().find("do not enroll"), std::string::npos) << reg_.last_error();
  EXPECT_FALSE(reg_.is_open());
  EXPECT_TRUE(ReadAll(db_).empty());
  EXPECT_FALSE(Exists(db_ + "-wal"));
  EXPECT_FALSE(Exists(db_ + ".key")) << "no key may be minted for a file that is refused";
  // Create never takes over an existing path either.
  EXPECT_EQ(reg_.Create(db_), Error::kInvalidState);
  EXPECT_TRUE(ReadAll(db_).empty());
}

TEST_F(RegistryTest, ForeignSqliteFileIsRefusedBeforeAnyWrite) {
  RawExec(db_, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);");
  ::chmod(db_.c_str(), 0600);
  const std::vector<uint8_t> before = ReadAll(db_);
  ASSERT_EQ(before[18], 1) << "the test file must start in rollback-journal mode";
  EXPECT_EQ(reg_.Open(db_), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find("not a Vigil registry"), std::string::npos);
  EXPECT_EQ(ReadAll(db_), before) << "not switched to WAL, not given a schema";
  EXPECT_FALSE(Exists(db_ + "-wal"));
  EXPECT_FALSE(Exists(db_ + ".key"));
  // Another application's file (its own application_id) is refused from the header.
  RawExec(db_, "PRAGMA application_id = 1234;");
  const std::vector<uint8_t> tagged = ReadAll(db_);
  EXPECT_EQ(reg_.Open(db_), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find("another application"), std::string::npos) << reg_.last_error();
  EXPECT_EQ(ReadAll(db_), tagged);
}

TEST_F(RegistryTest, MissingRegistryIsNotFoundAndNothingIsCreated) {
  EXPECT_EQ(reg_.Open(db_), Error::kNotFound);
  EXPECT_NE(reg_.last_error().find("vigil enroll"), std::string::npos) << reg_.last_error();
  EXPECT_FALSE(Exists(db_));
  EXPECT_FALSE(Exists(db_ + ".key"));
}

TEST_F(RegistryTest, SecretsAreNotStoredInClear) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk) << reg_.last_error();
  EXPECT_EQ(FileMode(db_ + ".key"), 0600u);
  Result<CpanIdentity> id = reg_.EnsureCpanIdentity(crypto_, rng_, 1700000000);
  ASSERT_TRUE(id.ok());
  DeviceRecord r = Enroll(0x5ec1);
  const auto moved = Filled(0x77);
  ASSERT_EQ(reg_.SaveCommonFunction(r.uid, moved, &r.r3, 1), Error::kOk);
  reg_.Close();
  std::vector<uint8_t> file = ReadAll(db_);
  const std::vector<uint8_t> wal = ReadAll(db_ + "-wal");
  file.insert(file.end(), wal.begin(), wal.end());
  EXPECT_FALSE(Contains(file, r.kd));
  EXPECT_FALSE(Contains(file, r.r1));
  EXPECT_FALSE(Contains(file, r.r3));
  EXPECT_FALSE(Contains(file, moved));
  EXPECT_FALSE(Contains(file, id->sign_priv));
  EXPECT_TRUE(Contains(file, id->sign_pub));  // public: stored as it is
  // And all of it reads back with the key.
  ASSERT_EQ(reg_.Open(db_), Error::kOk) << reg_.last_error();
  EXPECT_EQ(reg_.FindDevice(r.uid)->kd, r.kd);
  EXPECT_EQ(reg_.FindDevice(r.uid)->r3_current, moved);
  EXPECT_EQ(reg_.FindDevice(r.uid)->r3_prev, r.r3);
  EXPECT_EQ(reg_.LoadCpanIdentity()->sign_priv, id->sign_priv);
}

// The reported failure: a flipped byte in a page after the first passed quick_check, and
// the device was then refused as an impostor. Now its record fails authentication and
// is reported as damaged, by uid; the other devices are unaffected.
TEST_F(RegistryTest, FlippedByteInARecordIsDamagedByUidOthersKeepWorking) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  for (uint64_t uid = 0xb001; uid <= 0xb040; ++uid) Enroll(uid, std::string(60, 'n'));
  reg_.Close();
  const std::vector<uint8_t> sealed =
      ReadBlob(db_, "SELECT sealed FROM devices WHERE uid = " + std::to_string(0xb033));
  ASSERT_EQ(sealed.size(), 108u);
  std::vector<uint8_t> file = ReadAll(db_);
  auto at = std::search(file.begin(), file.end(), sealed.begin(), sealed.end());
  ASSERT_NE(at, file.end());
  ASSERT_GT(at - file.begin(), 4096) << "the record should sit beyond the first page";
  at[40] ^= 0x01;
  WriteAll(db_, file);

  ASSERT_EQ(reg_.Open(db_), Error::kOk) << "quick_check cannot see a flip inside a value";
  Result<DeviceRecord> bad = reg_.FindDevice(0xb033);
  EXPECT_EQ(bad.error(), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find("000000000000b033"), std::string::npos) << reg_.last_error();
  EXPECT_NE(reg_.last_error().find("damaged"), std::string::npos) << reg_.last_error();
  EXPECT_TRUE(reg_.FindDevice(0xb032).ok());
  EXPECT_EQ(reg_.ListDevices().error(), Error::kCorrupt);
  std::vector<DamagedRecord> damaged;
  Result<std::vector<DeviceRecord>> good = reg_.ListDevices(&damaged);
  ASSERT_TRUE(good.ok()) << reg_.last_error();
  EXPECT_EQ(good->size(), 0x3fu);
  ASSERT_EQ(damaged.size(), 1u);
  EXPECT_EQ(damaged[0].uid, 0xb033u);
  EXPECT_NE(damaged[0].message.find("000000000000b033"), std::string::npos);
}

TEST_F(RegistryTest, RecordMovedToAnotherUidOrUnrevokedFailsAuthentication) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xa1);
  Enroll(0xa2);
  Enroll(0xa3);
  ASSERT_EQ(reg_.Revoke(0xa3), Error::kOk);
  ASSERT_TRUE(reg_.FindDevice(0xa3)->revoked) << "revocation re-seals the record";
  reg_.Close();
  // a1's sealed secrets copied over a2's; a3 un-revoked behind the registry's back.
  RawExec(db_, "UPDATE devices SET sealed = (SELECT sealed FROM devices WHERE uid = " +
                   std::to_string(0xa1) + ") WHERE uid = " + std::to_string(0xa2) +
                   "; UPDATE devices SET revoked = 0 WHERE uid = " + std::to_string(0xa3) + ";");
  ASSERT_EQ(reg_.Open(db_), Error::kOk) << reg_.last_error();
  EXPECT_TRUE(reg_.FindDevice(0xa1).ok());
  EXPECT_EQ(reg_.FindDevice(0xa2).error(), Error::kCorrupt);
  EXPECT_EQ(reg_.FindDevice(0xa3).error(), Error::kCorrupt);
}

TEST_F(RegistryTest, GenerationEditedOutsideFailsAuthentication) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  DeviceRecord r = Enroll(0xa4);
  ASSERT_EQ(reg_.SaveCommonFunction(r.uid, Filled(1), &r.r3, 5), Error::kOk);
  reg_.Close();
  RawExec(db_, "UPDATE common_function SET generation = 4;");
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
  EXPECT_EQ(reg_.FindDevice(0xa4).error(), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find("common function"), std::string::npos) << reg_.last_error();
}

TEST_F(RegistryTest, WrongMissingOrOpenKeyFileIsRefused) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xa5);
  reg_.Close();
  const std::vector<uint8_t> before = ReadAll(db_);
  // Another registry's key.
  Registry other;
  ASSERT_EQ(other.Create(dir_.File("other.db")), Error::kOk);
  other.Close();
  EXPECT_EQ(reg_.Open(db_, dir_.File("other.db.key")), Error::kCorrupt);
  EXPECT_NE(reg_.last_error().find("is not this registry's key"), std::string::npos)
      << reg_.last_error();
  // No key file at all.
  ASSERT_EQ(::rename((db_ + ".key").c_str(), dir_.File("kept.key").c_str()), 0);
  EXPECT_EQ(reg_.Open(db_), Error::kNotFound);
  EXPECT_NE(reg_.last_error().find("--registry-key"), std::string::npos) << reg_.last_error();
  EXPECT_FALSE(Exists(db_ + ".key")) << "a version-3 registry never gets a new key";
  // A key file others can read.
  ::chmod(dir_.File("kept.key").c_str(), 0640);
  EXPECT_EQ(reg_.Open(db_, dir_.File("kept.key")), Error::kInvalidState);
  EXPECT_NE(reg_.last_error().find("chmod 600"), std::string::npos) << reg_.last_error();
  ::chmod(dir_.File("kept.key").c_str(), 0600);
  ASSERT_EQ(reg_.Open(db_, dir_.File("kept.key")), Error::kOk) << reg_.last_error();
  EXPECT_TRUE(reg_.FindDevice(0xa5).ok());
  reg_.Close();
  EXPECT_EQ(ReadAll(db_), before);
}

TEST_F(RegistryTest, KeyPathDefaultsBesideTheRegistryOrFromTheEnvironment) {
  ::unsetenv(kRegistryKeyEnv);
  EXPECT_EQ(RegistryKeyPath("/x/gw.db"), "/x/gw.db.key");
  ::setenv(kRegistryKeyEnv, "/keys/gw.key", 1);
  EXPECT_EQ(RegistryKeyPath("/x/gw.db"), "/keys/gw.key");
  EXPECT_EQ(RegistryKeyPath("/x/gw.db", "/opt/k"), "/opt/k");
  ::unsetenv(kRegistryKeyEnv);
}

TEST_F(RegistryTest, SchemaV2FileIsMigratedAndSealed) {
  DeviceSecrets s = MakeSecrets(0xcf51, rng_);
  DeviceRecord rec;
  ASSERT_EQ(DeviceRecordFromSecrets(crypto_, s, &rec), Error::kOk);
  const auto moved = Filled(0x66);
  const auto priv = Filled(0x99);
  std::array<uint8_t, kEd25519PublicKeySize> pub{};
  ASSERT_EQ(crypto_.Ed25519PublicFromPrivate(priv, pub), Error::kOk);
  RawExec(db_, std::string(kSchemaV1ForTest) +
                   "CREATE TABLE common_function (uid INTEGER PRIMARY KEY REFERENCES "
                   "devices(uid) ON DELETE CASCADE, r3 BLOB NOT NULL CHECK (length(r3) = 32), "
                   "r3_prev BLOB CHECK (r3_prev IS NULL OR length(r3_prev) = 32), generation "
                   "INTEGER NOT NULL); UPDATE schema_version SET version = 2;"
                   "INSERT INTO cpan_identity VALUES (1, 4660, x'" +
                   ToHex(priv) + "', x'" + ToHex(pub) +
                   "', 1500000000);"
                   "INSERT INTO devices (uid, kd, r1, r3, name, kind, ward, revoked, created_at) "
                   "VALUES (" +
                   std::to_string(rec.uid) + ", x'" + ToHex(rec.kd) + "', x'" + ToHex(rec.r1) +
                   "', x'" + ToHex(rec.r3) +
                   "', 'old', 'bp_cuff', 'icu', 1, 1600000000);"
                   "INSERT INTO counters VALUES (" +
                   std::to_string(rec.uid) +
                   ", 900, 800);"
                   "INSERT INTO common_function VALUES (" +
                   std::to_string(rec.uid) + ", x'" + ToHex(moved) + "', x'" + ToHex(rec.r3) +
                   "', 3);");
  ::chmod(db_.c_str(), 0600);
  ASSERT_EQ(reg_.Open(db_), Error::kOk) << reg_.last_error();
  EXPECT_NE(reg_.notice().find("migrated"), std::string::npos) << reg_.notice();
  EXPECT_EQ(FileMode(db_ + ".key"), 0600u);
  Result<DeviceRecord> r = reg_.FindDevice(rec.uid);
  ASSERT_TRUE(r.ok()) << reg_.last_error();
  EXPECT_EQ(r->kd, rec.kd);
  EXPECT_EQ(r->r1, rec.r1);
  EXPECT_EQ(r->r3, rec.r3);
  EXPECT_EQ(r->r3_current, moved);
  EXPECT_TRUE(r->has_prev);
  EXPECT_EQ(r->r3_prev, rec.r3);
  EXPECT_EQ(r->r3_generation, 3u);
  EXPECT_TRUE(r->revoked);
  EXPECT_EQ(r->kind, DeviceKind::kBpCuff);
  EXPECT_EQ(r->name, "old");
  EXPECT_EQ(r->created_at, 1600000000);
  EXPECT_EQ(reg_.LoadCounters(rec.uid)->tx_ceiling, 900u);
  Result<CpanIdentity> id = reg_.LoadCpanIdentity();
  ASSERT_TRUE(id.ok()) << reg_.last_error();
  EXPECT_EQ(id->uid, 4660u);
  EXPECT_EQ(id->sign_priv, priv);
  reg_.Close();
  std::vector<uint8_t> file = ReadAll(db_);
  const std::vector<uint8_t> wal = ReadAll(db_ + "-wal");
  file.insert(file.end(), wal.begin(), wal.end());
  EXPECT_FALSE(Contains(file, rec.kd)) << "the plaintext pages are erased by the migration";
  EXPECT_FALSE(Contains(file, moved));
  EXPECT_FALSE(Contains(file, priv));
  // Reopened as version 3, without a second migration.
  ASSERT_EQ(reg_.Open(db_), Error::kOk) << reg_.last_error();
  EXPECT_TRUE(reg_.notice().empty()) << reg_.notice();
}

TEST_F(RegistryTest, BackupHoldsWhatIsStillInTheWal) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  ASSERT_TRUE(reg_.EnsureCpanIdentity(crypto_, rng_, 1700000000).ok());
  DeviceRecord r = Enroll(0xbb01);
  ASSERT_EQ(reg_.SaveCommonFunction(r.uid, Filled(0x42), nullptr, 9), Error::kOk);
  // Still open: the move is in the WAL, where a cp of the file would miss it.
  ASSERT_GT(ReadAll(db_ + "-wal").size(), 0u);
  const std::string out = dir_.File("backup.db");
  ASSERT_EQ(reg_.Backup(out), Error::kOk) << reg_.last_error();
  EXPECT_EQ(FileMode(out), 0600u);
  EXPECT_FALSE(Exists(out + "-wal"));
  EXPECT_EQ(reg_.Backup(out), Error::kInvalidState) << "a backup is never overwritten";
  Registry copy;
  ASSERT_EQ(copy.Open(out, db_ + ".key"), Error::kOk) << copy.last_error();
  EXPECT_EQ(copy.FindDevice(r.uid)->r3_generation, 9u);
  EXPECT_EQ(copy.FindDevice(r.uid)->r3_current, Filled(0x42));
  EXPECT_FALSE(copy.FindDevice(r.uid)->stale_since_restore);
  EXPECT_FALSE(Exists(out + ".key")) << "the key file is not part of a backup";
}

TEST_F(RegistryTest, RestoreFlagsEveryDeviceUntilItConfirmsAgain) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  DeviceRecord a = Enroll(0xcc01);
  DeviceRecord b = Enroll(0xcc02);
  ASSERT_EQ(reg_.SaveCommonFunction(a.uid, Filled(0x10), &a.r3, 1), Error::kOk);
  const std::string out = dir_.File("backup.db");
  ASSERT_EQ(reg_.Backup(out), Error::kOk) << reg_.last_error();
  reg_.Close();
  const std::vector<uint8_t> backup_bytes = ReadAll(out);

  std::string why;
  size_t n = 0;
  EXPECT_EQ(RestoreRegistry(out, db_, "", 1800000000, &n, &why), Error::kInvalidState);
  EXPECT_NE(why.find("move it aside"), std::string::npos) << why;
  const std::string restored = dir_.File("restored.db");
  ASSERT_EQ(RestoreRegistry(out, restored, db_ + ".key", 1800000000, &n, &why), Error::kOk) << why;
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(ReadAll(out), backup_bytes) << "restoring never changes the backup";
  EXPECT_EQ(FileMode(restored), 0600u);
  EXPECT_FALSE(Exists(restored + ".restoring"));
  Registry r;
  ASSERT_EQ(r.Open(restored, db_ + ".key"), Error::kOk) << r.last_error();
  Result<DeviceRecord> ra = r.FindDevice(a.uid);
  ASSERT_TRUE(ra.ok());
  EXPECT_TRUE(ra->stale_since_restore);
  EXPECT_EQ(ra->restored_at, 1800000000);
  EXPECT_EQ(ra->r3_current, Filled(0x10));
  EXPECT_EQ(ra->r3_generation, 1u);
  EXPECT_TRUE(ra->has_prev);
  EXPECT_TRUE(r.FindDevice(b.uid)->stale_since_restore) << "generation 0 devices too";
  EXPECT_EQ(r.FindDevice(b.uid)->r3_current, b.r3);
  // The device's next confirmation moves R3: registry and device agree again.
  ASSERT_EQ(r.SaveCommonFunction(a.uid, Filled(0x11), nullptr, 2), Error::kOk);
  EXPECT_FALSE(r.FindDevice(a.uid)->stale_since_restore);
  EXPECT_EQ(r.FindDevice(a.uid)->restored_at, 0);
  EXPECT_TRUE(r.FindDevice(b.uid)->stale_since_restore);
}

TEST_F(RegistryTest, RestoreOfADamagedBackupRestoresNothing) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  Enroll(0xcd01);
  const std::string out = dir_.File("backup.db");
  ASSERT_EQ(reg_.Backup(out), Error::kOk) << reg_.last_error();
  reg_.Close();
  RawExec(out, "UPDATE devices SET revoked = 1;");
  std::string why;
  const std::string restored = dir_.File("restored.db");
  EXPECT_EQ(RestoreRegistry(out, restored, db_ + ".key", 1800000000, nullptr, &why),
            Error::kCorrupt);
  EXPECT_NE(why.find("000000000000cd01"), std::string::npos) << why;
  EXPECT_FALSE(Exists(restored));
  EXPECT_FALSE(Exists(restored + ".restoring"));
}

TEST_F(RegistryTest, ReplacedSecretsRestartTheCommonFunctionAndCounters) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  DeviceRecord a = Enroll(0xce01, "pump-3");
  ASSERT_EQ(reg_.SaveCommonFunction(a.uid, Filled(0x10), &a.r3, 4), Error::kOk);
  ASSERT_EQ(reg_.SaveCounters(a.uid, 500, 400), Error::kOk);
  DeviceRecord fresh;
  ASSERT_EQ(DeviceRecordFromSecrets(crypto_, MakeSecrets(a.uid, rng_), &fresh), Error::kOk);
  ASSERT_NE(fresh.kd, a.kd);
  ASSERT_EQ(reg_.ReplaceDeviceSecrets(fresh), Error::kOk) << reg_.last_error();
  Result<DeviceRecord> r = reg_.FindDevice(a.uid);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kd, fresh.kd);
  EXPECT_EQ(r->r3_current, fresh.r3);
  EXPECT_EQ(r->r3_generation, 0u);
  EXPECT_FALSE(r->has_prev);
  EXPECT_EQ(r->name, "pump-3");
  EXPECT_EQ(reg_.LoadCounters(a.uid)->rx_high, 0u);
  ASSERT_EQ(reg_.Revoke(a.uid), Error::kOk);
  EXPECT_EQ(reg_.ReplaceDeviceSecrets(fresh), Error::kInvalidState);
  fresh.uid = 0xdead;
  EXPECT_EQ(reg_.ReplaceDeviceSecrets(fresh), Error::kNotFound);
}

TEST_F(RegistryTest, CreateReusesAnExistingKeyFile) {
  ASSERT_EQ(reg_.Create(db_), Error::kOk);
  reg_.Close();
  const std::vector<uint8_t> key = ReadAll(db_ + ".key");
  ASSERT_EQ(key.size(), kRegistryKeyFileSize);
  ASSERT_EQ(::unlink(db_.c_str()), 0);
  ASSERT_EQ(reg_.Create(db_), Error::kOk) << reg_.last_error();
  EXPECT_NE(reg_.notice().find("already existed"), std::string::npos) << reg_.notice();
  EXPECT_EQ(ReadAll(db_ + ".key"), key);
}

}  // namespace
}  // namespace vigil
