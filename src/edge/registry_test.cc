#include "edge/registry.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

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
  ASSERT_EQ(reg_.Open(db_), Error::kOk) << reg_.last_error();
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
  EXPECT_EQ(FileMode(db_), 0600u);
  reg_.Close();
  ::chmod(db_.c_str(), 0644);
  EXPECT_EQ(reg_.Open(db_), Error::kInvalidState);
  EXPECT_NE(reg_.last_error().find("chmod 600"), std::string::npos) << reg_.last_error();
}

TEST_F(RegistryTest, DuplicateOrReservedUidRefused) {
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
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

  // Migrated once, in place: the file now says version 2 and reopens as it is.
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

TEST_F(RegistryTest, CommonFunctionWrongSizeBlobIsCorrupt) {
  ASSERT_EQ(reg_.Open(db_), Error::kOk);
  Enroll(0xcf41);
  const auto a = Filled(0x55);
  ASSERT_EQ(reg_.SaveCommonFunction(0xcf41, a, &a, 2), Error::kOk);
  reg_.Close();
  const std::vector<uint8_t> good = ReadAll(db_);
  // Another tool, with the schema's CHECKs switched off, writes a short key: refused at
  // open (quick_check verifies the CHECKs), not read as a key of the wrong length.
  for (const char* column : {"r3", "r3_prev"}) {
    WriteAll(db_, good);
    RawExec(db_, std::string("PRAGMA ignore_check_constraints = ON; UPDATE common_function SET ") +
                     column + " = x'0102' WHERE uid = " + std::to_string(0xcf41) + ";");
    const std::vector<uint8_t> bad = ReadAll(db_);
    EXPECT_EQ(reg_.Open(db_), Error::kCorrupt) << column;
    EXPECT_NE(reg_.last_error().find(db_), std::string::npos) << reg_.last_error();
    EXPECT_NE(reg_.last_error().find("common_function"), std::string::npos) << reg_.last_error();
    EXPECT_FALSE(reg_.is_open());
    EXPECT_EQ(reg_.FindDevice(0xcf41).error(), Error::kInvalidState);
    EXPECT_EQ(ReadAll(db_), bad) << "the damaged file is evidence: left as it is";
  }
}

}  // namespace
}  // namespace vigil
