#include "common/telemetry/senml_decoder.h"

#include <cmath>
#include <cstring>
#include <string_view>

#include "common/telemetry/cbor_reader.h"
#include "common/telemetry/vital_units.h"

namespace vigil {
namespace {

using senml::CborItem;
using senml::CborKind;
using senml::CborReader;
using E = TelemetryError;

// RFC 8428's labels as text: in the CBOR representation they are integers, so a text key
// spelling one is either a JSON habit or an attempt to give a record two values.
constexpr std::string_view kTextSpellings[] = {"bver", "bn", "bt", "bu", "bv", "bs", "n", "u",
                                               "v",    "vs", "vb", "s",  "t",  "ut", "vd"};

std::string_view AsText(const CborItem& it) {
  return {reinterpret_cast<const char*>(it.data), it.size};
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 8428 4.5.1: A-Z a-z 0-9 - : . / _, starting with a letter or a digit.
bool NameCharsOk(std::string_view s) {
  if (s.empty() || !IsAlnum(s[0])) return false;
  for (char c : s)
    if (!IsAlnum(c) && c != '-' && c != ':' && c != '.' && c != '/' && c != '_') return false;
  return true;
}

// 16 lowercase hex digits (RFC 9039's EUI-64 form) -> uid.
bool ParseUidHex(std::string_view s, uint64_t* uid) {
  if (s.size() != 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    uint64_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint64_t>(c - 'a' + 10);
    } else {
      return false;
    }
    v = v << 4 | d;
  }
  *uid = v;
  return true;
}

// Base fields: they apply to their record and every later one (RFC 8428 4.1).
struct Base {
  std::string_view bn;
  bool has_bn = false;
  double bt = 0;
  std::string_view bu;
  bool has_bu = false;
  double bv = 0;
};

// Regular fields of the record being read.
struct Fields {
  std::string_view n;
  bool has_n = false;
  std::string_view u;
  bool has_u = false;
  double v = 0;
  bool has_v = false;
  double t = 0;
  double ut = 0;
  senml::Artefact art = senml::Artefact::kNone;
};

class Decoder {
 public:
  Decoder(ByteSpan in, TimeUs now, const DecodeOptions& o) : r_(in), now_(now), options_(o) {}

  TelemetryDecode Run() {
    TelemetryDecode out;
    E e = Pack(&out.pack);
    if (e != E::kOk) {
      out.error = e;
      out.offset = item_at_;
      out.record = record_;
      out.pack = TelemetryPack{};  // nothing partial
    }
    return out;
  }

 private:
  // The next item, with the two kinds no position of a pack accepts refused here.
  E Read(CborItem* it) {
    item_at_ = r_.position();
    if (E e = r_.Next(it); e != E::kOk) return e;
    if (it->kind == CborKind::kBreak) return E::kMalformedCbor;
    if (it->kind == CborKind::kIndefinite) return E::kIndefiniteLength;
    return E::kOk;
  }
  E Text(const CborItem& it, std::string_view* out) {
    if (it.kind != CborKind::kText) return E::kWrongType;
    *out = AsText(it);
    return E::kOk;
  }
  E Number(const CborItem& it, double* out) { return r_.NumberFrom(it, out); }

  E Pack(TelemetryPack* pack) {
    CborItem top;
    if (E e = Read(&top); e != E::kOk) return e;
    if (top.kind != CborKind::kArray) return E::kNotAPack;
    if (top.size == 0) return E::kNoRecords;
    if (top.size > senml::kMaxRecords) return E::kTooManyRecords;
    Base base;
    for (record_ = 0; record_ < top.size; ++record_) {
      DecodedRecord& rec = pack->records[record_];
      if (E e = Record(base, &rec); e != E::kOk) return e;
      for (size_t j = 0; j < record_; ++j) {
        const Reading& prev = pack->records[j].reading;
        if (prev.vital == rec.reading.vital && prev.time == rec.reading.time)
          return E::kDuplicateRecord;
      }
      pack->count = record_ + 1;
    }
    item_at_ = r_.position();
    return r_.at_end() ? E::kOk : E::kTrailingBytes;
  }

  E Record(Base& base, DecodedRecord* out) {
    CborItem map;
    if (E e = Read(&map); e != E::kOk) return e;
    if (map.kind != CborKind::kMap) return E::kRecordNotAMap;
    if (map.size > senml::kMaxFieldsPerRecord) return E::kTooManyFields;
    Fields f;
    uint32_t seen = 0;  // integer labels -6..8, as bits 0..14
    std::array<std::string_view, senml::kMaxFieldsPerRecord> text_seen;
    size_t texts = 0;
    for (size_t i = 0; i < map.size; ++i) {
      CborItem key;
      if (E e = Read(&key); e != E::kOk) return e;
      if (key.kind == CborKind::kUint || key.kind == CborKind::kNegint) {
        if (E e = IntegerField(key, base, f, &seen); e != E::kOk) return e;
      } else if (key.kind == CborKind::kText) {
        const std::string_view label = AsText(key);
        for (size_t j = 0; j < texts; ++j)
          if (text_seen[j] == label) return E::kDuplicateField;
        text_seen[texts++] = label;
        if (E e = TextField(label, f); e != E::kOk) return e;
      } else {
        return E::kWrongType;
      }
    }
    return Resolve(base, f, out);
  }

