// The two TLV areas of an MCUboot image. Each starts with a 4-byte info header (magic,
// then the area's total size, info header included) followed by entries of
// type u16, length u16, value; the entries must fill the area exactly.
//
// The subset (docs/firmware.md): the protected area holds one security counter (0x50,
// 4 bytes) and nothing else; the unprotected area holds at most one each of SHA-256
// (0x10, 32 bytes), key hash (0x01, 32 bytes) and Ed25519 signature (0x24, 64 bytes).
// Any other type, in either area, is refused: a protected TLV the boot stage does not
// understand (a dependency, a boot record) carries a condition it cannot honour.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "device/firmware/image_error.h"

namespace vigil::firmware {

// What the TLV areas hold. The spans point into the caller's buffer.
struct ImageTlvs {
  std::optional<ByteSpan> sha256;     // 32 bytes
  std::optional<ByteSpan> key_hash;   // 32 bytes
  std::optional<ByteSpan> signature;  // 64 bytes
  std::optional<uint32_t> security_counter;
  size_t count = 0;  // entries in both areas
};

// One entry as it was found, for `vigil firmware inspect`.
struct TlvEntry {
  bool is_protected = false;
  uint16_t type = 0;
  size_t offset = 0;  // of the entry's header, from the start of the image
  ByteSpan value;
};

// Parses one whole area (info header included). `base` is the area's offset in the image
// (for `error_offset`, which receives the offset of the offending byte on failure);
// `visit`, when not null, is called for every entry before it is checked. Entries add to
// `out`, so that both areas fill one ImageTlvs.
// Errors: kBadProtectedArea / kBadTlvInfo (magic, or a total size that is not exactly
// area.size()), kTlvOverrun, kBadTlvLength, kDuplicateTlv, kUnsupportedTlv.
using TlvVisitor = void (*)(const TlvEntry& entry, void* ctx);
ImageError ParseTlvArea(ByteSpan area, bool is_protected, size_t base, ImageTlvs* out,
                        size_t* error_offset, TlvVisitor visit = nullptr, void* ctx = nullptr);

// Reads an area's info header: its total size (info header included). Errors as above
// for the magic and for a size below the info header itself.
ImageError ReadTlvInfo(ByteSpan info4, bool is_protected, uint16_t* total);

}  // namespace vigil::firmware
