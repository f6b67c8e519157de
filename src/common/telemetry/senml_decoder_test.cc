// The strict decoder, beyond the vectors of testdata/telemetry (checked by
// device/telemetry_vectors_test.cc): whole-input properties no single vector shows.
#include "common/telemetry/senml_decoder.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "common/telemetry/classify.h"
#include "common/telemetry/senml_encoder.h"

namespace vigil {
namespace {

using senml::Artefact;

constexpr TimeUs kNow = 5000 * kSeconds;

std::vector<uint8_t> Encode(std::initializer_list<TelemetryRecord> records,
                            const EncodeOptions& o = {}) {
  std::array<uint8_t, senml::kMaxPackBytes> buf{};
  Result<size_t> n = EncodeTelemetry(std::span(records.begin(), records.size()), buf, o);
  EXPECT_TRUE(n.ok());
  return {buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n.ok() ? *n : 0)};
}

// A pack that exercises most of the decoder: three records, floats, an artefact, a time.
std::vector<uint8_t> RichPack() {
  return Encode({{Vital::kSystolic, 118, Artefact::kNone, 0},
                 {Vital::kDiastolic, 76, Artefact::kNone, 0},
                 {Vital::kPulseRate, 0, Artefact::kCuffError, 12}});
}

TEST(SenmlDecoder, ValidPackDecodesWhole) {
  const auto pack = RichPack();
  const TelemetryDecode d = DecodeTelemetry(pack, kNow);
  ASSERT_TRUE(d.ok()) << TelemetryErrorName(d.error);
  ASSERT_EQ(d.pack.count, 3u);
  EXPECT_EQ(d.pack.records[0].reading.vital, Vital::kSystolic);
  EXPECT_EQ(d.pack.records[0].reading.value, 118);
  EXPECT_EQ(d.pack.records[1].reading.value, 76);
  EXPECT_EQ(d.pack.records[2].artefact, Artefact::kCuffError);
  EXPECT_EQ(d.pack.records[2].reading.time, kNow - 12 * kSeconds);
}

TEST(SenmlDecoder, TruncatedPackIsRefusedNotPartiallyDecoded) {
  const auto pack = RichPack();
  for (size_t n = 0; n < pack.size(); ++n) {
    const TelemetryDecode d = DecodeTelemetry(ByteSpan(pack.data(), n), kNow);
    EXPECT_EQ(d.error, TelemetryError::kTruncated) << "prefix of " << n << " bytes";
    EXPECT_EQ(d.pack.count, 0u) << "prefix of " << n << " bytes";
  }
}

TEST(SenmlDecoder, FlippedByteIsRefusedOrStillAWholeValidPack) {
  // Whatever one corrupted byte turns the pack into, the result is all or nothing: either
  // a refusal with no record, or records that each passed every check (a known vital, a
  // finite value in a clinical unit, a time on the receiver's axis within the hour).
  const auto pack = RichPack();
  size_t refused = 0, accepted = 0;
  for (size_t i = 0; i < pack.size(); ++i) {
    for (int mask : {0x01, 0x02, 0x10, 0x80, 0xff}) {
      auto bad = pack;
      bad[i] = static_cast<uint8_t>(bad[i] ^ mask);
      const TelemetryDecode d = DecodeTelemetry(bad, kNow);
      if (!d.ok()) {
        ++refused;
        EXPECT_EQ(d.pack.count, 0u);
        EXPECT_TRUE(IsRemote(d.error_class())) << TelemetryErrorName(d.error);
        EXPECT_LE(d.offset, bad.size());
        continue;
      }
      ++accepted;
      ASSERT_GE(d.pack.count, 1u);
      for (const DecodedRecord& r : d.pack.view()) {
        EXPECT_LT(static_cast<size_t>(r.reading.vital), kVitalCount);
        EXPECT_TRUE(std::isfinite(r.reading.value));
        EXPECT_LE(r.reading.time, kNow);
        EXPECT_GE(r.reading.time, kNow - 3600 * kSeconds);
      }
      // And the validator takes whatever decodes.
      const Classification c = Classify(d.pack);
      EXPECT_EQ(c.clinical + c.artefacts + c.implausible, d.pack.count);
    }
  }
  EXPECT_GT(refused, accepted);  // most corruptions are caught by the format itself
}

TEST(SenmlDecoder, OversizedInputIsRefusedBeforeParsing) {
  std::vector<uint8_t> big(senml::kMaxPackBytes + 1, 0x80);  // would parse as empty arrays
  const TelemetryDecode d = DecodeTelemetry(big, kNow);
  EXPECT_EQ(d.error, TelemetryError::kOversized);
  EXPECT_EQ(d.error_class(), Error::kOversized);
}

TEST(SenmlDecoder, EveryRefusalIsRemoteMisbehaviourWithItsOwnName) {
  std::set<std::string_view> names;
  for (uint8_t i = 1; i <= static_cast<uint8_t>(TelemetryError::kDuplicateRecord); ++i) {
    const auto e = static_cast<TelemetryError>(i);
    EXPECT_TRUE(IsRemote(ErrorClass(e))) << TelemetryErrorName(e);
    EXPECT_NE(TelemetryErrorText(e), "?");
    EXPECT_TRUE(names.insert(TelemetryErrorName(e)).second) << TelemetryErrorName(e);
  }
  EXPECT_EQ(ErrorClass(TelemetryError::kOk), Error::kOk);
}

TEST(SenmlDecoder, BaseNameOfAnotherDeviceIsRefusedOnlyWhenTheSenderIsKnown) {
  const auto pack = Encode({{Vital::kHeartRate, 70}}, EncodeOptions{0x00124b0000000001ULL});
  EXPECT_EQ(DecodeTelemetry(pack, kNow, DecodeOptions{0x00124b0000000002ULL}).error,
            TelemetryError::kBaseNameMismatch);
  EXPECT_TRUE(DecodeTelemetry(pack, kNow, DecodeOptions{0x00124b0000000001ULL}).ok());
  EXPECT_TRUE(DecodeTelemetry(pack, kNow).ok());
}

TEST(SenmlDecoder, RefusalNamesTheRecordAndTheOffset) {
  // Second record: a unit the registry does not have.
  const std::vector<uint8_t> pack = {
      0x82,                                                                // array(2)
      0xa3, 0x00, 0x64, 's', 'p', 'o',  '2', 0x01, 0x61, '/', 0x02, 0x00,  // {n, u "/", v 0}
      0xa3, 0x00, 0x69, 'r', 'e', 's',  'p', '_',  'r',  'a', 't',  'e',   // {n "resp_rate",
      0x01, 0x63, 'b',  'p', 'm', 0x02, 0x10};                             //  u "bpm", v 16}
  const TelemetryDecode d = DecodeTelemetry(pack, kNow);
  EXPECT_EQ(d.error, TelemetryError::kUnknownUnit);
  EXPECT_EQ(d.record, 1u);
  EXPECT_EQ(d.pack.count, 0u);  // the good first record is not returned either
}

}  // namespace
}  // namespace vigil
