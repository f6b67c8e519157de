#include "common/telemetry/telemetry_error.h"

namespace vigil {
namespace {

struct Entry {
  std::string_view name;
  std::string_view text;
};

// Indexed by TelemetryError; one row per code, in declaration order.
constexpr Entry kEntries[] = {
    {"ok", "a valid pack"},
    {"truncated", "the pack ends inside a CBOR item"},
    {"oversized", "longer than any DATA frame body"},
    {"malformed_cbor", "a reserved or unassigned CBOR initial byte"},
    {"indefinite_length", "an indefinite-length CBOR item"},
    {"trailing_bytes", "bytes after the pack's array"},
    {"not_a_pack", "the pack is not a CBOR array"},
    {"no_records", "the pack holds no record"},
    {"too_many_records", "more records than the profile allows"},
    {"record_not_a_map", "a record is not a CBOR map"},
    {"too_many_fields", "a record has more fields than the profile allows"},
    {"wrong_type", "a label or a field value of the wrong CBOR type"},
    {"unknown_label", "a label RFC 8428 does not define"},
    {"must_understand", "an unknown label ending in '_' (RFC 8428 4.4)"},
    {"duplicate_field", "the same label twice in one record"},
    {"unsupported_field", "a SenML field the profile does not carry"},
    {"unsupported_version", "a SenML version other than 10"},
    {"too_deep", "an ignored field nests too deep"},
    {"unexpected_tag", "a CBOR tag other than a decimal fraction"},
    {"missing_name", "a record without a name"},
    {"bad_name", "a name with characters RFC 8428 forbids, or too long"},
    {"unknown_name", "a name that is not a vital sign"},
    {"base_name_mismatch", "the base name names another device"},
    {"missing_value", "a record without a value"},
    {"non_finite", "a NaN or infinite number"},
    {"missing_unit", "a record without a unit"},
    {"unknown_unit", "a unit that is not in the SenML units registry"},
    {"unit_mismatch", "a unit the profile does not accept for that vital sign"},
    {"bad_time", "an absolute, future or too old time"},
    {"bad_artefact", "an artefact field that names no known artefact"},
    {"duplicate_record", "two records for one vital sign at one time"},
};
static_assert(sizeof(kEntries) / sizeof(kEntries[0]) ==
                  static_cast<size_t>(TelemetryError::kDuplicateRecord) + 1,
              "one row per TelemetryError");

}  // namespace

std::string_view TelemetryErrorName(TelemetryError e) {
  const size_t i = static_cast<size_t>(e);
  return i < sizeof(kEntries) / sizeof(kEntries[0]) ? kEntries[i].name : "?";
}

std::string_view TelemetryErrorText(TelemetryError e) {
  const size_t i = static_cast<size_t>(e);
  return i < sizeof(kEntries) / sizeof(kEntries[0]) ? kEntries[i].text : "?";
}

Error ErrorClass(TelemetryError e) {
  switch (e) {
    case TelemetryError::kOk:
      return Error::kOk;
    case TelemetryError::kTruncated:
      return Error::kTruncated;
    case TelemetryError::kOversized:
      return Error::kOversized;
    default:
      return Error::kMalformed;
  }
}

}  // namespace vigil
