// The radio-driven PAN with honest devices: every version associates and carries data
// over the modelled channel, with no security event.
#include "sim/world.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::sim {
namespace {

using wire::Version;

WorldConfig Config(Version v, double loss) {
  WorldConfig c;
  c.protocol.version = v;
  c.protocol.confirm = DefaultConfirmPolicy(v);
  c.loss = loss;
  return c;
}

class Versions : public ::testing::TestWithParam<Version> {};

TEST_P(Versions, HonestWardAssociatesAndReportsWithoutAlerts) {
  World w(Config(GetParam(), 0.0), 7);
  const size_t ward = w.AddWard("icu", 0, 0);
  for (int i = 0; i < 8; ++i) {
    DeviceSetup s;
    s.ward = ward;
    s.x = i;
    s.y = 1;
    s.interval = 2 * kSeconds;
    s.payload_bytes = 40;
    w.PowerOn(w.AddDevice(s));
  }
  w.RunUntil(60 * kSeconds);
  for (size_t i = 0; i < w.device_count(); ++i) {
    EXPECT_TRUE(w.device(i).associated) << "device " << i;
  }
  EXPECT_EQ(w.ward(ward).cpan->core().session_count(), 8u);
  EXPECT_GT(w.ids().EventCount(EventKind::kDataReceived), 8u * 25u);
  EXPECT_TRUE(w.alerts().empty()) << w.alerts().front().signature;
  uint64_t security = 0;
  for (int k = static_cast<int>(EventKind::kMalformedFrame);
       k <= static_cast<int>(EventKind::kBlockedSource); ++k)
    security += w.ids().EventCount(static_cast<EventKind>(k));
  EXPECT_EQ(security, 0u);
}

TEST_P(Versions, LossyWardStillAssociatesEveryDeviceWithoutAlerts) {
  World w(Config(GetParam(), 0.05), 8);
  const size_t ward = w.AddWard("ward", 0, 0);
  // 60 devices: enough that attempts collide on the channel and are retried, now that a
  // device's own retransmissions no longer count as failed attempts.
  for (int i = 0; i < 60; ++i) {
    DeviceSetup s;
    s.ward = ward;
    s.x = i % 8;
    s.y = i / 8;
    s.interval = 5 * kSeconds;
    const size_t d = w.AddDevice(s);
    // Devices are switched on one by one, as staff would (a simultaneous power-on of a
    // whole ward is the MassPowerOn test).
    w.scheduler().At(i * 500 * kMillis, [&w, d] { w.PowerOn(d); });
  }
  w.RunUntil(120 * kSeconds);
  for (size_t i = 0; i < w.device_count(); ++i) EXPECT_TRUE(w.device(i).associated) << i;
  EXPECT_TRUE(w.alerts().empty()) << w.alerts().front().signature;
}

INSTANTIATE_TEST_SUITE_P(All, Versions,
                         ::testing::Values(Version::kV1, Version::kV2, Version::kV3Paper,
                                           Version::kHardened),
                         [](const auto& p) {
                           std::string n = wire::VersionName(p.param);
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// A power cut: a whole lossy ward switched on at the same instant. Attempts time out on
// the crowded channel and are retried; the coordinator's late answers to abandoned
// attempts must not look like an intruder (device_core.cc, abandoned attempts).
TEST_P(Versions, WardSwitchedOnAtOnceRaisesNoAlert) {
  World w(Config(GetParam(), 0.05), 8);
  const size_t ward = w.AddWard("ward", 0, 0);
  // 60 devices: enough that attempts collide on the channel and are retried, now that a
  // device's own retransmissions no longer count as failed attempts.
  for (int i = 0; i < 60; ++i) {
    DeviceSetup s;
    s.ward = ward;
    s.x = i % 8;
    s.y = i / 8;
    s.interval = 5 * kSeconds;
    w.PowerOn(w.AddDevice(s));
  }
  w.RunUntil(120 * kSeconds);
  EXPECT_GT(w.association_failures(), 0u) << "the channel was not crowded: no test";
  for (size_t i = 0; i < w.device_count(); ++i) EXPECT_TRUE(w.device(i).associated) << i;
  EXPECT_TRUE(w.alerts().empty()) << w.alerts().front().signature;
}

TEST(World, MovedDeviceJoinsTheCoordinatorOfItsNewWard) {
  World w(Config(Version::kHardened, 0.0), 9);
  const size_t a = w.AddWard("a", 0, 0);
  const size_t b = w.AddWard("b", 200, 0);
  DeviceSetup s;
  s.ward = a;
  s.interval = 2 * kSeconds;
  const size_t d = w.AddDevice(s);
  w.PowerOn(d);
  w.RunUntil(10 * kSeconds);
  ASSERT_TRUE(w.device(d).associated);
  w.MoveTo(d, b, 100, 0);  // the corridor between the wards: no coverage
  w.RunUntil(40 * kSeconds);
  w.MoveTo(d, b, 201, 1);
  w.RunUntil(70 * kSeconds);
  EXPECT_TRUE(w.device(d).associated);
  EXPECT_EQ(w.device(d).joined_ward, b);
  EXPECT_TRUE(w.ward(b).cpan->core().HasSession(w.device(d).secrets.uid));
  EXPECT_TRUE(w.alerts().empty()) << w.alerts().front().signature;
}

}  // namespace
}  // namespace vigil::sim
