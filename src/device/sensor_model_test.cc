#include "device/sensor_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "common/telemetry/classify.h"
#include "common/telemetry/senml_decoder.h"
#include "common/telemetry/vital_units.h"
#include "connection/crypto/openssl_provider.h"
#include "connection/device_core.h"
#include "connection/scripted_random.h"
#include "connection/wire/format.h"
#include "device/kind_vitals.h"

namespace vigil {
namespace {

using senml::Artefact;

constexpr TimeUs kMinute = 60 * kSeconds;
constexpr TimeUs kHour = 60 * kMinute;

// The kinds that send telemetry.
std::vector<DeviceKind> SensingKinds() {
  std::vector<DeviceKind> out;
  for (DeviceKind k : kAllDeviceKinds)
    if (MeasuredVitals(k) != 0 && MeasuredVitals(k) != kAnyVital) out.push_back(k);
  return out;
}

std::vector<Vital> VitalsOf(DeviceKind k) {
  std::vector<Vital> out;
  for (Vital v : kAllVitals)
    if (MeasuredVitals(k) & VitalBit(v)) out.push_back(v);
  return out;
}

size_t EncodedSize(Vital v, double value, Artefact a) {
  std::array<uint8_t, senml::kMaxPackBytes> buf{};
  const TelemetryRecord r{v, value, a};
  Result<size_t> n = EncodeTelemetry(std::span(&r, 1), buf);
  EXPECT_TRUE(n.ok());
  return n.ok() ? *n - 1 : 0;  // without the one-record array head
}

// The largest record `v` can take: every value of its physical range on the resolution
// grid, flagged with an artefact (the flag only adds bytes).
size_t LargestRecord(Vital v) {
  const PhysicalRange r = PhysicalRangeOf(v);
  const double step = std::pow(10.0, -senml::SpecOf(v).decimals);
  const auto steps = static_cast<long>(std::llround((r.hi - r.lo) / step));
  size_t most = 0;
  for (long i = 0; i <= steps; ++i)
    most = std::max(most, EncodedSize(v, r.lo + static_cast<double>(i) * step, Artefact::kMotion));
  return most;
}

size_t DefaultMaxPayload() {
  OpenSslCrypto crypto;
  ScriptedRandom random({}, /*extend=*/true);
  DeviceSecrets s;
  s.uid = 0x00124b0000000001ULL;
  return DeviceCore(ProtocolConfig{}, s, crypto, random).max_payload();
}

TEST(SensorModel, EveryKindsLargestPackFitsOneFrame) {
  // The default deployment: hardened, AES-CCM, 8-byte tags -> 104 - 14 = 90 bytes.
  const size_t room = DefaultMaxPayload();
  ASSERT_EQ(ProtocolConfig{}.encrypt_data, true);
  ASSERT_EQ(room, 90u);
  static_assert(senml::kMaxPackBytes == wire::kMaxUnicastPayload);
  for (DeviceKind k : SensingKinds()) {
    size_t pack = 1;  // array head
    for (Vital v : VitalsOf(k)) pack += LargestRecord(v);
    EXPECT_LE(pack, room) << DeviceKindName(k);
    RecordProperty(std::string(DeviceKindName(k)), static_cast<int>(pack));
  }
}

TEST(SensorModel, EveryPackAModelSendsFitsTheLargestTag) {
  // With 16-byte tags a frame holds 82 bytes. What the models actually send (values a
  // body shows, zeros under a cuff error or probe-off) fits even then, artefacts included.
  for (DeviceKind k : SensingKinds()) {
    PatientModel patient(3);
    for (EpisodeKind e : {EpisodeKind::kSepsis, EpisodeKind::kHypoxia, EpisodeKind::kHypotension}) {
      Episode ep;
      ep.kind = e;
      ep.onset = 6 * kHour;
      ep.ramp = kHour;
      ASSERT_EQ(patient.AddEpisode(ep), Error::kOk);
    }
    SensorModel m(k, &patient, 21);
    size_t largest = 0;
    std::array<uint8_t, senml::kMaxPackBytes> buf{};
    for (TimeUs t = 0; t < 24 * kHour; t += 20 * kSeconds) {
      Result<size_t> n = m.NextPack(t, buf);
      ASSERT_TRUE(n.ok()) << DeviceKindName(k);
      largest = std::max(largest, *n);
    }
    EXPECT_LE(largest, 82u) << DeviceKindName(k);
  }
}

TEST(SensorModel, HealthyPatientNeverLooksImplausible) {
  // A day of one report per minute from every kind, without artefacts: every record
  // decodes, and each one classifies as a clinical value for that kind.
  for (DeviceKind k : SensingKinds()) {
    PatientModel patient(8);
    SensorModel m(k, &patient, 31);
    m.set_spontaneous_artefacts(false);
    std::array<uint8_t, senml::kMaxPackBytes> buf{};
    for (TimeUs t = 0; t < 24 * kHour; t += kMinute) {
      Result<size_t> n = m.NextPack(t, buf);
      ASSERT_TRUE(n.ok());
      const TelemetryDecode d = DecodeTelemetry(ByteSpan(buf.data(), *n), t);
      ASSERT_TRUE(d.ok()) << DeviceKindName(k) << ": " << TelemetryErrorName(d.error);
      const Classification c = Classify(d.pack, MeasuredVitals(k));
      ASSERT_EQ(c.clinical, d.pack.count) << DeviceKindName(k) << " at " << t / kMinute << " min";
    }
  }
}

TEST(SensorModel, ProbeOffIsSentAsFlaggedZerosNotADesaturation) {
  PatientModel patient(4);
  SensorModel ox(DeviceKind::kPulseOximeter, &patient, 5);
  ox.set_spontaneous_artefacts(false);
  ASSERT_EQ(ox.ScheduleArtefact({Artefact::kProbeOff, 10 * kSeconds, 20 * kSeconds}), Error::kOk);
  std::array<uint8_t, senml::kMaxPackBytes> buf{};
  Result<size_t> n = ox.NextPack(15 * kSeconds, buf);
  ASSERT_TRUE(n.ok());
  const TelemetryDecode d = DecodeTelemetry(ByteSpan(buf.data(), *n), 15 * kSeconds);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.pack.count, 2u);
  EXPECT_EQ(d.pack.records[0].reading.vital, Vital::kSpO2);
  EXPECT_EQ(d.pack.records[0].reading.value, 0);
  EXPECT_EQ(d.pack.records[0].artefact, Artefact::kProbeOff);
  const Classification c = Classify(d.pack, MeasuredVitals(DeviceKind::kPulseOximeter));
  EXPECT_EQ(c.artefacts, 2u);
  EXPECT_EQ(c.clinical, 0u);
  // Before and after the window, real values again.
  const SensorSample before = ox.Sample(9 * kSeconds), after = ox.Sample(20 * kSeconds);
  EXPECT_GT(before.records[0].value, 85);
  EXPECT_EQ(after.records[0].artefact, Artefact::kNone);
}

TEST(SensorModel, SensorsOnOneBedSeeOnePatient) {
  // An ECG patch, an oximeter and a cuff on one patient in sepsis: their heart and pulse
  // rates agree within the sensors' noise, and all follow the same deterioration.
  PatientModel patient(6);
  Episode sepsis;
  sepsis.onset = kHour;
  sepsis.ramp = 30 * kMinute;
  ASSERT_EQ(patient.AddEpisode(sepsis), Error::kOk);
  SensorModel ecg(DeviceKind::kEcgPatch, &patient, 101),
      ox(DeviceKind::kPulseOximeter, &patient, 102), cuff(DeviceKind::kBpCuff, &patient, 103);
  for (SensorModel* m : {&ecg, &ox, &cuff}) m->set_spontaneous_artefacts(false);
  for (TimeUs t : {30 * kMinute, 3 * kHour}) {
    const double hr = ecg.Sample(t).records[0].value;
    const double pr = ox.Sample(t).records[1].value;
    const double cuff_pr = cuff.Sample(t).records[2].value;
    EXPECT_NEAR(hr, pr, 8) << t;
    EXPECT_NEAR(hr, cuff_pr, 8) << t;
  }
  EXPECT_GT(ecg.Sample(3 * kHour).records[0].value, ecg.Sample(30 * kMinute).records[0].value + 25);
  EXPECT_LT(cuff.Sample(3 * kHour).records[0].value,
            cuff.Sample(30 * kMinute).records[0].value - 20);
}

TEST(SensorModel, SameSeedGivesTheSamePacksByteForByte) {
  for (DeviceKind k : SensingKinds()) {
    PatientModel p1(9), p2(9);
    SensorModel a(k, &p1, 77), b(k, &p2, 77), c(k, &p1, 78);
    std::array<uint8_t, senml::kMaxPackBytes> ba{}, bb{}, bc{};
    bool differs = false;
    for (TimeUs t = 0; t < 2 * kHour; t += 37 * kSeconds) {
      Result<size_t> na = a.NextPack(t, ba), nb = b.NextPack(t, bb), nc = c.NextPack(t, bc);
      ASSERT_TRUE(na.ok() && nb.ok() && nc.ok());
      ASSERT_EQ(std::vector<uint8_t>(ba.begin(), ba.begin() + static_cast<ptrdiff_t>(*na)),
                std::vector<uint8_t>(bb.begin(), bb.begin() + static_cast<ptrdiff_t>(*nb)));
      differs |= *na != *nc ||
                 !std::equal(ba.begin(), ba.begin() + static_cast<ptrdiff_t>(*na), bc.begin());
    }
    // The infusion pump has no noise: another seed may give the same programme.
    if (k != DeviceKind::kInfusionPump) {
      EXPECT_TRUE(differs) << DeviceKindName(k);
    }
  }
}

TEST(SensorModel, SpontaneousArtefactsComeAtTheKindsRate) {
  // Over a week of 10-minute slots the oximeter's artefact windows hold 10-90 s each, in
  // about 12 % of the slots: a few tens of minutes a day, not a signal that is mostly noise.
  PatientModel patient(1);
  SensorModel ox(DeviceKind::kPulseOximeter, &patient, 1234);
  size_t flagged = 0, samples = 0;
  for (TimeUs t = 0; t < 7 * 24 * kHour; t += 10 * kSeconds, ++samples)
    if (ox.ArtefactAt(t) != Artefact::kNone) ++flagged;
  const double share = static_cast<double>(flagged) / static_cast<double>(samples);
  EXPECT_GT(share, 0.12 * 10.0 / 600);  // at least the shortest window in every such slot
  EXPECT_LT(share, 0.12 * 90.0 / 600 * 1.5);
}

TEST(SensorModel, InfusionPumpEmptiesItsReservoirAndStops) {
  SensorModel pump(DeviceKind::kInfusionPump, nullptr, 3);
  pump.set_spontaneous_artefacts(false);
  const SensorSample first = pump.Sample(0);
  ASSERT_EQ(first.count, 2u);
  const double rate = first.records[0].value, volume = first.records[1].value;
  ASSERT_GT(rate, 0);
  const SensorSample later = pump.Sample(kHour);
  EXPECT_NEAR(later.records[1].value, std::max(0.0, volume - rate), 0.1);
  const SensorSample done = pump.Sample(static_cast<TimeUs>(volume / rate * 3600 + 60) * kSeconds);
  EXPECT_EQ(done.records[0].value, 0);
  EXPECT_EQ(done.records[1].value, 0);
}

TEST(SensorModel, KindsWithoutVitalsSendNothing) {
  for (DeviceKind k : {DeviceKind::kTablet, DeviceKind::kOther}) {
    SensorModel m(k, nullptr, 1);
    std::array<uint8_t, senml::kMaxPackBytes> buf{};
    Result<size_t> n = m.NextPack(0, buf);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u);
  }
}

