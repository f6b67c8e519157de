// The gateway side of telemetry: a strict, bounded decoder of SenML/CBOR reading packs
// (docs/telemetry.md). Sans-IO: bytes and `now` in, readings on the receiver's time axis
// out; no heap, no clock, no state between calls.
//
// Strict means every pack is read whole before anything is returned: a pack with one bad
// byte yields no reading at all (no partial decode). Refused: malformed or truncated
// CBOR, indefinite lengths, trailing bytes, wrong types, duplicate labels, integer labels
// RFC 8428 does not define, text labels ending in '_' other than Vigil's art_ (RFC 8428
// 4.4), unsupported fields (vs, vb, vd, s, bs), a version other than 10, names that are
// not vital signs, units outside the SenML registry or not accepted for the vital,
// missing names, values or units, NaN and infinities, absolute, future or stale times,
// more than senml::kMaxRecords records. Unknown text labels without '_' are skipped, as
// RFC 8428 4.4 requires.
//
// What the decoder does not judge: whether a value is plausible. That is Classify()
// (telemetry/classify.h), which the caller runs on every pack that decodes.
//
// Thread-safety: a pure function.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/error.h"
#include "common/telemetry/senml_format.h"
#include "common/telemetry/telemetry_error.h"
#include "common/time.h"
#include "common/vitals.h"

namespace vigil {

// One decoded record: a reading in its clinical unit (rounded to the vital's resolution,
// senml::SpecOf), on the receiver's time axis.
struct DecodedRecord {
  Reading reading;
  senml::Artefact artefact = senml::Artefact::kNone;  // the record's art_, if any
  double update_interval_s = 0;  // ut: the next reading is due within (0: not given)
};

struct TelemetryPack {
  std::array<DecodedRecord, senml::kMaxRecords> records{};
  size_t count = 0;
  std::span<const DecodedRecord> view() const { return {records.data(), count}; }
};

struct DecodeOptions {
  // The uid of the device whose verified frame carried the pack. When set, a base name
  // of the device-URN form (urn:dev:mac:<uid>:) must name this device (else
  // kBaseNameMismatch: one device's frame speaking for another). 0: any uid.
  uint64_t uid = 0;
};

struct TelemetryDecode {
  TelemetryError error = TelemetryError::kOk;
  size_t offset = 0;   // byte offset of the item that was refused
  size_t record = 0;   // index of the record it belongs to
  TelemetryPack pack;  // empty unless ok()

  bool ok() const { return error == TelemetryError::kOk; }
  // The protocol-wide error for the IDS: kMalformed, kTruncated or kOversized (all
  // IsRemote()), kOk when the pack decoded.
  Error error_class() const { return ErrorClass(error); }
};

// Decodes one pack. `now` is when the frame that carried it was verified; relative SenML
// times (bt + t, seconds, <= 0) are placed on that axis.
TelemetryDecode DecodeTelemetry(ByteSpan pack, TimeUs now, const DecodeOptions& options = {});

}  // namespace vigil
