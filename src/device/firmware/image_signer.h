// Builds a signed MCUboot image from a raw binary, the way imgtool's `sign` lays it out
// (docs/firmware.md): header, body, a protected area with the security counter, then
// SHA-256, key hash and Ed25519 signature TLVs. Ed25519 is deterministic, so the same
// binary, options and key give the same bytes as imgtool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "device/firmware/firmware_key.h"
#include "device/firmware/image_header.h"

namespace vigil::firmware {

struct SignOptions {
  ImageVersion version;
  std::optional<uint32_t> security_counter;  // none: no protected area (imgtool's default)
  uint16_t header_size = kDefaultHeaderSize;
  // true: header_size bytes of 0xff are put before the binary (imgtool --pad-header).
  // false: the binary's first header_size bytes are the room the linker left for the
  // header and must be zero (imgtool refuses otherwise); they are replaced.
  bool pad_header = false;
  uint32_t load_addr = 0;
  size_t max_image_size = kMaxImageSize;
};

// `key` null: an unsigned image (hash TLV only, as imgtool without --key).
// Errors: kInvalidArgument with `why` for a header size below 32, a binary that does not
// start with header_size zeros (without pad_header), a body or image too large; kCrypto.
Error SignImage(ByteSpan binary, const SignOptions& options, const SigningKey* key,
                std::vector<uint8_t>* out, std::string* why);

}  // namespace vigil::firmware