TEST(SensorModel, EveryRecordIsAVitalItsKindMeasures) {
  for (DeviceKind k : SensingKinds()) {
    PatientModel patient(2);
    SensorModel m(k, &patient, 9);
    for (TimeUs t = 0; t < kHour; t += kMinute) {
      const auto sample = m.Sample(t);  // view() borrows from it
      for (const TelemetryRecord& r : sample.view())
        EXPECT_TRUE(MeasuredVitals(k) & VitalBit(r.vital)) << DeviceKindName(k);
    }
  }
}

TEST(SensorModel, ScheduledArtefactNeedsAKindAndAWindow) {
  SensorModel m(DeviceKind::kEcgPatch, nullptr, 1);
  EXPECT_EQ(m.ScheduleArtefact({Artefact::kNone, 0, kSeconds}), Error::kInvalidArgument);
  EXPECT_EQ(m.ScheduleArtefact({Artefact::kLeadOff, kSeconds, kSeconds}), Error::kInvalidArgument);
  for (size_t i = 0; i < SensorModel::kMaxWindows; ++i)
    EXPECT_EQ(m.ScheduleArtefact({Artefact::kLeadOff, 0, kSeconds}), Error::kOk);
  EXPECT_EQ(m.ScheduleArtefact({Artefact::kLeadOff, 0, kSeconds}), Error::kNoBufs);
}

}  // namespace
}  // namespace vigil
