// Byte-level constants of Vigil telemetry: SenML (RFC 8428) in its CBOR representation
// (application/senml+cbor), one pack per protected DATA frame. The prose twin of this
// header is docs/telemetry.md; the two change together.
//
// Why here, in src/common: the device encodes what the gateway decodes, and both must
// agree on every label, unit and limit below. Keeping the codec beside the clinical
// vocabulary (common/vitals.h) lets the device firmware, the gateway, the testbed and the
// fuzzers link exactly one copy of it, with no dependency on the protocol layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::senml {

// ---- RFC 8428 Table 4: the CBOR labels (conclusive: extensions use text labels) ----
inline constexpr int64_t kLabelBaseVersion = -1;  // bver
inline constexpr int64_t kLabelBaseName = -2;     // bn
inline constexpr int64_t kLabelBaseTime = -3;     // bt
inline constexpr int64_t kLabelBaseUnit = -4;     // bu
inline constexpr int64_t kLabelBaseValue = -5;    // bv
inline constexpr int64_t kLabelBaseSum = -6;      // bs
inline constexpr int64_t kLabelName = 0;          // n
inline constexpr int64_t kLabelUnit = 1;          // u
inline constexpr int64_t kLabelValue = 2;         // v
inline constexpr int64_t kLabelStringValue = 3;   // vs
inline constexpr int64_t kLabelBoolValue = 4;     // vb
inline constexpr int64_t kLabelSum = 5;           // s
inline constexpr int64_t kLabelTime = 6;          // t
inline constexpr int64_t kLabelUpdateTime = 7;    // ut
inline constexpr int64_t kLabelDataValue = 8;     // vd

// The only version this profile reads: RFC 8428's default (RFC 9100: features 1 and 3).
// Secondary units (RFC 8798, RFC 9100 feature 4, version 26) are not used, so that any
// SenML consumer reads a pack without knowing that registry.
inline constexpr uint64_t kVersion = 10;
// CBOR tag of a decimal fraction [exponent, mantissa] (RFC 8949 3.4.4), which RFC 8428 6
// allows for numbers.
inline constexpr uint64_t kTagDecimalFraction = 4;

// Vigil's one extension field, a text label ending in '_' so that RFC 8428 4.4 obliges
// every reader that does not know it to refuse the record instead of taking its value
// for a measurement. Its value (an unsigned integer, Artefact below) says the value is
// technical, not clinical.
inline constexpr std::string_view kArtefactLabel = "art_";

// Technical conditions a device reports on a record. Codes are stable (on the air).
enum class Artefact : uint8_t {
  kNone = 0,       // never sent: a record without art_ is a measurement
  kProbeOff = 1,   // oximeter clip or temperature probe not on the patient
  kLeadOff = 2,    // an ECG electrode lost contact
  kMotion = 3,     // motion artefact: the device saw a value it does not trust
  kCuffError = 4,  // a blood-pressure determination failed (leak, no oscillations)
  kOcclusion = 5,  // an infusion line is occluded
  kNoSignal = 6,   // a sensor warming up or without signal (glucose sensor)
};
inline constexpr uint8_t kMaxArtefactCode = 6;

constexpr std::string_view ArtefactName(Artefact a) {
  switch (a) {
    case Artefact::kNone:
      return "none";
    case Artefact::kProbeOff:
      return "probe_off";
    case Artefact::kLeadOff:
      return "lead_off";
    case Artefact::kMotion:
      return "motion";
    case Artefact::kCuffError:
      return "cuff_error";
    case Artefact::kOcclusion:
      return "occlusion";
    case Artefact::kNoSignal:
      return "no_signal";
  }
  return "?";
}

// ---- the profile's bounds (what the decoder refuses beyond) ----
// A pack is the body of one DATA frame: nothing longer than a unicast MAC payload
// (wire::kMaxUnicastPayload) can arrive in one, whatever the tag size.
inline constexpr size_t kMaxPackBytes = 104;
inline constexpr size_t kMaxRecords = 8;           // more cannot fit a frame anyway
inline constexpr size_t kMaxFieldsPerRecord = 12;  // RFC 8428 defines 15 labels in all
inline constexpr size_t kMaxNameBytes = 64;        // resolved name (bn + n)
inline constexpr size_t kMaxUnitBytes = 16;        // longest registered unit is 6
inline constexpr int kMaxSkipDepth = 4;            // nesting inside an ignored field
// Times: RFC 8428 4.5.3. Values below 2^28 s are relative to "now" (the moment the
// gateway verified the frame); devices on this link have no wall clock, so absolute
// times are refused, and so are times in the future or older than an hour.
inline constexpr double kRelativeTimeLimit = 268435456.0;  // 2^28 seconds
inline constexpr double kMaxAgeSeconds = 3600;
// The device URN of RFC 9039 for an EUI-64 (the 802.15.4 extended address): a base name
// "urn:dev:mac:<16 lowercase hex digits>:" names the device whose frame carried the pack.
inline constexpr std::string_view kDevMacPrefix = "urn:dev:mac:";
inline constexpr size_t kDevMacBaseNameBytes = 12 + 16 + 1;

}  // namespace vigil::senml
