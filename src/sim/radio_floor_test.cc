#include "sim/radio_floor.h"

#include <gtest/gtest.h>

#include <vector>

namespace vigil::sim {
namespace {

TEST(RadioFloorTest, CsmaAccessMinimumIsOneCcaPlusTurnaround) {
  EXPECT_EQ(CsmaAccessUs(CsmaEstimate::kMinimum), 128 + 192);
}

TEST(RadioFloorTest, CsmaAccessExpectedAddsMeanFirstBackoff) {
  // (2^3 - 1) / 2 = 3.5 periods of 320 us.
  EXPECT_EQ(CsmaAccessUs(CsmaEstimate::kExpected), 1120 + 128 + 192);
  MacConfig mac;
  mac.min_be = 0;  // no backoff at all
  EXPECT_EQ(CsmaAccessUs(CsmaEstimate::kExpected, mac), 128 + 192);
}

TEST(RadioFloorTest, AckedMaxFrameExchange) {
  // 320 access + 133 * 32 frame + 192 turnaround + 11 * 32 ACK.
  EXPECT_EQ(*FrameExchangeUs(127, true, CsmaEstimate::kMinimum), 320 + 4256 + 192 + 352);
  EXPECT_EQ(*FrameExchangeUs(127, false, CsmaEstimate::kMinimum), 320 + 4256);
}

TEST(RadioFloorTest, OneSenderPaysInterframeSpacingBetweenFrames) {
  const std::vector<size_t> sizes = {18, 19, 50};
  const TimeUs e18 = *FrameExchangeUs(18, true, CsmaEstimate::kMinimum);
  const TimeUs e19 = *FrameExchangeUs(19, true, CsmaEstimate::kMinimum);
  const TimeUs e50 = *FrameExchangeUs(50, true, CsmaEstimate::kMinimum);
  // SIFS after the 18-byte frame, LIFS after the 19-byte one, nothing after the last.
  EXPECT_EQ(*RadioFloorUs(sizes, true, CsmaEstimate::kMinimum), e18 + 192 + e19 + 640 + e50);
  MacConfig no_ifs;
  no_ifs.interframe_spacing = false;
  EXPECT_EQ(*RadioFloorUs(sizes, true, CsmaEstimate::kMinimum, no_ifs), e18 + e19 + e50);
}

TEST(RadioFloorTest, AlternatingSendersPayNoInterframeSpacing) {
  const FloorFrame frames[] = {{40, true, 0}, {60, true, 1}, {30, true, 0}};
  EXPECT_EQ(*RadioFloorUs(frames, CsmaEstimate::kMinimum),
            *FrameExchangeUs(40, true, CsmaEstimate::kMinimum) +
                *FrameExchangeUs(60, true, CsmaEstimate::kMinimum) +
                *FrameExchangeUs(30, true, CsmaEstimate::kMinimum));
}

TEST(RadioFloorTest, ShortReplyStillWaitsForSendersOwnSpacing) {
  // A sends 100 bytes (LIFS 640 after), B answers with a 1-byte broadcast (544 us), then
  // A again: A's spacing has not run out when B's exchange ends.
  const FloorFrame frames[] = {{100, false, 0}, {1, false, 1}, {10, false, 0}};
  const TimeUs e0 = *FrameExchangeUs(100, false, CsmaEstimate::kMinimum);
  const TimeUs e2 = *FrameExchangeUs(10, false, CsmaEstimate::kMinimum);
  EXPECT_EQ(*RadioFloorUs(frames, CsmaEstimate::kMinimum), e0 + 640 + e2);
}

TEST(RadioFloorTest, ExpectedIsAboveMinimumByMeanBackoffPerFrame) {
  const std::vector<size_t> sizes = {30, 30, 30};
  EXPECT_EQ(*RadioFloorUs(sizes, true, CsmaEstimate::kExpected) -
                *RadioFloorUs(sizes, true, CsmaEstimate::kMinimum),
            3 * 1120);
}

TEST(RadioFloorTest, OutOfRangeFrameSizeIsAnError) {
  const std::vector<size_t> bad = {10, 128};
  EXPECT_EQ(RadioFloorUs(bad, true, CsmaEstimate::kMinimum).error(), Error::kInvalidArgument);
  EXPECT_EQ(FrameExchangeUs(0, true, CsmaEstimate::kMinimum).error(), Error::kInvalidArgument);
  EXPECT_EQ(*RadioFloorUs(std::vector<size_t>{}, true, CsmaEstimate::kMinimum), 0);
}

}  // namespace
}  // namespace vigil::sim
