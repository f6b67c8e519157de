// Why an MCUboot image is refused: one typed reason per check (docs/firmware.md, "What
// is refused"). Structural reasons come from the parser, the rest from the verifier;
// the first failure wins and is never replaced by a later one.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil::firmware {

enum class ImageError : uint8_t {
  kOk = 0,
  // --- structure (parser) ---
  kTruncated,         // the input ends before the structure the header announces
  kBadMagic,          // the header does not start with 0x96f3b83d
  kBadHeaderSize,     // ih_hdr_size below the 32-byte header
  kTooLarge,          // the announced image is larger than the limit
  kUnsupportedFlags,  // a header flag (encrypted, RAM load, ...) outside the subset
  kBadProtectedArea,  // protected area: wrong magic, or its size disagrees with the header
  kBadTlvInfo,        // unprotected area: wrong magic, or a size below its own header
  kTlvOverrun,        // a TLV's length runs past the end of its area
  kBadTlvLength,      // a TLV of the subset with the wrong length
  kDuplicateTlv,      // a TLV type that may appear once appears twice
  kUnsupportedTlv,    // a TLV type outside the subset, or in the wrong area
  kTrailingBytes,     // bytes after the unprotected TLV area
  // --- verification (verifier) ---
  kMissingHash,             // no SHA-256 TLV
  kHashMismatch,            // the SHA-256 TLV is not the hash of the image
  kUnsigned,                // no signature TLV and no key hash: an unsigned image
  kMissingKeyHash,          // a signature without the key hash TLV, or the reverse
  kWrongKey,                // signed for another key than the trusted one
  kBadSignature,            // the Ed25519 signature does not verify
  kMissingSecurityCounter,  // no security counter TLV (anti-rollback needs one)
  kRollback,                // security counter below the minimum the device holds
  kCrypto,                  // the crypto back-end failed (local, not the image's fault)
};

// A stable snake_case name ("hash_mismatch"), for JSON and logs.
std::string_view ImageErrorName(ImageError e);
// One sentence for an operator ("the image hash does not match its contents").
std::string_view ImageErrorMessage(ImageError e);

}  // namespace vigil::firmware
