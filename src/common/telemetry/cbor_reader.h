// One CBOR item at a time over a caller-owned buffer, on libcbor's streaming decoder
// (cbor_stream_decode: no heap, no copies; strings are views into the input).
//
// Only what a SenML pack can hold is told apart; everything else is refused by the
// caller. Every read either consumes one whole item header (a whole string) or fails
// with a TelemetryError and consumes nothing more: kTruncated when the input ends inside
// the item, kMalformedCbor for a reserved or unassigned initial byte. Indefinite-length
// items come back as kIndefinite, for the caller to refuse.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/telemetry/telemetry_error.h"

namespace vigil::senml {

enum class CborKind : uint8_t {
  kUint,    // u
  kNegint,  // the value is -1 - u
  kBytes,   // data, size
  kText,    // data, size (not checked for UTF-8)
  kArray,   // size items follow
  kMap,     // size pairs follow
  kTag,     // u; the tagged item follows
  kFloat,   // f (half, single and double alike)
  kBool,    // b
  kNull,
  kUndefined,
  kIndefinite,  // the start of an indefinite-length string, array or map
  kBreak,
};

struct CborItem {
  CborKind kind = CborKind::kNull;
  uint64_t u = 0;
  double f = 0;
  bool b = false;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

class CborReader {
 public:
  explicit CborReader(ByteSpan in) : in_(in) {}

  // Reads the next item's header (a definite string whole). kOk, kTruncated or
  // kMalformedCbor.
  TelemetryError Next(CborItem* out);
  // Skips the rest of `first` (its elements, pairs or tagged item, recursively), refusing
  // more than `depth` levels of nesting (kTooDeep) and indefinite lengths.
  TelemetryError SkipRest(const CborItem& first, int depth);
  // Reads the number `first` starts: an integer, a float, or a decimal fraction (tag 4,
  // [exponent, mantissa], exponent within +-30). kNonFinite for NaN and infinities,
  // kWrongType for anything else, kUnexpectedTag for another tag.
  TelemetryError NumberFrom(const CborItem& first, double* out);

  size_t position() const { return pos_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  ByteSpan in_;
  size_t pos_ = 0;
};

}  // namespace vigil::senml
