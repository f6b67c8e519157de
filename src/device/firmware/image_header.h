// The MCUboot image header (struct image_header, 32 bytes, little-endian):
//   0  u32 ih_magic             0x96f3b83d
//   4  u32 ih_load_addr
//   8  u16 ih_hdr_size          header plus padding; the body starts here
//  10  u16 ih_protect_tlv_size  protected TLV area, info header included (0: none)
//  12  u32 ih_img_size          the body, header excluded
//  16  u32 ih_flags             IMAGE_F_*
//  20  u8  major, u8 minor, u16 revision, u32 build_num
//  28  u32 _pad1
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "device/firmware/image_error.h"

namespace vigil::firmware {

struct ImageVersion {
  uint8_t major = 0;
  uint8_t minor = 0;
  uint16_t revision = 0;
  uint32_t build = 0;
  bool operator==(const ImageVersion&) const = default;
};

struct ImageHeader {
  uint32_t load_addr = 0;
  uint16_t hdr_size = 0;
  uint16_t protect_tlv_size = 0;
  uint32_t img_size = 0;
  uint32_t flags = 0;
  ImageVersion version;
  uint32_t pad1 = 0;  // hashed like the rest; not interpreted
  bool operator==(const ImageHeader&) const = default;
};

// True when `in` starts with the image magic (false for fewer than 4 bytes).
bool HasImageMagic(ByteSpan in);

// Decodes the first 32 bytes and checks what the header alone can tell: the magic (as
// soon as 4 bytes are there), a header size of at least 32, no flag outside the subset.
// Errors: kBadMagic, kTruncated (fewer than 32 bytes), kBadHeaderSize, kUnsupportedFlags.
// `out` is filled on kOk only.
ImageError DecodeHeader(ByteSpan in, ImageHeader* out);

// Writes the 32 header bytes. REQUIRES: out.size() >= 32.
void EncodeHeader(const ImageHeader& h, MutableByteSpan out);

// "major.minor.revision+build", imgtool's notation.
std::string VersionToString(const ImageVersion& v);
// Parses imgtool's notation: "1", "1.2", "1.2.3" or any of them with "+build". False on
// anything else, including a part out of its field's range.
bool VersionFromString(std::string_view s, ImageVersion* out);

}  // namespace vigil::firmware
