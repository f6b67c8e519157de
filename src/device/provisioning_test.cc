#include "device/provisioning.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"
#include "device/bundle.h"

namespace vigil {
namespace {

using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

DeviceBundle MakeBundle(uint64_t uid) {
  SeededRandom rng(uid);
  DeviceBundle b;
  b.secrets.uid = uid;
  b.secrets.cpan_uid = 0x77;
  EXPECT_EQ(rng.Fill(b.secrets.kd), Error::kOk);
  EXPECT_EQ(rng.Fill(b.secrets.secretkey2), Error::kOk);
  const uint8_t u[] = {'u', 's', 'e', 'r'}, p[] = {'p', 'a', 's', 's'};
  EXPECT_TRUE(b.secrets.username.Set(u));
  EXPECT_TRUE(b.secrets.password.Set(p));
  b.kind = DeviceKind::kThermometer;
  b.created = 1700000000;
  return b;
}

class ProvisioningTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(store_.Open(), Error::kOk); }
  TempDir dir_;
  std::string bundle_ = dir_.File("dev.bundle.json");
  OpenSslCrypto crypto_;
  OsRandom rng_;
  SealedFileStore store_{crypto_, rng_, dir_.File("keys.sealed"), dir_.File("device.key")};
};

TEST_F(ProvisioningTest, FirstStartImportsBundleOnceAndErasesIt) {
  DeviceBundle first = MakeBundle(0x1111);
  ASSERT_EQ(WriteBundle(bundle_, first, false, nullptr), Error::kOk);
  DeviceSecrets got;
  ProvisionOutcome outcome{};
  std::string why;
  ASSERT_EQ(ProvisionFromBundle(store_, bundle_, true, &got, &outcome, &why), Error::kOk) << why;
  EXPECT_EQ(outcome, ProvisionOutcome::kImported);
  EXPECT_EQ(got.uid, 0x1111u);
  EXPECT_EQ(got.kd, first.secrets.kd);
  EXPECT_FALSE(std::filesystem::exists(bundle_));
  // A later bundle does not replace what is sealed.
  ASSERT_EQ(WriteBundle(bundle_, MakeBundle(0x2222), false, nullptr), Error::kOk);
  ASSERT_EQ(ProvisionFromBundle(store_, bundle_, true, &got, &outcome, &why), Error::kOk);
  EXPECT_EQ(outcome, ProvisionOutcome::kAlreadySealed);
  EXPECT_EQ(got.uid, 0x1111u);
  EXPECT_TRUE(std::filesystem::exists(bundle_));
}

TEST_F(ProvisioningTest, DamagedStoreIsNotOverwrittenByBundle) {
  ASSERT_EQ(store_.Seal(MakeBundle(0x1111).secrets), Error::kOk);
  std::vector<uint8_t> sealed = ReadAll(store_.sealed_path());
  sealed[sealed.size() - 1] ^= 0x80;
  WriteAll(store_.sealed_path(), sealed);
  ASSERT_EQ(WriteBundle(bundle_, MakeBundle(0x2222), false, nullptr), Error::kOk);
  DeviceSecrets got;
  std::string why;
  EXPECT_EQ(ProvisionFromBundle(store_, bundle_, true, &got, nullptr, &why), Error::kCorrupt);
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(ReadAll(store_.sealed_path()), sealed);
  EXPECT_TRUE(std::filesystem::exists(bundle_));
}

TEST_F(ProvisioningTest, EmptyStoreWithoutBundleIsNotFound) {
  DeviceSecrets got;
  std::string why;
  EXPECT_EQ(ProvisionFromBundle(store_, bundle_, true, &got, nullptr, &why), Error::kNotFound);
  EXPECT_NE(why.find("dev.bundle.json"), std::string::npos) << why;
}

}  // namespace
}  // namespace vigil
