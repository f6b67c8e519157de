#include "common/telemetry/senml_encoder.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "common/telemetry/cbor_reader.h"
#include "common/telemetry/classify.h"
#include "common/telemetry/senml_decoder.h"
#include "common/telemetry/vital_units.h"

namespace vigil {
namespace {

using senml::Artefact;

std::vector<uint8_t> Encode(const std::vector<TelemetryRecord>& records,
                            const EncodeOptions& o = {}) {
  std::array<uint8_t, senml::kMaxPackBytes> buf{};
  Result<size_t> n = EncodeTelemetry(records, buf, o);
  EXPECT_TRUE(n.ok());
  return {buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n.ok() ? *n : 0)};
}

TEST(SenmlEncoder, EveryValueOnTheResolutionGridDecodesToItself) {
  // Each vital over its whole physical range, one step of its resolution at a time: the
  // shortest encoding the encoder picks must never move a clinical value.
  for (Vital v : kAllVitals) {
    const PhysicalRange r = PhysicalRangeOf(v);
    const double step = std::pow(10.0, -senml::SpecOf(v).decimals);
    const auto steps = static_cast<long>(std::llround((r.hi - r.lo) / step));
    for (long i = 0; i <= steps; ++i) {
      const double value = senml::RoundClinical(v, r.lo + static_cast<double>(i) * step);
      const auto pack = Encode({{v, value}});
      const TelemetryDecode d = DecodeTelemetry(pack, 0);
      ASSERT_TRUE(d.ok()) << VitalName(v) << " " << value << ": " << TelemetryErrorName(d.error);
      ASSERT_EQ(d.pack.records[0].reading.value, value) << VitalName(v);
    }
  }
}

TEST(SenmlEncoder, ValuesTakeTheShortestEncodingThatKeepsTheClinicalValue) {
  // 72 beats/min: an integer, 0x18 0x48 (the record ends with the value).
  auto hr = Encode({{Vital::kHeartRate, 72}});
  EXPECT_EQ(hr.back(), 0x48);
  EXPECT_EQ(hr[hr.size() - 2], 0x18);
  // 97 % SpO2 = 0.97 "/": a half float (0xf9 and two bytes).
  auto spo2 = Encode({{Vital::kSpO2, 97}});
  EXPECT_EQ(spo2[spo2.size() - 3], 0xf9);
  // 120 mmHg = 15998.7 Pa: the integer 15999 (0x19 0x3e 0x7f) is close enough.
  auto sys = Encode({{Vital::kSystolic, 120}});
  EXPECT_EQ(std::vector<uint8_t>(sys.end() - 3, sys.end()),
            (std::vector<uint8_t>{0x19, 0x3e, 0x7f}));
  // 50 mL/h = 1.39e-8 m3/s: below any half, a single float.
  auto rate = Encode({{Vital::kInfusionRate, 50}});
  EXPECT_EQ(rate[rate.size() - 5], 0xfa);
}

TEST(SenmlEncoder, KeysFollowTheDeterministicOrder) {
  // RFC 8949 4.2.1: keys in bytewise order of their encodings, n 0x00, u 0x01, v 0x02,
  // t 0x06, bn 0x21, then the text label art_ (0x64...).
  const auto pack =
      Encode({{Vital::kRespRate, 0, Artefact::kLeadOff, 3}}, EncodeOptions{0x00124b0001a2b3c4ULL});
  senml::CborReader r(pack);
  senml::CborItem it;
  ASSERT_EQ(r.Next(&it), TelemetryError::kOk);
  ASSERT_EQ(it.kind, senml::CborKind::kArray);
  ASSERT_EQ(r.Next(&it), TelemetryError::kOk);
  ASSERT_EQ(it.kind, senml::CborKind::kMap);
  std::vector<std::string> keys;
  for (size_t i = 0; i < it.size; ++i) {
    senml::CborItem key, value;
    ASSERT_EQ(r.Next(&key), TelemetryError::kOk);
    keys.push_back(key.kind == senml::CborKind::kText
                       ? std::string(reinterpret_cast<const char*>(key.data), key.size)
                   : key.kind == senml::CborKind::kNegint ? "-" + std::to_string(key.u + 1)
                                                          : std::to_string(key.u));
    ASSERT_EQ(r.Next(&value), TelemetryError::kOk);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"0", "1", "2", "6", "-2", "art_"}));
  EXPECT_TRUE(r.at_end());
}

TEST(SenmlEncoder, TooSmallBufferIsNoBufsNeverAShortPack) {
  const std::vector<TelemetryRecord> records = {{Vital::kSpO2, 0, Artefact::kProbeOff},
                                                {Vital::kPulseRate, 0, Artefact::kProbeOff}};
  const size_t need = Encode(records).size();
  for (size_t room = 0; room < need; ++room) {
    std::vector<uint8_t> buf(room);
    EXPECT_EQ(EncodeTelemetry(records, buf).error(), Error::kNoBufs) << room;
  }
}

TEST(SenmlEncoder, BadReadingsAreRefusedAtTheSource) {
  std::array<uint8_t, senml::kMaxPackBytes> buf{};
  const TelemetryRecord nan{Vital::kHeartRate, std::nan("")};
  EXPECT_EQ(EncodeTelemetry(std::span(&nan, 1), buf).error(), Error::kInvalidArgument);
  const TelemetryRecord inf{Vital::kHeartRate, HUGE_VAL};
  EXPECT_EQ(EncodeTelemetry(std::span(&inf, 1), buf).error(), Error::kInvalidArgument);
  EXPECT_EQ(EncodeTelemetry({}, buf).error(), Error::kInvalidArgument);
  std::vector<TelemetryRecord> nine(senml::kMaxRecords + 1, {Vital::kRespRate, 12});
  EXPECT_EQ(EncodeTelemetry(nine, buf).error(), Error::kInvalidArgument);
  const TelemetryRecord stale{Vital::kHeartRate, 70, Artefact::kNone, 7200};
  EXPECT_EQ(EncodeTelemetry(std::span(&stale, 1), buf).error(), Error::kInvalidArgument);
}

TEST(SenmlEncoder, SameReadingsGiveTheSameBytes) {
  const std::vector<TelemetryRecord> r = {{Vital::kTemperature, 38.46}, {Vital::kGlucose, 7.04}};
  EXPECT_EQ(Encode(r), Encode(r));
  // The encoder rounds to the resolution first: 38.46 degC is sent as 38.5.
  const TelemetryDecode d = DecodeTelemetry(Encode(r), 0);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.pack.records[0].reading.value, 38.5);
  EXPECT_EQ(d.pack.records[1].reading.value, 7.0);
}

}  // namespace
}  // namespace vigil
