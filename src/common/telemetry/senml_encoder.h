// The device side of telemetry: readings in clinical units -> one SenML/CBOR pack
// (docs/telemetry.md), written into a caller-owned buffer. No heap (libcbor's encoding
// functions write into the buffer), no exceptions: usable by device firmware.
//
// The bytes are RFC 8949 4.2.1 core deterministic CBOR: definite lengths, shortest
// integer heads, map keys in bytewise order of their encodings (n 0, u 1, v 2, t 6,
// bn -2, then art_). A value is sent in its vital's wire unit (senml::WireUnit) as the
// shortest CBOR number that decodes to the same clinical value at the vital's resolution:
// an integer, else a half, single or double float. So the same readings always give the
// same bytes, and the decoder's result equals the input rounded to the resolution.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/error.h"
#include "common/telemetry/senml_format.h"
#include "common/vitals.h"

namespace vigil {

struct TelemetryRecord {
  Vital vital = Vital::kHeartRate;
  double value = 0;  // clinical unit (common/vitals.h); rounded to the vital's resolution
  senml::Artefact artefact = senml::Artefact::kNone;  // sent as art_ when not kNone
  uint32_t age_s = 0;  // measured this many seconds before the pack is sent (t = -age_s)
};

struct EncodeOptions {
  // Non-zero: the first record carries bn "urn:dev:mac:<uid>:" (29 bytes more). Devices on
  // the PAN leave it out: the verified frame already names them.
  uint64_t base_name_uid = 0;
};

// Writes one pack into `out`. Returns its size; kInvalidArgument for no record, more than
// senml::kMaxRecords, a non-finite value or an artefact code out of range; kNoBufs if
// `out` is too small (nothing usable is left in it then).
Result<size_t> EncodeTelemetry(std::span<const TelemetryRecord> records, MutableByteSpan out,
                               const EncodeOptions& options = {});

}  // namespace vigil
