// Fuzzes the telemetry decoder (docs/telemetry.md): DecodeTelemetry must refuse what it
// cannot read without crashing, never return part of a pack, and report every refusal
// as remote misbehaviour; whatever it accepts must classify, and its readings must
// re-encode in Vigil's profile and decode again to the same vitals, values, artefacts and
// times. Input: the pack, as it arrives in a verified DATA frame.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/telemetry/classify.h"
#include "common/telemetry/senml_decoder.h"
#include "common/telemetry/senml_encoder.h"

namespace {

using namespace vigil;

void Require(bool ok) {
  if (!ok) std::abort();
}

constexpr TimeUs kNow = 7200 * kSeconds;

void Check(ByteSpan in, const DecodeOptions& options) {
  const TelemetryDecode d = DecodeTelemetry(in, kNow, options);
  if (!d.ok()) {
    Require(d.pack.count == 0);
    Require(IsRemote(d.error_class()));
    Require(d.offset <= in.size());
    return;
  }
  Require(d.pack.count >= 1 && d.pack.count <= senml::kMaxRecords);
  Require(in.size() <= senml::kMaxPackBytes);
  const Classification c = Classify(d.pack);
  Require(c.count == d.pack.count && c.clinical + c.artefacts + c.implausible == c.count);

  std::vector<TelemetryRecord> records;
  for (const DecodedRecord& r : d.pack.view()) {
    Require(std::isfinite(r.reading.value));
    Require(r.reading.time <= kNow && r.reading.time >= kNow - 3600 * kSeconds);
    const TimeUs age = kNow - r.reading.time;
    // The encoder sends whole seconds and values within a sane magnitude; other packs are
    // valid SenML the profile reads but does not produce.
    if (age % kSeconds != 0 || std::fabs(r.reading.value) > 1e6) return;
    records.push_back(
        {r.reading.vital, r.reading.value, r.artefact, static_cast<uint32_t>(age / kSeconds)});
  }
  std::array<uint8_t, 512> buf{};
  Result<size_t> n = EncodeTelemetry(records, buf);
  Require(n.ok());
  const TelemetryDecode again = DecodeTelemetry(ByteSpan(buf.data(), *n), kNow);
  if (*n > senml::kMaxPackBytes) {
    Require(again.error == TelemetryError::kOversized);  // a bulky input re-encoded bigger
    return;
  }
  Require(again.ok() && again.pack.count == d.pack.count);
  for (size_t i = 0; i < d.pack.count; ++i) {
    const DecodedRecord &a = d.pack.records[i], &b = again.pack.records[i];
    Require(a.reading.vital == b.reading.vital && a.reading.value == b.reading.value &&
            a.reading.time == b.reading.time && a.artefact == b.artefact);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  Check(in, DecodeOptions{});
  Check(in, DecodeOptions{0x00124b0001a2b3c4ULL});  // the uid of the vectors' base names
  return 0;
}
