#include "sim/device_profile.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vigil::sim {
namespace {

TEST(DeviceProfileTest, Sha256BlockCountIncludesPadding) {
  EXPECT_EQ(Sha256Blocks(0), 1u);
  EXPECT_EQ(Sha256Blocks(55), 1u);  // 55 + 1 + 8 = 64
  EXPECT_EQ(Sha256Blocks(56), 2u);  // the length no longer fits
  EXPECT_EQ(Sha256Blocks(64), 2u);
  EXPECT_EQ(Sha256Blocks(119), 2u);
  EXPECT_EQ(Sha256Blocks(120), 3u);
}

TEST(DeviceProfileTest, HmacCountsInnerAndOuterHashes) {
  // Inner: ipad block + message + padding; outer: opad block + 32-byte digest + padding.
  EXPECT_EQ(HmacSha256Blocks(0), 4u);
  EXPECT_EQ(HmacSha256Blocks(55), 4u);
  EXPECT_EQ(HmacSha256Blocks(56), 5u);
  EXPECT_EQ(HmacSha256Blocks(100), 5u);
  EXPECT_EQ(HmacSha256Blocks(119), 5u);
  EXPECT_EQ(HmacSha256Blocks(120), 6u);
  // A key longer than the block is hashed first (100 bytes: 2 compressions).
  EXPECT_EQ(HmacSha256Blocks(0, 100), 6u);
  EXPECT_EQ(HmacSha256Blocks(0, 64), 4u);
  // Precomputed keyed pad states save one compression in each hash.
  EXPECT_EQ(HmacSha256Blocks(0, 32, true), 2u);
}

TEST(DeviceProfileTest, CcmCountsMacAndCounterBlocks) {
  EXPECT_EQ(AesCcmBlocks(0, 0), 2u);   // B0 and A0
  EXPECT_EQ(AesCcmBlocks(16, 0), 4u);  // + one MAC block + one keystream block
  EXPECT_EQ(AesCcmBlocks(17, 0), 6u);
  EXPECT_EQ(AesCcmBlocks(17, 10), 7u);  // aad: 2-byte length + 10 bytes = one block
  EXPECT_EQ(AesCcmBlocks(17, 14), 7u);
  EXPECT_EQ(AesCcmBlocks(17, 15), 8u);
}

TEST(DeviceProfileTest, CortexM4CostsFollowCycleCountsAndClock) {
  const DeviceProfile m4 = DeviceProfile::CortexM4(64.0);
  const PrimitiveCycles c = DeviceProfile::CortexM4Cycles();
  EXPECT_DOUBLE_EQ(m4.costs().sha256_block, c.sha256_block * 1000.0 / 64.0);
  EXPECT_EQ(m4.HmacCost(100), static_cast<TimeUs>(std::ceil(5 * c.sha256_block / 64.0)));
  EXPECT_EQ(m4.AesCcmCost(16, 0), static_cast<TimeUs>(std::ceil(4 * c.aes128_block / 64.0)));
  // Doubling the clock halves the time (up to rounding).
  const DeviceProfile fast = DeviceProfile::CortexM4(128.0);
  EXPECT_NEAR(static_cast<double>(fast.Ed25519VerifyCost()),
              static_cast<double>(m4.Ed25519VerifyCost()) / 2, 1.0);
  EXPECT_GT(m4.Ed25519VerifyCost(), m4.Ed25519SignCost());
}

TEST(DeviceProfileTest, GatewayIsFasterThanMcu) {
  const DeviceProfile m4 = DeviceProfile::CortexM4();
  const DeviceProfile a53 = DeviceProfile::CortexA53();
  EXPECT_LT(a53.HmacCost(100), m4.HmacCost(100));
  EXPECT_LT(a53.Ed25519SignCost(), m4.Ed25519SignCost());
  EXPECT_EQ(a53.name(), "cortex-a53");
}

TEST(DeviceProfileTest, MeasuredProfileRoundsUpToWholeMicroseconds) {
  PrimitiveCostsNs measured;
  measured.sha256_block = 150;     // ns: a desktop core
  measured.message_overhead = -5;  // nonsense: treated as 0
  const DeviceProfile host("host", measured);
  EXPECT_EQ(host.HmacCost(0), 1);  // 4 x 150 ns = 0.6 us -> 1 us
  EXPECT_DOUBLE_EQ(host.HmacCostNs(0), 600.0);
  EXPECT_EQ(host.MessageOverhead(), 0);
  EXPECT_EQ(DeviceProfile::CeilUs(std::nan("")), 0);
}

TEST(DeviceProfileTest, ZeroClockGivesZeroCostsNotInfinity) {
  const DeviceProfile p = DeviceProfile::FromCycles("x", DeviceProfile::CortexM4Cycles(), 0);
  EXPECT_EQ(p.Ed25519SignCost(), 0);
}

}  // namespace
}  // namespace vigil::sim
