// Verifies an MCUboot image as it arrives, block by block (an image streamed over the
// air into an inactive slot), or whole (the same code fed one block). Nothing of the
// body is kept: it is hashed as it passes; only the header and the two TLV areas (at
// most 64 KiB each, bounded by their u16 sizes) are buffered.
//
// Verdicts, in the order the checks run (docs/firmware.md, "Verification"):
//   1. structure (image_error.h, the parser's reasons), found at a point that depends
//      only on the bytes, never on how they were cut into blocks;
//   2. kMissingHash, kHashMismatch: SHA-256 over header, body and protected area;
//   3. with a trusted key: kUnsigned (neither key hash nor signature), kMissingKeyHash
//      (one without the other), kWrongKey, kBadSignature (Ed25519 over the 32-byte hash);
//   4. with a trusted key: kMissingSecurityCounter, kRollback (counter below
//      policy.min_security_counter).
// The first failure is the verdict. An image is good only when Finish() says kOk with a
// key: without one, Finish() checks structure and hash only (for `inspect`).
//
// Not thread-safe. REQUIRES: Finish() once, after the last Update().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "device/firmware/firmware_key.h"
#include "device/firmware/image_error.h"
#include "device/firmware/image_format.h"
#include "device/firmware/image_header.h"
#include "device/firmware/tlv_area.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace vigil::firmware {

struct VerifyPolicy {
  uint32_t min_security_counter = 0;      // the device's sealed counter
  size_t max_image_size = kMaxImageSize;  // the slot size
};

struct ImageVerdict {
  ImageError error = ImageError::kOk;
  size_t offset = 0;  // the offending byte for a structural error; else 0
  bool has_header = false;
  ImageHeader header;
  std::optional<uint32_t> security_counter;
  bool is_signed = false;                   // a signature TLV is present
  std::array<uint8_t, kSha256Size> hash{};  // computed (valid once the structure is whole)
  size_t size = 0;                          // bytes fed
  bool ok() const { return error == ImageError::kOk; }
};

class ImageStreamVerifier {
 public:
  explicit ImageStreamVerifier(VerifyPolicy policy = {});
  ~ImageStreamVerifier();
  ImageStreamVerifier(const ImageStreamVerifier&) = delete;
  ImageStreamVerifier& operator=(const ImageStreamVerifier&) = delete;

  // Feeds the next block (any size, empty included). Returns kOk, or the first
  // structural error, which sticks: later blocks are ignored.
  ImageError Update(ByteSpan block);
  // Completes the checks after the last block (kTruncated if the image is not whole).
  // `key` null: structure and hash only. Call once.
  ImageVerdict Finish(const PublicKey* key);

  // Set once the header was read and the areas were whole (for inspect).
  const std::optional<ImageHeader>& header() const { return header_; }
  ByteSpan protected_area() const { return prot_; }
  ByteSpan tlv_area() const { return tlv_; }
  size_t protected_offset() const { return prot_off_; }
  size_t tlv_offset() const { return tlv_off_; }

 private:
  enum class Stage : uint8_t { kHeader, kBody, kProtected, kTlvInfo, kTlv, kDone, kFailed };
  ImageError Fail(ImageError e, size_t offset);
  // Consumes up to `want` bytes of `in` into `buf` (hashing them when `hashed`).
  size_t Take(ByteSpan in, size_t want, bool hashed, std::vector<uint8_t>* buf);
  ImageError AfterHeader();

  VerifyPolicy policy_;
  EVP_MD_CTX* sha_ = nullptr;
  bool crypto_failed_ = false;
  Stage stage_ = Stage::kHeader;
  size_t pos_ = 0;  // bytes consumed
  ImageError error_ = ImageError::kOk;
  size_t error_offset_ = 0;
  std::vector<uint8_t> head_;  // the 32 header bytes
  std::optional<ImageHeader> header_;
  size_t prot_off_ = 0, tlv_off_ = 0, tlv_end_ = 0;
  std::vector<uint8_t> prot_;  // the protected area (hashed)
  std::vector<uint8_t> tlv_;   // the unprotected area, info header included
  ImageTlvs tlvs_;
};

// The whole image at once: ImageStreamVerifier fed one block.
ImageVerdict VerifyImage(ByteSpan image, const PublicKey* key, const VerifyPolicy& policy = {});

}  // namespace vigil::firmware
