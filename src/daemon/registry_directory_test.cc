#include "daemon/registry_directory.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <string>

#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"
#include "daemon/log.h"
#include "edge/registry.h"

namespace vigil {
namespace {

class RegistryDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(registry_.Create(dir_.File("gw.db")), Error::kOk) << registry_.last_error();
    DeviceSecrets s;
    s.uid = 0x00124b00000000d1;
    s.cpan_uid = 0x00124b0000000001;
    ASSERT_EQ(rng_.Fill(s.kd), Error::kOk);
    ASSERT_EQ(rng_.Fill(s.secretkey2), Error::kOk);
    const uint8_t user[] = {'u'}, pass[] = {'p', 'w'};
    ASSERT_TRUE(s.username.Set(user));
    ASSERT_TRUE(s.password.Set(pass));
    DeviceRecord r;
    ASSERT_EQ(DeviceRecordFromSecrets(crypto_, s, &r), Error::kOk);
    r.created_at = 1700000000;
    ASSERT_EQ(registry_.AddDevice(r), Error::kOk) << registry_.last_error();
    enrolled_.uid = r.uid;
    enrolled_.kd = r.kd;
    enrolled_.r1 = r.r1;
    enrolled_.r3 = r.r3;
    directory_.Put(enrolled_);
  }
  ~RegistryDirectoryTest() override { std::fclose(log_file_); }

  EnrolledDevice Moved() const {
    EnrolledDevice d = enrolled_;
    d.r3_prev = d.r3;
    d.r3.fill(0x5a);
    d.has_prev = true;
    d.r3_generation = 1;
    return d;
  }

  testing::TempDir dir_;
  OpenSslCrypto crypto_;
  SeededRandom rng_{9};
  Registry registry_;
  std::FILE* log_file_ = std::tmpfile();
  Logger log_{"test", log_file_};
  RegistryDirectory directory_{registry_, &log_};
  EnrolledDevice enrolled_;
};

// Two wards' gateways share the registry: a device that moved its R3 at one and walks to
// the other within the reload interval must not be checked against the old R3 there.
TEST_F(RegistryDirectoryTest, LookupSeesAMoveByAnotherGatewayBeforeAnyReload) {
  Registry other;
  ASSERT_EQ(other.Open(dir_.File("gw.db")), Error::kOk) << other.last_error();
  const EnrolledDevice moved = Moved();
  ASSERT_EQ(other.SaveCommonFunction(moved.uid, moved.r3, &moved.r3_prev, moved.r3_generation),
            Error::kOk)
      << other.last_error();
  EnrolledDevice got;
  ASSERT_TRUE(directory_.Find(enrolled_.uid, &got));
  EXPECT_EQ(got.r3, moved.r3);
  EXPECT_TRUE(got.has_prev);
  EXPECT_EQ(got.r3_prev, enrolled_.r3);
  EXPECT_EQ(got.r3_generation, 1u);
  EXPECT_EQ(got.kd, enrolled_.kd);
  ASSERT_EQ(other.Revoke(enrolled_.uid), Error::kOk);
  ASSERT_TRUE(directory_.Find(enrolled_.uid, &got));
  EXPECT_TRUE(got.revoked) << "a revocation elsewhere counts at once too";
}

TEST_F(RegistryDirectoryTest, StagedCommonFunctionIsInTheRegistryAfterFlush) {
  const EnrolledDevice moved = Moved();
  ASSERT_TRUE(directory_.UpdateCommonFunction(moved));
  EXPECT_TRUE(directory_.dirty());
  EnrolledDevice got;
  ASSERT_TRUE(directory_.Find(moved.uid, &got));  // the coordinator sees the move at once
  EXPECT_EQ(got.r3, moved.r3);
  EXPECT_EQ(got.r3_prev, enrolled_.r3);
  EXPECT_TRUE(got.has_prev);
  EXPECT_EQ(got.r3_generation, 1u);
  EXPECT_EQ(got.kd, enrolled_.kd);  // only the common function changes
  ASSERT_EQ(directory_.Flush(), Error::kOk);
  EXPECT_FALSE(directory_.dirty());
  // What a restarted gateway reads back.
  Result<DeviceRecord> r = registry_.FindDevice(moved.uid);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->r3_current, moved.r3);
  EXPECT_TRUE(r->has_prev);
  EXPECT_EQ(r->r3_prev, enrolled_.r3);
  EXPECT_EQ(r->r3_generation, 1u);
  EXPECT_EQ(r->r3, enrolled_.r3);
  EXPECT_FALSE(directory_.UpdateCommonFunction(EnrolledDevice{}));  // not enrolled
}

