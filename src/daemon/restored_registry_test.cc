// A registry restored from a backup older than a device's latest association, end to end:
// the real gateway and the real device over loopback UDP. The device's common function is
// ahead of the restored registry, so its confirmation fails as a copy's would; the
// gateway reports it as a device to re-provision (its own log line, advice and alert),
// not as an impostor, and does not block it.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/hex.h"
#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"
#include "daemon/config.h"
#include "daemon/device_fleet.h"
#include "daemon/gateway.h"
#include "device/sealed_store.h"
#include "edge/registry.h"
#include "ids/signatures.h"

namespace vigil {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Restore : ::testing::Test {
  testing::TempDir dir;
  OpenSslCrypto crypto;
  OsRandom rng;
  DeviceSecrets secrets;
  DaemonConfig config = DefaultDaemonConfig();
  std::string db, store;

  void SetUp() override {
    db = dir.path() + "/gw.db";
    store = dir.path() + "/device";
    Registry reg;
    ASSERT_EQ(reg.Create(db), Error::kOk) << reg.last_error();
    auto id = reg.EnsureCpanIdentity(crypto, rng, static_cast<int64_t>(time(nullptr)));
    ASSERT_TRUE(id.ok());
    secrets.uid = 0x00124b0000a1b2c3;
    secrets.cpan_uid = id->uid;
    secrets.cpan_sign_pub = id->sign_pub;
    rng.Fill(secrets.kd);
    rng.Fill(secrets.secretkey2);
    const std::string user = "ecg-icu-1", pass = "a long enough password";
    secrets.username.Set(ByteSpan(reinterpret_cast<const uint8_t*>(user.data()), user.size()));
    secrets.password.Set(ByteSpan(reinterpret_cast<const uint8_t*>(pass.data()), pass.size()));
    DeviceRecord rec;
    ASSERT_EQ(DeviceRecordFromSecrets(crypto, secrets, &rec), Error::kOk);
    rec.name = "ecg-1";
    rec.kind = DeviceKind::kEcgPatch;
    rec.ward = "icu";
    ASSERT_EQ(reg.AddDevice(rec), Error::kOk) << reg.last_error();
    SecureZero(rec.kd.data(), rec.kd.size());
    ASSERT_EQ(reg.Backup(dir.path() + "/backup.db"), Error::kOk) << reg.last_error();
    SealedFileStore st(crypto, rng, store + ".sealed", store + ".key");
    ASSERT_EQ(st.Open(), Error::kOk);
    ASSERT_EQ(st.Seal(secrets), Error::kOk);
    config.gateway.registry = db;
    config.gateway.listen = "127.0.0.1:0";
    config.gateway.alerts = dir.path() + "/alerts.eve.json";
    config.device.bind = "127.0.0.1:0";
  }
  void TearDown() override { SecureZero(&secrets, sizeof(secrets)); }

  // Runs a gateway on the registry and the device from its store for `run`, both in this
  // thread; returns whether the device was associated at the end.
  bool Run(const std::string& log_name, TimeUs run) {
    FILE* gw_log = fopen((dir.path() + "/" + log_name).c_str(), "w");
    FILE* dev_log = fopen((dir.path() + "/device.log").c_str(), "a");
    bool associated = false;
    {
      Logger glog("gateway", gw_log), dlog("device", dev_log);
      Gateway gw;
      std::string why;
      EXPECT_EQ(gw.Open(config, glog, &why), Error::kOk) << why;
      DaemonConfig dc = config;
      dc.device.gateway = gw.local().ToString();
      DeviceFleet fleet(dc, dlog);
      auto st = std::make_unique<SealedFileStore>(crypto, rng, store + ".sealed", store + ".key");
      EXPECT_EQ(st->Open(), Error::kOk);
      EXPECT_EQ(fleet.Add("ecg-1", secrets, DeviceKind::kEcgPatch, &why, std::move(st)), Error::kOk)
          << why;
      const int64_t end = MonotonicUs() + run;
      while (MonotonicUs() < end) {
        gw.Poll(2);
        fleet.Poll(2);
      }
      associated = fleet.associated() == 1;
      gw.Stop();
    }
    fclose(gw_log);
    fclose(dev_log);
    return associated;
  }
};

// Before: the device was reported as an impostor (9100001, severity 1) and its endpoint
// blocked for 600 s; staff were sent to investigate an intrusion instead of re-provisioning.
TEST_F(Restore, DeviceBehindARestoredRegistryIsToReprovisionNotAnImpostor) {
  ASSERT_TRUE(Run("gateway-1.log", 1500 * kMillis)) << "the device associates (R3 moves)";
  for (const char* ext : {"", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::rename(db + ext, db + ".old" + ext, ec);
  }
  size_t devices = 0;
  std::string why;
  ASSERT_EQ(RestoreRegistry(dir.path() + "/backup.db", db, "", static_cast<int64_t>(time(nullptr)),
                            &devices, &why),
            Error::kOk)
      << why;
  ASSERT_EQ(devices, 1u);
  EXPECT_FALSE(Run("gateway-2.log", 2500 * kMillis)) << "still refused: it looks like a copy";

  const std::string uid = UidToString(secrets.uid);
  std::ifstream alerts(config.gateway.alerts);
  std::string line;
  int reprovision = 0;
  while (std::getline(alerts, line)) {
    const auto j = nlohmann::json::parse(line);
    const int id = j["alert"]["signature_id"];
    EXPECT_NE(id, ids::sig::kConfirmationFailed.id) << line;
    EXPECT_NE(id, ids::sig::kBlockedSourceDropped.id) << line;
    if (id == ids::sig::kReprovisionNeeded.id) {
      ++reprovision;
      EXPECT_EQ(j["metadata"]["flowvars"][0]["vigil"]["device_uid"], uid) << line;
    }
  }
  EXPECT_EQ(reprovision, 1) << "one alert per device per holdoff, however often it retries";
  const std::string log = Slurp(dir.path() + "/gateway-2.log");
  EXPECT_NE(log.find("device behind the restored registry: re-provision it"), std::string::npos)
      << log;
  EXPECT_NE(log.find("--reprovision " + uid), std::string::npos) << log;
}

}  // namespace
}  // namespace vigil
