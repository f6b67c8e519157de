#include "device/tamper.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

using testing::TempDir;
using testing::WriteAll;

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(store_.Open(), Error::kOk);
    DeviceSecrets s;
    s.uid = 0x42;
    const uint8_t u[] = {'u'}, p[] = {'p'};
    ASSERT_TRUE(s.username.Set(u));
    ASSERT_TRUE(s.password.Set(p));
    ASSERT_EQ(store_.Seal(s), Error::kOk);
  }
  bool StoreGone() const {
    return !std::filesystem::exists(store_.sealed_path()) &&
           !std::filesystem::exists(store_.device_key_path());
  }

  TempDir dir_;
  OpenSslCrypto crypto_;
  OsRandom rng_;
  SealedFileStore store_{crypto_, rng_, dir_.File("keys.sealed"), dir_.File("device.key")};
  std::vector<TamperEvent> events_;
  TamperMonitor monitor_{store_, [this](const TamperEvent& e) { events_.push_back(e); }};
};

TEST_F(TamperTest, FlagFileZeroizesStoreAndReportsOnce) {
  std::string flag = dir_.File("enclosure-open");
  monitor_.WatchFlagFile(flag);
  EXPECT_FALSE(monitor_.Poll(1000));
  EXPECT_FALSE(StoreGone());
  WriteAll(flag, {1});
  EXPECT_TRUE(monitor_.Poll(2000));
  EXPECT_TRUE(StoreGone());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].time, 2000);
  EXPECT_EQ(events_[0].source, "flag:" + flag);
  EXPECT_EQ(events_[0].zeroize_result, Error::kOk);
  // The switch stays open: latched, no second report.
  EXPECT_FALSE(monitor_.Poll(3000));
  EXPECT_EQ(events_.size(), 1u);
  DeviceSecrets got;
  EXPECT_EQ(store_.Load(&got), Error::kNotFound);
}

TEST_F(TamperTest, InterruptRequestActsAtNextPoll) {
  monitor_.RequestFromInterrupt();
  EXPECT_FALSE(StoreGone());  // nothing happens inside the "interrupt"
  EXPECT_TRUE(monitor_.Poll(5));
  EXPECT_TRUE(StoreGone());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].source, "interrupt");
  monitor_.Rearm();
  EXPECT_FALSE(monitor_.tripped());
  EXPECT_FALSE(monitor_.Poll(6));
}

TEST_F(TamperTest, DirectSignalZeroizes) {
  monitor_.Signal(9, "enclosure");
  EXPECT_TRUE(monitor_.tripped());
  EXPECT_TRUE(StoreGone());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].source, "enclosure");
}

}  // namespace
}  // namespace vigil
