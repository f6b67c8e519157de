#include "device/firmware/tlv_area.h"

#include "device/firmware/image_format.h"

namespace vigil::firmware {

ImageError ReadTlvInfo(ByteSpan info4, bool is_protected, uint16_t* total) {
  const ImageError bad = is_protected ? ImageError::kBadProtectedArea : ImageError::kBadTlvInfo;
  if (info4.size() < kTlvInfoSize) return ImageError::kTruncated;
  ByteReader r(info4.first(kTlvInfoSize));
  const uint16_t magic = r.U16Le();
  const uint16_t tot = r.U16Le();
  if (magic != (is_protected ? kProtTlvInfoMagic : kTlvInfoMagic)) return bad;
  if (tot < kTlvInfoSize) return bad;
  *total = tot;
  return ImageError::kOk;
}

ImageError ParseTlvArea(ByteSpan area, bool is_protected, size_t base, ImageTlvs* out,
                        size_t* error_offset, TlvVisitor visit, void* ctx) {
  auto fail = [&](ImageError e, size_t at) {
    if (error_offset != nullptr) *error_offset = base + at;
    return e;
  };
  uint16_t total = 0;
  if (ImageError e = ReadTlvInfo(area, is_protected, &total); e != ImageError::kOk)
    return fail(e, 0);
  if (total != area.size())
    return fail(is_protected ? ImageError::kBadProtectedArea : ImageError::kBadTlvInfo, 2);
  size_t pos = kTlvInfoSize;
  while (pos < area.size()) {
    if (area.size() - pos < kTlvHeaderSize) return fail(ImageError::kTlvOverrun, pos);
    ByteReader r(area.subspan(pos, kTlvHeaderSize));
    const uint16_t type = r.U16Le();
    const uint16_t len = r.U16Le();
    if (area.size() - pos - kTlvHeaderSize < len) return fail(ImageError::kTlvOverrun, pos + 2);
    const ByteSpan value = area.subspan(pos + kTlvHeaderSize, len);
    if (visit != nullptr) visit(TlvEntry{is_protected, type, base + pos, value}, ctx);
    size_t want = 0;
    std::optional<ByteSpan>* slot = nullptr;
    if (is_protected && type == kTlvSecurityCounter) {
      if (len != kSecurityCounterSize) return fail(ImageError::kBadTlvLength, pos + 2);
      if (out->security_counter) return fail(ImageError::kDuplicateTlv, pos);
      ByteReader v(value);
      out->security_counter = v.U32Le();
    } else if (!is_protected && type == kTlvSha256) {
      want = kSha256Size, slot = &out->sha256;
    } else if (!is_protected && type == kTlvKeyHash) {
      want = kSha256Size, slot = &out->key_hash;
    } else if (!is_protected && type == kTlvEd25519) {
      want = kEd25519SignatureSize, slot = &out->signature;
    } else {
      return fail(ImageError::kUnsupportedTlv, pos);
    }
    if (slot != nullptr) {
      if (len != want) return fail(ImageError::kBadTlvLength, pos + 2);
      if (slot->has_value()) return fail(ImageError::kDuplicateTlv, pos);
      *slot = value;
    }
    ++out->count;
    pos += kTlvHeaderSize + len;
  }
  return ImageError::kOk;
}

}  // namespace vigil::firmware
