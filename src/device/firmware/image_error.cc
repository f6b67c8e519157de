#include "device/firmware/image_error.h"

namespace vigil::firmware {

std::string_view ImageErrorName(ImageError e) {
  switch (e) {
    case ImageError::kOk:
      return "ok";
    case ImageError::kTruncated:
      return "truncated";
    case ImageError::kBadMagic:
      return "bad_magic";
    case ImageError::kBadHeaderSize:
      return "bad_header_size";
    case ImageError::kTooLarge:
      return "too_large";
    case ImageError::kUnsupportedFlags:
      return "unsupported_flags";
    case ImageError::kBadProtectedArea:
      return "bad_protected_area";
    case ImageError::kBadTlvInfo:
      return "bad_tlv_info";
    case ImageError::kTlvOverrun:
      return "tlv_overrun";
    case ImageError::kBadTlvLength:
      return "bad_tlv_length";
    case ImageError::kDuplicateTlv:
      return "duplicate_tlv";
    case ImageError::kUnsupportedTlv:
      return "unsupported_tlv";
    case ImageError::kTrailingBytes:
      return "trailing_bytes";
    case ImageError::kMissingHash:
      return "missing_hash";
    case ImageError::kHashMismatch:
      return "hash_mismatch";
    case ImageError::kUnsigned:
      return "unsigned";
    case ImageError::kMissingKeyHash:
      return "missing_key_hash";
    case ImageError::kWrongKey:
      return "wrong_key";
    case ImageError::kBadSignature:
      return "bad_signature";
    case ImageError::kMissingSecurityCounter:
      return "missing_security_counter";
    case ImageError::kRollback:
      return "rollback";
    case ImageError::kCrypto:
      return "crypto";
  }
  return "unknown";
}

std::string_view ImageErrorMessage(ImageError e) {
  switch (e) {
    case ImageError::kOk:
      return "the image verifies";
    case ImageError::kTruncated:
      return "the image ends before the structure its header announces";
    case ImageError::kBadMagic:
      return "not an MCUboot image (bad header magic)";
    case ImageError::kBadHeaderSize:
      return "the header size is below the 32-byte image header";
    case ImageError::kTooLarge:
      return "the image is larger than the slot allows";
    case ImageError::kUnsupportedFlags:
      return "the header asks for a feature this boot stage does not have (flags)";
    case ImageError::kBadProtectedArea:
      return "the protected TLV area disagrees with the header (magic or size)";
    case ImageError::kBadTlvInfo:
      return "the TLV area header is wrong (magic or size)";
    case ImageError::kTlvOverrun:
      return "a TLV runs past the end of its area";
    case ImageError::kBadTlvLength:
      return "a TLV has the wrong length for its type";
    case ImageError::kDuplicateTlv:
      return "a TLV that may appear once appears twice";
    case ImageError::kUnsupportedTlv:
      return "a TLV type outside the supported subset";
    case ImageError::kTrailingBytes:
      return "bytes follow the TLV area";
    case ImageError::kMissingHash:
      return "the image has no SHA-256 hash TLV";
    case ImageError::kHashMismatch:
      return "the image hash does not match its contents";
    case ImageError::kUnsigned:
      return "the image is not signed";
    case ImageError::kMissingKeyHash:
      return "the signature and the key hash TLV must come together";
    case ImageError::kWrongKey:
      return "the image is signed for another key than the trusted one";
    case ImageError::kBadSignature:
      return "the image signature does not verify";
    case ImageError::kMissingSecurityCounter:
      return "the image has no security counter (anti-rollback needs one)";
    case ImageError::kRollback:
      return "the image's security counter is below the device's (rollback)";
    case ImageError::kCrypto:
      return "the crypto back-end failed";
  }
  return "unknown error";
}

}  // namespace vigil::firmware