// Before the group commit is written, a reload (which reads the registry) must not bring
// the device's old common function back into memory.
TEST_F(RegistryDirectoryTest, ReloadBeforeFlushKeepsTheStagedMove) {
  const EnrolledDevice moved = Moved();
  ASSERT_TRUE(directory_.UpdateCommonFunction(moved));
  Result<std::vector<DeviceRecord>> list = directory_.LoadDevices();
  ASSERT_TRUE(list.ok());
  for (const DeviceRecord& rec : *list) directory_.Put(FromRecord(rec));
  EnrolledDevice got;
  ASSERT_TRUE(directory_.Find(moved.uid, &got));
  EXPECT_EQ(got.r3, moved.r3);
  EXPECT_EQ(got.r3_generation, 1u);
  ASSERT_EQ(directory_.Flush(), Error::kOk);
  ASSERT_TRUE(directory_.Find(moved.uid, &got));
  EXPECT_EQ(got.r3, moved.r3);
}

TEST_F(RegistryDirectoryTest, FailedFlushKeepsTheMovesStagedAndSaysSo) {
  registry_.Close();  // every write now fails
  const EnrolledDevice moved = Moved();
  ASSERT_TRUE(directory_.UpdateCommonFunction(moved));
  std::string why;
  EXPECT_NE(directory_.Flush(&why), Error::kOk);
  EXPECT_FALSE(why.empty());
  EXPECT_TRUE(directory_.dirty()) << "a failed write must be retried";
  EnrolledDevice got;
  ASSERT_TRUE(directory_.Find(enrolled_.uid, &got));
  EXPECT_EQ(got.r3, moved.r3);  // the grant depending on it is held back by the core
  std::fflush(log_file_);
  std::rewind(log_file_);
  char line[512] = {};
  ASSERT_NE(std::fgets(line, sizeof line, log_file_), nullptr);
  EXPECT_NE(std::string(line).find("cannot persist the common function"), std::string::npos)
      << line;
}

// A damaged record must not stop a reload (the gateway keeps serving the other devices)
// nor be mistaken for an impostor later: it is left out and logged once, by uid.
TEST_F(RegistryDirectoryTest, DamagedRecordIsLoggedOnceAndTheOthersLoad) {
  DeviceSecrets s;
  s.uid = 0x00124b00000000d2;
  ASSERT_EQ(rng_.Fill(s.kd), Error::kOk);
  const uint8_t user[] = {'v'}, pass[] = {'q'};
  ASSERT_TRUE(s.username.Set(user));
  ASSERT_TRUE(s.password.Set(pass));
  DeviceRecord r;
  ASSERT_EQ(DeviceRecordFromSecrets(crypto_, s, &r), Error::kOk);
  r.created_at = 1700000001;
  ASSERT_EQ(registry_.AddDevice(r), Error::kOk);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("gw.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE devices SET revoked = 1 WHERE uid = 5149012952875218", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);  // uid 00124b00000000d2
  sqlite3_close(db);

  for (int reload = 0; reload < 3; ++reload) {
    Result<std::vector<DeviceRecord>> list = directory_.LoadDevices();
    ASSERT_TRUE(list.ok()) << registry_.last_error();
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].uid, enrolled_.uid);
  }
  EXPECT_EQ(directory_.damaged().count(0x00124b00000000d2), 1u);
  std::fflush(log_file_);
  std::rewind(log_file_);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, log_file_)) > 0) text.append(buf, n);
  size_t count = 0;
  for (size_t at = text.find("registry record damaged"); at != std::string::npos;
       at = text.find("registry record damaged", at + 1))
    ++count;
  EXPECT_EQ(count, 1u) << text;
  EXPECT_NE(text.find("00124b00000000d2"), std::string::npos) << text;
}

TEST_F(RegistryDirectoryTest, RestoredDeviceIsStaleUntilItsNextMove) {
  EXPECT_FALSE(directory_.StaleSinceRestore(enrolled_.uid));
  ASSERT_EQ(registry_.MarkRestored(1800000000), Error::kOk) << registry_.last_error();
  EXPECT_TRUE(directory_.StaleSinceRestore(enrolled_.uid));
  EXPECT_FALSE(directory_.StaleSinceRestore(0x1234)) << "unknown uid";
  ASSERT_TRUE(directory_.UpdateCommonFunction(Moved()));
  EXPECT_FALSE(directory_.StaleSinceRestore(enrolled_.uid));
}

}  // namespace
}  // namespace vigil
