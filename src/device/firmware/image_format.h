// MCUboot's signed-image format: the one constants header (the prose layout, byte by
// byte, with what Vigil refuses, is docs/firmware.md). Every integer is little-endian.
//
//   offset 0             image header (32 bytes), padded to ih_hdr_size
//   ih_hdr_size          the image body (ih_img_size bytes)
//   + ih_img_size        protected TLV area (ih_protect_tlv_size bytes; absent when 0)
//   + protect_tlv_size   unprotected TLV area (its info header says its size)
//
// The SHA-256 hash TLV covers everything before the unprotected area; the Ed25519
// signature covers that 32-byte hash (MCUboot's default, not "pure" Ed25519).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::firmware {

inline constexpr uint32_t kImageMagic = 0x96f3b83d;
inline constexpr size_t kImageHeaderSize = 32;         // struct image_header
inline constexpr uint16_t kDefaultHeaderSize = 0x200;  // imgtool's usual --header-size
inline constexpr uint8_t kHeaderPadByte = 0xff;        // imgtool --pad-header: erased flash

inline constexpr uint16_t kTlvInfoMagic = 0x6907;      // unprotected TLV area
inline constexpr uint16_t kProtTlvInfoMagic = 0x6908;  // protected TLV area (hashed)
inline constexpr size_t kTlvInfoSize = 4;              // magic u16, total size u16
inline constexpr size_t kTlvHeaderSize = 4;            // type u16, length u16

// TLV types of the subset (MCUboot's IMAGE_TLV_*).
inline constexpr uint16_t kTlvKeyHash = 0x01;          // SHA-256 of the key's SubjectPublicKeyInfo
inline constexpr uint16_t kTlvPubKey = 0x02;           // the whole key (refused: keys are pinned)
inline constexpr uint16_t kTlvSha256 = 0x10;           // SHA-256 of header, body, protected TLVs
inline constexpr uint16_t kTlvEd25519 = 0x24;          // Ed25519 signature of the SHA-256 hash
inline constexpr uint16_t kTlvSecurityCounter = 0x50;  // u32, protected

inline constexpr size_t kSha256Size = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
inline constexpr size_t kEd25519RawKeySize = 32;
inline constexpr size_t kSecurityCounterSize = 4;
// RFC 8410 SubjectPublicKeyInfo of an Ed25519 key: this 12-byte DER prefix, then the raw
// 32-byte key. MCUboot embeds keys in this form and hashes it for the key hash TLV.
inline constexpr uint8_t kEd25519SpkiPrefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                   0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
inline constexpr size_t kEd25519SpkiSize = sizeof kEd25519SpkiPrefix + kEd25519RawKeySize;

// Header flags (IMAGE_F_*). The subset boots images with no flag set; each of these
// asks for a feature it does not have, so it is refused rather than ignored.
inline constexpr uint32_t kFlagPic = 0x01;
inline constexpr uint32_t kFlagEncryptedAes128 = 0x04;
inline constexpr uint32_t kFlagEncryptedAes256 = 0x08;
inline constexpr uint32_t kFlagNonBootable = 0x10;
inline constexpr uint32_t kFlagRamLoad = 0x20;
inline constexpr uint32_t kFlagRomFixed = 0x100;

// Largest image accepted by default: far above a Cortex-M slot, small enough to hold in
// memory on the gateway and the emulated device.
inline constexpr size_t kMaxImageSize = 16u * 1024 * 1024;

}  // namespace vigil::firmware
