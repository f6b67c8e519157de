// Telemetry end to end over loopback UDP: the devices of one bed send SenML/CBOR packs
// from their sensor models through the protected link, and every payload the gateway
// verifies decodes as a reading pack and yields clinical values.
#include <gtest/gtest.h>

#include "common/test_temp_dir.h"
#include "daemon/udp_demo.h"

namespace vigil {
namespace {

TEST(UdpTelemetry, EveryVerifiedPayloadFromHonestDevicesIsAValidReadingPack) {
  testing::TempDir dir;
  UdpDemoOptions o;
  o.devices = 6;  // one of each kind that measures a patient
  o.duration = 3 * kSeconds;
  o.intruders_at = 60 * kSeconds;  // after the end: only honest devices speak
  o.report_interval_ms = 200;
  o.work_dir = dir.path();
  const UdpDemoOutcome r = RunUdpDemo(o);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.devices_associated, 6);
  EXPECT_GE(r.data_frames, 6u * 3);
  EXPECT_EQ(r.telemetry_packs, r.data_frames);
  EXPECT_EQ(r.telemetry_refused, 0u);
  EXPECT_GT(r.clinical_readings, r.telemetry_packs);  // most packs carry two or three
}

// The demo's bed desaturates from 2 s on: the gateway's edge must raise a clinical alarm
// from the verified readings, over real UDP, without any cloud.
TEST(UdpTelemetry, HypoxiaOnTheBedRaisesAnSpO2AlarmAtTheEdge) {
  testing::TempDir dir;
  UdpDemoOptions o;
  o.devices = 6;
  o.duration = 6 * kSeconds;
  o.intruders_at = 60 * kSeconds;
  o.report_interval_ms = 200;
  o.work_dir = dir.path();
  const UdpDemoOutcome r = RunUdpDemo(o);
  ASSERT_EQ(r.error, "");
  EXPECT_GE(r.alarms_raised, 1u);
  EXPECT_NE(r.first_alarm.find("spo2_low"), std::string::npos) << r.first_alarm;
  EXPECT_NE(r.management_port, 0);
}

}  // namespace
}  // namespace vigil
