#include "device/firmware/secure_boot.h"

#include <gtest/gtest.h>

#include "connection/crypto/openssl_provider.h"
#include "device/firmware/test_images.h"

namespace vigil::firmware {
namespace {

using testing::TestImage;
using testing::TestPublicKey;
using vigil::testing::TempDir;

DeviceSecrets Secrets() {
  DeviceSecrets s;
  s.uid = 0x00124b0001a2b3c4;
  s.cpan_uid = 0x00124b0000000001;
  const uint8_t user[] = {'d', 'e', 'v'};
  EXPECT_TRUE(s.username.Set(user));
  EXPECT_TRUE(s.password.Set(user));
  return s;
}

class SecureBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(store_.Open(), Error::kOk);
    ASSERT_EQ(store_.Seal(Secrets()), Error::kOk);
  }
  uint32_t Sealed() {
    PersistedCounters pc;
    EXPECT_EQ(store_.LoadCounters(&pc), Error::kOk);
    return pc.firmware_security_counter;
  }
  BootDecision Check(const char* image) {
    BootDecision d;
    std::string why;
    EXPECT_EQ(CheckBootImage(TestImage(image), key_, store_, &d, &why), Error::kOk) << why;
    return d;
  }

  TempDir dir_;
  OpenSslCrypto crypto_;
  OsRandom rng_;
  SealedFileStore store_{crypto_, rng_, dir_.File("d.sealed"), dir_.File("d.key")};
  PublicKey key_ = TestPublicKey("vendor-a.pub.pem");
};

TEST_F(SecureBootTest, CounterMovesForwardOnlyAfterTheImageRan) {
  BootDecision d = Check("good.img");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d.raises_counter);
  EXPECT_EQ(d.sealed_counter, 0u);
  EXPECT_EQ(Sealed(), 0u);  // verifying alone moves nothing
  // Before it ran, the previous (older) image still boots: a failed update can fall back.
  EXPECT_TRUE(Check("older.img").ok());
  std::string why;
  ASSERT_EQ(ConfirmImageRan(store_, *d.verdict.security_counter, &why), Error::kOk) << why;
  EXPECT_EQ(Sealed(), 5u);
  // From then on the older image is a rollback, named as such.
  d = Check("older.img");
  EXPECT_EQ(d.verdict.error, ImageError::kRollback);
  EXPECT_EQ(DescribeBootDecision(d),
            "firmware refused: rollback: the image's security counter 2 is below the device's 5");
  // The same image again boots without a raise.
  d = Check("good.img");
  EXPECT_TRUE(d.ok());
  EXPECT_FALSE(d.raises_counter);
}

TEST_F(SecureBootTest, ConfirmNeverLowersTheCounter) {
  std::string why;
  ASSERT_EQ(ConfirmImageRan(store_, 6, &why), Error::kOk);
  ASSERT_EQ(ConfirmImageRan(store_, 2, &why), Error::kOk);
  EXPECT_EQ(Sealed(), 6u);
  EXPECT_EQ(Check("good.img").verdict.error, ImageError::kRollback);
  EXPECT_TRUE(Check("newer.img").ok());
}

TEST_F(SecureBootTest, EachRefusalNamesItsReason) {
  struct Case {
    const char* image;
    const char* reason;
  } cases[] = {
      {"unsigned.img", "firmware refused: unsigned: the image is not signed"},
      {"other-key.img", "firmware refused: wrong_key:"},
      {"no-counter.img", "firmware refused: missing_security_counter:"},
  };
  for (const Case& c : cases) {
    const BootDecision d = Check(c.image);
    EXPECT_FALSE(d.ok()) << c.image;
    EXPECT_EQ(DescribeBootDecision(d).rfind(c.reason, 0), 0u) << DescribeBootDecision(d);
  }
  std::vector<uint8_t> flipped = TestImage("good.img");
  flipped[0x300] ^= 1;
  BootDecision d;
  std::string why;
  ASSERT_EQ(CheckBootImage(flipped, key_, store_, &d, &why), Error::kOk);
  EXPECT_EQ(DescribeBootDecision(d),
            "firmware refused: hash_mismatch: the image hash does not match its contents");
}

TEST_F(SecureBootTest, UnreadableStoreRefusesToBoot) {
  ASSERT_EQ(store_.Zeroize(), Error::kOk);
  BootDecision d;
  std::string why;
  EXPECT_EQ(CheckBootImage(TestImage("good.img"), key_, store_, &d, &why), Error::kNotFound);
  EXPECT_NE(why.find("sealed security counter"), std::string::npos) << why;
}

}  // namespace
}  // namespace vigil::firmware
