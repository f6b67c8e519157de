#include "common/telemetry/senml_encoder.h"

#include <cbor.h>

#include <array>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <string_view>

#include "common/telemetry/cbor_reader.h"
#include "common/telemetry/vital_units.h"

namespace vigil {
namespace {

// Appends CBOR items with libcbor's encoders; the first one that does not fit latches
// the failure (every later call is a no-op), like ByteWriter.
class CborWriter {
 public:
  explicit CborWriter(MutableByteSpan out) : out_(out) {}
  bool ok() const { return ok_; }
  size_t size() const { return pos_; }

  void Uint(uint64_t v) { Take(cbor_encode_uint(v, At(), Room())); }
  void Int(int64_t v) {
    if (v >= 0) {
      Uint(static_cast<uint64_t>(v));
    } else {
      Take(cbor_encode_negint(static_cast<uint64_t>(-(v + 1)), At(), Room()));
    }
  }
  void Array(size_t n) { Take(cbor_encode_array_start(n, At(), Room())); }
  void Map(size_t n) { Take(cbor_encode_map_start(n, At(), Room())); }
  void Text(std::string_view s) {
    Take(cbor_encode_string_start(s.size(), At(), Room()));
    Raw(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  void Raw(ByteSpan b) {
    if (!ok_ || Room() < b.size()) {
      ok_ = false;
      return;
    }
    if (!b.empty()) std::memcpy(At(), b.data(), b.size());
    pos_ += b.size();
  }

 private:
  unsigned char* At() { return out_.data() + pos_; }
  size_t Room() const { return ok_ ? out_.size() - pos_ : 0; }
  void Take(size_t n) {
    if (!ok_ || n == 0) {
      ok_ = false;
      return;
    }
    pos_ += n;
  }
  MutableByteSpan out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The number `bytes` holds, read the way the decoder reads it.
bool DecodeNumber(ByteSpan bytes, double* out) {
  senml::CborReader r(bytes);
  senml::CborItem it;
  return r.Next(&it) == TelemetryError::kOk && r.NumberFrom(it, out) == TelemetryError::kOk &&
         r.at_end();
}

// The shortest encoding of `clinical` in the vital's wire unit that decodes back to it.
// Candidates, shortest first: an integer, a half, a single, a double (always exact
// enough: its error is far below any resolution).
size_t EncodeValue(Vital v, double clinical, std::array<uint8_t, 9>* buf) {
  const senml::UnitConversion& unit = senml::WireUnit(v);
  const double wire = senml::ToWire(unit, clinical);
  auto preserves = [&](size_t n) {
    double back = 0;
    return n > 0 && DecodeNumber(ByteSpan(buf->data(), n), &back) &&
           senml::ToClinical(v, unit, back) == clinical;
  };
  size_t n = 0;
  const double r = std::round(wire);
  if (std::fabs(r) <= 9007199254740992.0) {  // 2^53: every such integer is exact
    CborWriter w(*buf);
    w.Int(static_cast<int64_t>(r));
    n = w.ok() ? w.size() : 0;
    if (preserves(n)) return n;
  }
  // libcbor's half encoder is only defined for normal halves (and zero).
  const double a = std::fabs(wire);
  if (a == 0 || (a >= 6.103515625e-05 && a <= 65504)) {
    n = cbor_encode_half(static_cast<float>(wire), buf->data(), buf->size());
    if (preserves(n)) return n;
  }
  if (a <= FLT_MAX) {
    n = cbor_encode_single(static_cast<float>(wire), buf->data(), buf->size());
    if (preserves(n)) return n;
  }
  return cbor_encode_double(wire, buf->data(), buf->size());
}

// "urn:dev:mac:" + 16 lowercase hex digits + ":"
std::array<char, senml::kDevMacBaseNameBytes> BaseName(uint64_t uid) {
  std::array<char, senml::kDevMacBaseNameBytes> s{};
  std::memcpy(s.data(), senml::kDevMacPrefix.data(), senml::kDevMacPrefix.size());
  constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < 16; ++i)
    s[senml::kDevMacPrefix.size() + i] = kHex[(uid >> (60 - 4 * i)) & 0xf];
  s[senml::kDevMacBaseNameBytes - 1] = ':';
  return s;
}

}  // namespace

Result<size_t> EncodeTelemetry(std::span<const TelemetryRecord> records, MutableByteSpan out,
                               const EncodeOptions& options) {
  if (records.empty() || records.size() > senml::kMaxRecords) return Error::kInvalidArgument;
  for (const TelemetryRecord& r : records) {
    if (!std::isfinite(r.value) || static_cast<size_t>(r.vital) >= kVitalCount ||
        static_cast<uint8_t>(r.artefact) > senml::kMaxArtefactCode ||
        r.age_s > senml::kMaxAgeSeconds)
      return Error::kInvalidArgument;
  }
  CborWriter w(out);
  w.Array(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const TelemetryRecord& r = records[i];
    const bool bn = i == 0 && options.base_name_uid != 0;
    const bool art = r.artefact != senml::Artefact::kNone;
    w.Map(3 + (r.age_s ? 1 : 0) + (bn ? 1 : 0) + (art ? 1 : 0));
    w.Uint(senml::kLabelName);
    w.Text(VitalName(r.vital));
    w.Uint(senml::kLabelUnit);
    w.Text(senml::WireUnit(r.vital).unit);
    w.Uint(senml::kLabelValue);
    std::array<uint8_t, 9> value{};
    const size_t n = EncodeValue(r.vital, senml::RoundClinical(r.vital, r.value), &value);
    w.Raw(ByteSpan(value.data(), n));
    if (r.age_s) {
      w.Uint(senml::kLabelTime);
      w.Int(-static_cast<int64_t>(r.age_s));
    }
    if (bn) {
      w.Int(senml::kLabelBaseName);
      const auto name = BaseName(options.base_name_uid);
      w.Text(std::string_view(name.data(), name.size()));
    }
    if (art) {
      w.Text(senml::kArtefactLabel);
      w.Uint(static_cast<uint8_t>(r.artefact));
    }
  }
  if (!w.ok()) return Error::kNoBufs;
  return w.size();
}

}  // namespace vigil
