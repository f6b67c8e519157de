// The gateway's persisted state fails closed: a write that fails (a full disk, an I/O
// error, a short write) keeps back everything that depends on it, and nothing of the old
// file is lost.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/private_file.h"
#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"
#include "daemon/config.h"
#include "daemon/gateway.h"
#include "edge/registry.h"

namespace vigil {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Fixture {
  testing::TempDir dir;
  DaemonConfig config = DefaultDaemonConfig();
  Logger log{"gateway", nullptr, true};
  Fixture() {
    const std::string db = dir.path() + "/gw.db";
    Registry reg;
    EXPECT_EQ(reg.Create(db), Error::kOk) << reg.last_error();
    OpenSslCrypto crypto;
    OsRandom rng;
    EXPECT_TRUE(reg.EnsureCpanIdentity(crypto, rng, static_cast<int64_t>(time(nullptr))).ok());
    config.gateway.registry = db;
    config.gateway.listen = "127.0.0.1:0";
    config.gateway.alerts = dir.path() + "/alerts.eve.json";
  }
  std::string state() const { return config.gateway.registry + ".state"; }
};

class StateWriteFault : public ::testing::TestWithParam<FileFault> {};
INSTANTIATE_TEST_SUITE_P(All, StateWriteFault,
                         ::testing::Values(FileFault::kNoSpace, FileFault::kIo,
                                           FileFault::kShortWrite),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case FileFault::kNoSpace:
                               return std::string("NoSpace");
                             case FileFault::kIo:
                               return std::string("Io");
                             default:
                               return std::string("ShortWrite");
                           }
                         });

// Before: a failed write only logged, and the broadcast whose counter it covered went out.
TEST_P(StateWriteFault, BroadcastWaitsUntilItsCounterIsOnDisk) {
  Fixture f;
  Gateway gw;
  std::string why;
  ASSERT_EQ(gw.Open(f.config, f.log, &why), Error::kOk) << why;
  const std::string before = Slurp(f.state());
  ASSERT_FALSE(before.empty());
  const uint64_t out_before = gw.stats().frames_out;

  InjectFileFault(GetParam());
  const uint8_t msg[] = {'a', 'l', 'a', 'r', 'm'};
  ASSERT_EQ(gw.core().SendBroadcast(ByteSpan(msg, sizeof(msg)), gw.now()), Error::kOk);
  gw.Poll(0);  // drains: the kPersist cannot be written
  EXPECT_EQ(gw.stats().persist_failures, 1u);
  EXPECT_TRUE(gw.core().persist_failed());
  EXPECT_EQ(Slurp(f.state()), before) << "the old state file is intact";
  EXPECT_EQ(gw.core().SendBroadcast(ByteSpan(msg, sizeof(msg)), gw.now()), Error::kIo);
  EXPECT_EQ(gw.stats().frames_out, out_before);
  for (const auto& e : std::filesystem::directory_iterator(f.dir.path()))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();

  // The disk recovers: the retry (once a second) writes the state and sending resumes.
  InjectFileFault(FileFault::kNone);
  for (int i = 0; i < 30 && gw.core().persist_failed(); ++i) gw.Poll(100);
  EXPECT_FALSE(gw.core().persist_failed());
  EXPECT_NE(Slurp(f.state()), before);
  EXPECT_EQ(gw.core().SendBroadcast(ByteSpan(msg, sizeof(msg)), gw.now()), Error::kOk);
}

// A restart never brings back a broadcast key: the gateway makes a new one and must have
// it on disk before it listens.
TEST(GatewayState, GatewayDoesNotStartWhenItsNewKeyCannotBeWritten) {
  Fixture f;
  {
    Gateway first;
    std::string why;
    ASSERT_EQ(first.Open(f.config, f.log, &why), Error::kOk) << why;
  }
  const std::string before = Slurp(f.state());
  InjectFileFault(FileFault::kNoSpace);
  Gateway second;
  std::string why;
  EXPECT_EQ(second.Open(f.config, f.log, &why), Error::kIo);
  EXPECT_NE(why.find("does not start without its state on disk"), std::string::npos) << why;
  EXPECT_EQ(Slurp(f.state()), before);
  InjectFileFault(FileFault::kNone);
  Gateway third;
  ASSERT_EQ(third.Open(f.config, f.log, &why), Error::kOk) << why;
  EXPECT_NE(Slurp(f.state()), before) << "a new broadcast key at every start";
}

}  // namespace
}  // namespace vigil
