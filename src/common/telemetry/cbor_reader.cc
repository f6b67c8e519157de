#include "common/telemetry/cbor_reader.h"

#include <cbor.h>

#include <cmath>

#include "common/telemetry/senml_format.h"

namespace vigil::senml {
namespace {

CborItem& Item(void* ctx) { return *static_cast<CborItem*>(ctx); }

void OnUint8(void* c, uint8_t v) { Item(c) = {CborKind::kUint, v, 0, false, nullptr, 0}; }
void OnUint16(void* c, uint16_t v) { Item(c) = {CborKind::kUint, v, 0, false, nullptr, 0}; }
void OnUint32(void* c, uint32_t v) { Item(c) = {CborKind::kUint, v, 0, false, nullptr, 0}; }
void OnUint64(void* c, uint64_t v) { Item(c) = {CborKind::kUint, v, 0, false, nullptr, 0}; }
void OnNeg8(void* c, uint8_t v) { Item(c) = {CborKind::kNegint, v, 0, false, nullptr, 0}; }
void OnNeg16(void* c, uint16_t v) { Item(c) = {CborKind::kNegint, v, 0, false, nullptr, 0}; }
void OnNeg32(void* c, uint32_t v) { Item(c) = {CborKind::kNegint, v, 0, false, nullptr, 0}; }
void OnNeg64(void* c, uint64_t v) { Item(c) = {CborKind::kNegint, v, 0, false, nullptr, 0}; }
void OnBytes(void* c, cbor_data d, size_t n) { Item(c) = {CborKind::kBytes, 0, 0, false, d, n}; }
void OnText(void* c, cbor_data d, size_t n) { Item(c) = {CborKind::kText, 0, 0, false, d, n}; }
void OnIndefinite(void* c) { Item(c) = {CborKind::kIndefinite, 0, 0, false, nullptr, 0}; }
void OnArray(void* c, size_t n) { Item(c) = {CborKind::kArray, 0, 0, false, nullptr, n}; }
void OnMap(void* c, size_t n) { Item(c) = {CborKind::kMap, 0, 0, false, nullptr, n}; }
void OnTag(void* c, uint64_t v) { Item(c) = {CborKind::kTag, v, 0, false, nullptr, 0}; }
void OnFloat(void* c, float v) { Item(c) = {CborKind::kFloat, 0, v, false, nullptr, 0}; }
void OnDouble(void* c, double v) { Item(c) = {CborKind::kFloat, 0, v, false, nullptr, 0}; }
void OnUndefined(void* c) { Item(c) = {CborKind::kUndefined, 0, 0, false, nullptr, 0}; }
void OnNull(void* c) { Item(c) = {CborKind::kNull, 0, 0, false, nullptr, 0}; }
void OnBool(void* c, bool v) { Item(c) = {CborKind::kBool, 0, 0, v, nullptr, 0}; }
void OnBreak(void* c) { Item(c) = {CborKind::kBreak, 0, 0, false, nullptr, 0}; }

// In libcbor's declaration order (cbor/callbacks.h).
constexpr cbor_callbacks kCallbacks = {
    .uint8 = OnUint8,
    .uint16 = OnUint16,
    .uint32 = OnUint32,
    .uint64 = OnUint64,
    .negint64 = OnNeg64,
    .negint32 = OnNeg32,
    .negint16 = OnNeg16,
    .negint8 = OnNeg8,
    .byte_string_start = OnIndefinite,
    .byte_string = OnBytes,
    .string = OnText,
    .string_start = OnIndefinite,
    .indef_array_start = OnIndefinite,
    .array_start = OnArray,
    .indef_map_start = OnIndefinite,
    .map_start = OnMap,
    .tag = OnTag,
    .float2 = OnFloat,
    .float4 = OnFloat,
    .float8 = OnDouble,
    .undefined = OnUndefined,
    .null = OnNull,
    .boolean = OnBool,
    .indef_break = OnBreak,
};

// A decimal fraction's exponent beyond this cannot be a vital sign in any SenML unit.
constexpr uint64_t kMaxDecimalExponent = 30;

// An integer item as a signed value, if it fits an int64.
bool AsInt64(const CborItem& it, int64_t* out) {
  if (it.kind == CborKind::kUint && it.u <= static_cast<uint64_t>(INT64_MAX)) {
    *out = static_cast<int64_t>(it.u);
    return true;
  }
  if (it.kind == CborKind::kNegint && it.u <= static_cast<uint64_t>(INT64_MAX)) {
    *out = -1 - static_cast<int64_t>(it.u);
    return true;
  }
  return false;
}

}  // namespace

TelemetryError CborReader::Next(CborItem* out) {
  if (pos_ >= in_.size()) return TelemetryError::kTruncated;
  *out = CborItem{};
  const cbor_decoder_result r =
      cbor_stream_decode(in_.data() + pos_, in_.size() - pos_, &kCallbacks, out);
  switch (r.status) {
    case CBOR_DECODER_FINISHED:
      pos_ += r.read;
      return TelemetryError::kOk;
    case CBOR_DECODER_NEDATA:
      return TelemetryError::kTruncated;
    case CBOR_DECODER_ERROR:
      break;
  }
  return TelemetryError::kMalformedCbor;
}

TelemetryError CborReader::SkipRest(const CborItem& first, int depth) {
  uint64_t items = 0;
  switch (first.kind) {
    case CborKind::kIndefinite:
      return TelemetryError::kIndefiniteLength;
    case CborKind::kArray:
      items = first.size;
      break;
    case CborKind::kMap:
      items = 2 * static_cast<uint64_t>(first.size);
      break;
    case CborKind::kTag:
      items = 1;
      break;
    default:
      return TelemetryError::kOk;  // scalars and strings are whole already
  }
  if (depth <= 0) return TelemetryError::kTooDeep;
  // Each element takes at least one byte: a count beyond the input ends in kTruncated
  // after at most kMaxPackBytes reads.
  for (uint64_t i = 0; i < items; ++i) {
    CborItem it;
    if (TelemetryError e = Next(&it); e != TelemetryError::kOk) return e;
    if (it.kind == CborKind::kBreak) return TelemetryError::kMalformedCbor;
    if (TelemetryError e = SkipRest(it, depth - 1); e != TelemetryError::kOk) return e;
  }
  return TelemetryError::kOk;
}

TelemetryError CborReader::NumberFrom(const CborItem& first, double* out) {
  switch (first.kind) {
    case CborKind::kUint:
      *out = static_cast<double>(first.u);
      return TelemetryError::kOk;
    case CborKind::kNegint:
      *out = -1.0 - static_cast<double>(first.u);
      return TelemetryError::kOk;
    case CborKind::kFloat:
      if (!std::isfinite(first.f)) return TelemetryError::kNonFinite;
      *out = first.f;
      return TelemetryError::kOk;
    case CborKind::kTag:
      break;
    case CborKind::kIndefinite:
      return TelemetryError::kIndefiniteLength;
    default:
      return TelemetryError::kWrongType;
  }
  if (first.u != kTagDecimalFraction) return TelemetryError::kUnexpectedTag;
  CborItem arr, e, m;
  if (TelemetryError err = Next(&arr); err != TelemetryError::kOk) return err;
  if (arr.kind == CborKind::kIndefinite) return TelemetryError::kIndefiniteLength;
  if (arr.kind != CborKind::kArray || arr.size != 2) return TelemetryError::kWrongType;
  if (TelemetryError err = Next(&e); err != TelemetryError::kOk) return err;
  if (TelemetryError err = Next(&m); err != TelemetryError::kOk) return err;
  int64_t exponent = 0, mantissa = 0;
  // Bignum mantissas (tags 2 and 3) are refused with the rest: no vital needs them.
  if (!AsInt64(e, &exponent) || !AsInt64(m, &mantissa)) return TelemetryError::kWrongType;
  if (exponent > static_cast<int64_t>(kMaxDecimalExponent) ||
      exponent < -static_cast<int64_t>(kMaxDecimalExponent))
    return TelemetryError::kWrongType;
  // Division by an exact power of ten keeps decimals such as 36.9 exact to the double.
  const double p = std::pow(10.0, static_cast<double>(exponent < 0 ? -exponent : exponent));
  *out = exponent < 0 ? static_cast<double>(mantissa) / p : static_cast<double>(mantissa) * p;
  return std::isfinite(*out) ? TelemetryError::kOk : TelemetryError::kNonFinite;
}

}  // namespace vigil::senml
