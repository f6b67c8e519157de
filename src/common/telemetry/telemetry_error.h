// Why a telemetry pack was refused. Every code is remote misbehaviour: the pack arrived in
// a frame that verified, so an authenticated device (or whoever holds its keys) sent
// bytes that are not a valid pack. ErrorClass() maps each code onto the protocol-wide
// Error, for which IsRemote() holds, so the gateway can hand it to the IDS as it does for
// a malformed frame.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/error.h"

namespace vigil {

enum class TelemetryError : uint8_t {
  kOk = 0,
  // ---- CBOR well-formedness ----
  kTruncated,         // the input ends inside an item (or is empty)
  kOversized,         // longer than any DATA frame body (senml::kMaxPackBytes)
  kMalformedCbor,     // a reserved or unassigned initial byte
  kIndefiniteLength,  // an indefinite-length string, array or map (not in this profile)
  kTrailingBytes,     // bytes after the pack's array
  // ---- SenML structure ----
  kNotAPack,            // the top-level item is not an array
  kNoRecords,           // an empty array
  kTooManyRecords,      // more than senml::kMaxRecords records
  kRecordNotAMap,       // a record is not a map
  kTooManyFields,       // a record has more than senml::kMaxFieldsPerRecord fields
  kWrongType,           // a field's value (or a label) has the wrong CBOR type
  kUnknownLabel,        // an integer label RFC 8428 does not define, or a text label
                        // spelling a defined one
  kMustUnderstand,      // a text label ending in '_' this decoder does not know (RFC 8428 4.4)
  kDuplicateField,      // the same label twice in one record
  kUnsupportedField,    // a defined field this profile does not carry (vs, vb, vd, s, bs)
  kUnsupportedVersion,  // bver other than 10
  kTooDeep,             // an ignored field nests deeper than senml::kMaxSkipDepth
  kUnexpectedTag,       // a CBOR tag other than a decimal fraction in a number
  // ---- values ----
  kMissingName,       // no n and no bn
  kBadName,           // a resolved name outside RFC 8428 4.5.1's characters, or too long
  kUnknownName,       // a resolved name that is not a vital sign (common/vitals.h)
  kBaseNameMismatch,  // bn names another device than the one whose frame carried it
  kMissingValue,      // no v
  kNonFinite,         // NaN or an infinity (or a conversion that overflows)
  kMissingUnit,       // no u and no bu
  kUnknownUnit,       // a unit that is not a primary SenML unit (RFC 8428, RFC 8798)
  kUnitMismatch,      // a registered unit this profile does not accept for that vital
  kBadTime,           // absolute, in the future, or older than senml::kMaxAgeSeconds
  kBadArtefact,       // art_ is not an unsigned integer naming a known artefact
  kDuplicateRecord,   // two records for the same vital at the same time
};

// Stable snake_case name ("truncated", "unknown_unit", ...) for logs and alerts.
std::string_view TelemetryErrorName(TelemetryError e);
// One line for operators, e.g. "a unit that is not in the SenML units registry".
std::string_view TelemetryErrorText(TelemetryError e);
// kOk -> kOk; kTruncated -> kTruncated; kOversized -> kOversized; the rest -> kMalformed.
Error ErrorClass(TelemetryError e);

}  // namespace vigil