  E IntegerField(const CborItem& key, Base& base, Fields& f, uint32_t* seen) {
    // Table 4 is conclusive: no other integer label can ever be defined.
    int64_t label;
    if (key.kind == CborKind::kUint) {
      if (key.u > static_cast<uint64_t>(senml::kLabelDataValue)) return E::kUnknownLabel;
      label = static_cast<int64_t>(key.u);
    } else {
      if (key.u > static_cast<uint64_t>(-1 - senml::kLabelBaseSum)) return E::kUnknownLabel;
      label = -1 - static_cast<int64_t>(key.u);
    }
    const uint32_t bit = 1u << static_cast<uint32_t>(label - senml::kLabelBaseSum);
    if (*seen & bit) return E::kDuplicateField;
    *seen |= bit;
    CborItem val;
    if (E e = Read(&val); e != E::kOk) return e;
    switch (label) {
      case senml::kLabelBaseVersion:
        if (val.kind != CborKind::kUint) return E::kWrongType;
        return val.u == senml::kVersion ? E::kOk : E::kUnsupportedVersion;
      case senml::kLabelBaseName:
        base.has_bn = true;
        return Text(val, &base.bn);
      case senml::kLabelBaseTime:
        return Number(val, &base.bt);
      case senml::kLabelBaseUnit: {
        if (E e = Text(val, &base.bu); e != E::kOk) return e;
        base.has_bu = true;
        return base.bu.size() <= senml::kMaxUnitBytes && senml::IsRegisteredUnit(base.bu)
                   ? E::kOk
                   : E::kUnknownUnit;
      }
      case senml::kLabelBaseValue:
        return Number(val, &base.bv);
      case senml::kLabelName:
        f.has_n = true;
        return Text(val, &f.n);
      case senml::kLabelUnit:
        f.has_u = true;
        return Text(val, &f.u);
      case senml::kLabelValue:
        f.has_v = true;
        return Number(val, &f.v);
      case senml::kLabelTime:
        return Number(val, &f.t);
      case senml::kLabelUpdateTime: {
        if (E e = Number(val, &f.ut); e != E::kOk) return e;
        return f.ut >= 0 ? E::kOk : E::kBadTime;
      }
      default:  // bs, vs, vb, s, vd: defined, but no vital sign is carried that way
        return E::kUnsupportedField;
    }
  }

  E TextField(std::string_view label, Fields& f) {
    for (std::string_view s : kTextSpellings)
      if (label == s) return E::kUnknownLabel;
    CborItem val;
    if (!label.empty() && label.back() == '_') {
      if (label != senml::kArtefactLabel) return E::kMustUnderstand;
      if (E e = Read(&val); e != E::kOk) return e;
      if (val.kind != CborKind::kUint || val.u == 0 || val.u > senml::kMaxArtefactCode)
        return E::kBadArtefact;
      f.art = static_cast<senml::Artefact>(val.u);
      return E::kOk;
    }
    // An extension this decoder does not know and need not understand: skipped whole.
    if (E e = Read(&val); e != E::kOk) return e;
    return r_.SkipRest(val, senml::kMaxSkipDepth);
  }

  E Resolve(const Base& base, const Fields& f, DecodedRecord* out) {
    if (!f.has_n && !base.has_bn) return E::kMissingName;
    const size_t bn_len = base.has_bn ? base.bn.size() : 0;
    const size_t n_len = f.has_n ? f.n.size() : 0;
    if (bn_len + n_len > senml::kMaxNameBytes) return E::kBadName;
    char buf[senml::kMaxNameBytes];
    if (bn_len) std::memcpy(buf, base.bn.data(), bn_len);
    if (n_len) std::memcpy(buf + bn_len, f.n.data(), n_len);
    std::string_view name(buf, bn_len + n_len);
    if (!NameCharsOk(name)) return name.empty() ? E::kMissingName : E::kBadName;
    if (name.substr(0, senml::kDevMacPrefix.size()) == senml::kDevMacPrefix) {
      uint64_t uid = 0;
      const size_t hex_at = senml::kDevMacPrefix.size();
      if (name.size() < senml::kDevMacBaseNameBytes || name[hex_at + 16] != ':' ||
          !ParseUidHex(name.substr(hex_at, 16), &uid))
        return E::kUnknownName;
      if (options_.uid != 0 && uid != options_.uid) return E::kBaseNameMismatch;
      name.remove_prefix(senml::kDevMacBaseNameBytes);
    }
    const std::optional<Vital> vital = VitalFromName(name);
    if (!vital) return E::kUnknownName;

    if (!f.has_u && !base.has_bu) return E::kMissingUnit;
    const std::string_view unit = f.has_u ? f.u : base.bu;
    if (unit.size() > senml::kMaxUnitBytes || !senml::IsRegisteredUnit(unit))
      return E::kUnknownUnit;
    const senml::UnitConversion* conv = senml::FindConversion(*vital, unit);
    if (conv == nullptr) return E::kUnitMismatch;

    if (!f.has_v) return E::kMissingValue;
    const double clinical = senml::ToClinical(*vital, *conv, base.bv + f.v);
    if (!std::isfinite(clinical)) return E::kNonFinite;

    const double t = base.bt + f.t;
    if (!std::isfinite(t)) return E::kNonFinite;
    // Positive: absolute (>= 2^28) or in the future; both are refused (senml_format.h).
    if (t > 0 || t < -senml::kMaxAgeSeconds) return E::kBadTime;

    out->reading.vital = *vital;
    out->reading.value = clinical;
    out->reading.time = now_ + static_cast<TimeUs>(std::llround(t * 1e6));
    out->artefact = f.art;
    out->update_interval_s = f.ut;
    return E::kOk;
  }

  CborReader r_;
  TimeUs now_;
  DecodeOptions options_;
  size_t item_at_ = 0;
  size_t record_ = 0;
};

}  // namespace

TelemetryDecode DecodeTelemetry(ByteSpan pack, TimeUs now, const DecodeOptions& options) {
  if (pack.size() > senml::kMaxPackBytes) {
    TelemetryDecode out;
    out.error = TelemetryError::kOversized;
    return out;
  }
  return Decoder(pack, now, options).Run();
}

}  // namespace vigil
