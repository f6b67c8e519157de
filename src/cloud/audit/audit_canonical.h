// The canonical byte form of an audit record, version 1 (docs/audit.md, "The canonical
// form"): what the chain hashes, and what a store may keep as the record's blob.
//
// Layout: the magic "VGAR", one version byte (1), then the fields in a fixed order, each
// as a tag byte (1, 2, 3 ... in that order), a 4-byte big-endian length and the value:
//
//   tag field           value
//   1   seq             8 bytes, unsigned big-endian, >= 1
//   2   time_ms         8 bytes, two's complement big-endian, >= 0
//   3   event           1 byte (audit_record.h's numbering)
//   4   actor_kind      1 byte
//   5   actor_id        UTF-8
//   6   role            UTF-8
//   7   operation       UTF-8
//   8   outcome         1 byte
//   9   patient_id      empty (no patient) or 8 bytes, two's complement big-endian, > 0
//   10  source_address  UTF-8
//   11  client          UTF-8
//   12  decision        1 byte
//   13  rule            UTF-8
//   14  emergency       1 byte, 0 or 1
//   15  reason          UTF-8
//
// Why length-prefixed fields and not JSON with sorted keys: every byte string has exactly
// one reading, with no escaping, number formatting or Unicode normalisation to agree on
// (two JSON writers may disagree on "\u00e9" versus "é" or on 1e2 versus 100, and then
// the same record has two hashes). Every field is always present, in one order, so one
// record has exactly one form: Canonical(Parse(b)) == b for every b that parses. The tags
// make a misplaced field an error rather than a silent misreading, and the version byte
// lets a later format add fields while version 1 records keep their hashes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cloud/audit/audit_record.h"

namespace vigil::audit {

inline constexpr std::string_view kCanonicalMagic = "VGAR";
inline constexpr uint8_t kCanonicalVersion = 1;
inline constexpr uint8_t kFieldCount = 15;
// The largest canonical record: header, 15 field headers, the bounded fields.
inline constexpr size_t kMaxCanonicalBytes = 5 + kFieldCount * 5 + 8 + 8 + 1 + 1 + 1 + 8 + 1 + 1 +
                                             3 * kMaxIdBytes + kMaxOperationBytes +
                                             kMaxAddressBytes + kMaxClientBytes + kMaxReasonBytes;

// The canonical bytes of record `r` at position `seq`.
// REQUIRES: seq >= 1 and CheckRecord(r) == kOk.
std::string Canonical(uint64_t seq, const AuditRecord& r);

// Reads canonical bytes back. On success sets *seq and *out and returns kOk; the record
// passed CheckRecord, and Canonical(*seq, *out) == bytes. Otherwise returns why (kTruncated,
// kBadLayout, kUnknownVersion, or CheckRecord's error for a value out of its range),
// leaves *seq and *out unchanged, and sets *offset (if given) to where reading stopped.
RecordError ParseCanonical(std::string_view bytes, uint64_t* seq, AuditRecord* out,
                           size_t* offset = nullptr);

}  // namespace vigil::audit
