#include "device/firmware/image_header.h"

#include <charconv>

#include "device/firmware/image_format.h"

namespace vigil::firmware {
namespace {

constexpr uint32_t kKnownFlags = kFlagPic | kFlagEncryptedAes128 | kFlagEncryptedAes256 |
                                 kFlagNonBootable | kFlagRamLoad | kFlagRomFixed;

bool ParseNumber(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

bool HasImageMagic(ByteSpan in) {
  ByteReader r(in);
  return r.U32Le() == kImageMagic && r.ok();
}

ImageError DecodeHeader(ByteSpan in, ImageHeader* out) {
  // The magic first, from its own 4 bytes: a short file that is not an image at all is
  // named as such, not as a truncated one.
  if (in.size() >= 4 && !HasImageMagic(in)) return ImageError::kBadMagic;
  if (in.size() < kImageHeaderSize) return ImageError::kTruncated;
  ByteReader r(in.first(kImageHeaderSize));
  r.U32Le();  // the magic, checked
  ImageHeader h;
  h.load_addr = r.U32Le();
  h.hdr_size = r.U16Le();
  h.protect_tlv_size = r.U16Le();
  h.img_size = r.U32Le();
  h.flags = r.U32Le();
  h.version.major = r.U8();
  h.version.minor = r.U8();
  h.version.revision = r.U16Le();
  h.version.build = r.U32Le();
  h.pad1 = r.U32Le();
  if (h.hdr_size < kImageHeaderSize) return ImageError::kBadHeaderSize;
  // Every flag, known or not, is refused: a known one names a feature this boot stage
  // lacks (it would run an encrypted body as code), an unknown one a feature it cannot
  // even name.
  if (h.flags != 0) return ImageError::kUnsupportedFlags;
  static_assert(kKnownFlags != 0);
  *out = h;
  return ImageError::kOk;
}

void EncodeHeader(const ImageHeader& h, MutableByteSpan out) {
  ByteWriter w(out.first(kImageHeaderSize));
  w.U32Le(kImageMagic);
  w.U32Le(h.load_addr);
  w.U16Le(h.hdr_size);
  w.U16Le(h.protect_tlv_size);
  w.U32Le(h.img_size);
  w.U32Le(h.flags);
  w.U8(h.version.major);
  w.U8(h.version.minor);
  w.U16Le(h.version.revision);
  w.U32Le(h.version.build);
  w.U32Le(h.pad1);
}

std::string VersionToString(const ImageVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." +
         std::to_string(v.revision) + "+" + std::to_string(v.build);
}

bool VersionFromString(std::string_view s, ImageVersion* out) {
  ImageVersion v;
  std::string_view main = s;
  if (const size_t plus = s.find('+'); plus != std::string_view::npos) {
    uint64_t build = 0;
    if (!ParseNumber(s.substr(plus + 1), UINT32_MAX, &build)) return false;
    v.build = static_cast<uint32_t>(build);
    main = s.substr(0, plus);
  }
  const uint64_t max[3] = {UINT8_MAX, UINT8_MAX, UINT16_MAX};
  uint64_t parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const size_t dot = main.find('.');
    if (!ParseNumber(main.substr(0, dot), max[i], &parts[i])) return false;
    if (dot == std::string_view::npos) {
      main = {};
      break;
    }
    main = main.substr(dot + 1);
    if (i == 2) return false;  // a fourth part
  }
  v.major = static_cast<uint8_t>(parts[0]);
  v.minor = static_cast<uint8_t>(parts[1]);
  v.revision = static_cast<uint16_t>(parts[2]);
  *out = v;
  return true;
}

}  // namespace vigil::firmware
