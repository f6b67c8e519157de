// Checks the telemetry test vectors (testdata/telemetry/vectors.json, docs/telemetry.md):
// every pack decodes to exactly the records (or the refusal) the file states, the
// records classify as stated for the kind that sent them, and where the file says so,
// encoding the records gives the same bytes. A failure means the encoding changed:
// update the file and docs/telemetry.md only if the change is intended.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/hex.h"
#include "common/telemetry/classify.h"
#include "common/telemetry/senml_decoder.h"
#include "common/telemetry/senml_encoder.h"
#include "device/kind_vitals.h"

namespace vigil {
namespace {

using json = nlohmann::json;

json Load() {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/telemetry/vectors.json");
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str());
}

senml::Artefact ArtefactFromName(const std::string& name) {
  for (uint8_t i = 0; i <= senml::kMaxArtefactCode; ++i)
    if (senml::ArtefactName(static_cast<senml::Artefact>(i)) == name)
      return static_cast<senml::Artefact>(i);
  ADD_FAILURE() << "unknown artefact " << name;
  return senml::Artefact::kNone;
}

TEST(TelemetryVectors, EveryVectorDecodesClassifiesAndEncodesAsRecorded) {
  const json doc = Load();
  ASSERT_EQ(doc.at("format"), "vigil-telemetry-vectors/1");
  const TimeUs now = doc.at("now_us").get<TimeUs>();
  std::set<std::string> names, errors_seen;
  size_t encoded = 0;
  for (const json& v : doc.at("vectors")) {
    const std::string name = v.at("name");
    SCOPED_TRACE(name);
    EXPECT_TRUE(names.insert(name).second) << "duplicate vector name";
    auto bytes = FromHex(v.at("hex").get<std::string>());
    ASSERT_TRUE(bytes.has_value());
    DecodeOptions opts;
    if (v.contains("uid")) opts.uid = *UidFromString(v.at("uid").get<std::string>());
    const TelemetryDecode d = DecodeTelemetry(*bytes, now, opts);
    if (v.contains("error")) {
      EXPECT_EQ(TelemetryErrorName(d.error), v.at("error").get<std::string>());
      EXPECT_EQ(d.pack.count, 0u);
      errors_seen.insert(v.at("error").get<std::string>());
      continue;
    }
    ASSERT_TRUE(d.ok()) << TelemetryErrorName(d.error) << " at byte " << d.offset;
    const json& want = v.at("records");
    ASSERT_EQ(d.pack.count, want.size());
    VitalSet measured = kAnyVital;
    if (v.contains("kind")) {
      const auto kind = DeviceKindFromName(v.at("kind").get<std::string>());
      ASSERT_TRUE(kind.has_value());
      measured = MeasuredVitals(*kind);
    }
    const Classification c = Classify(d.pack, measured);
    std::vector<TelemetryRecord> records;
    for (size_t i = 0; i < want.size(); ++i) {
      const json& w = want[i];
      const DecodedRecord& r = d.pack.records[i];
      EXPECT_EQ(VitalName(r.reading.vital), w.at("vital").get<std::string>()) << i;
      EXPECT_EQ(r.reading.value, w.at("value").get<double>()) << i;
      EXPECT_EQ(r.reading.time, now - w.at("age_s").get<TimeUs>() * kSeconds) << i;
      const senml::Artefact art = ArtefactFromName(w.at("artefact"));
      if (v.contains("kind")) {
        EXPECT_EQ(ValueClassName(c.items[i].value_class), w.at("class").get<std::string>()) << i;
        EXPECT_EQ(c.items[i].artefact, art) << i;
        if (w.contains("reason")) {
          EXPECT_EQ(ClassReasonName(c.items[i].reason), w.at("reason").get<std::string>()) << i;
        }
      }
      records.push_back({r.reading.vital, r.reading.value, r.artefact,
                         static_cast<uint32_t>(w.at("age_s").get<int>())});
    }
    if (v.value("encode", false)) {
      ++encoded;
      std::array<uint8_t, senml::kMaxPackBytes> buf{};
      Result<size_t> n = EncodeTelemetry(records, buf);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(ToHex(ByteSpan(buf.data(), *n)), v.at("hex").get<std::string>());
    }
  }
  // The file covers every refusal and every kind that sends telemetry.
  for (uint8_t i = 1; i <= static_cast<uint8_t>(TelemetryError::kDuplicateRecord); ++i)
    EXPECT_TRUE(errors_seen.count(std::string(TelemetryErrorName(static_cast<TelemetryError>(i)))))
        << "no vector for " << TelemetryErrorName(static_cast<TelemetryError>(i));
  for (DeviceKind k : kAllDeviceKinds) {
    if (MeasuredVitals(k) == 0 || MeasuredVitals(k) == kAnyVital) continue;
    EXPECT_TRUE(names.count(std::string(DeviceKindName(k))))
        << "no vector for " << DeviceKindName(k);
  }
  EXPECT_GE(encoded, 7u);
}

}  // namespace
}  // namespace vigil
