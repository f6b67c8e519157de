#include "device/firmware/image_verifier.h"

#include <openssl/evp.h>

#include <algorithm>

namespace vigil::firmware {

ImageStreamVerifier::ImageStreamVerifier(VerifyPolicy policy)
    : policy_(policy), sha_(EVP_MD_CTX_new()) {
  if (sha_ == nullptr || EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr) != 1) crypto_failed_ = true;
  head_.reserve(kImageHeaderSize);
}

ImageStreamVerifier::~ImageStreamVerifier() { EVP_MD_CTX_free(sha_); }

ImageError ImageStreamVerifier::Fail(ImageError e, size_t offset) {
  error_ = e;
  error_offset_ = offset;
  stage_ = Stage::kFailed;
  return e;
}

size_t ImageStreamVerifier::Take(ByteSpan in, size_t want, bool hashed, std::vector<uint8_t>* buf) {
  const size_t n = std::min(in.size(), want);
  if (hashed && n > 0 && !crypto_failed_ && EVP_DigestUpdate(sha_, in.data(), n) != 1)
    crypto_failed_ = true;
  if (buf != nullptr) buf->insert(buf->end(), in.begin(), in.begin() + static_cast<ptrdiff_t>(n));
  pos_ += n;
  return n;
}

ImageError ImageStreamVerifier::AfterHeader() {
  ImageHeader h;
  if (ImageError e = DecodeHeader(head_, &h); e != ImageError::kOk) {
    // The offset of the field at fault: magic, ih_hdr_size, ih_flags.
    const size_t at = e == ImageError::kBadMagic ? 0 : e == ImageError::kBadHeaderSize ? 8 : 16;
    return Fail(e, at);
  }
  header_ = h;
  // In 64 bits: 16 + 16 + 32 bits of sizes cannot wrap, and nothing is allocated before
  // the whole announced layout fits the slot.
  const uint64_t prot_off = uint64_t{h.hdr_size} + h.img_size;
  const uint64_t tlv_off = prot_off + h.protect_tlv_size;
  if (tlv_off + kTlvInfoSize > policy_.max_image_size) return Fail(ImageError::kTooLarge, 12);
  if (h.protect_tlv_size != 0 && h.protect_tlv_size < kTlvInfoSize)
    return Fail(ImageError::kBadProtectedArea, 10);
  prot_off_ = static_cast<size_t>(prot_off);
  tlv_off_ = static_cast<size_t>(tlv_off);
  prot_.reserve(h.protect_tlv_size);
  stage_ = Stage::kBody;
  return ImageError::kOk;
}

ImageError ImageStreamVerifier::Update(ByteSpan block) {
  while (stage_ != Stage::kFailed) {
    if (block.empty()) break;
    size_t used = 0;
    size_t bad = 0;
    switch (stage_) {
      case Stage::kHeader:
        used = Take(block, kImageHeaderSize - head_.size(), true, &head_);
        // Not an image at all is known from the magic alone, whatever follows.
        if (head_.size() >= 4 && !HasImageMagic(head_)) return Fail(ImageError::kBadMagic, 0);
        if (head_.size() == kImageHeaderSize && AfterHeader() != ImageError::kOk) return error_;
        break;
      case Stage::kBody:
        used = Take(block, prot_off_ - pos_, true, nullptr);
        break;
      case Stage::kProtected:
        used = Take(block, tlv_off_ - pos_, true, &prot_);
        break;
      case Stage::kTlvInfo:
        used = Take(block, kTlvInfoSize - tlv_.size(), false, &tlv_);
        break;
      case Stage::kTlv:
        used = Take(block, tlv_end_ - pos_, false, &tlv_);
        break;
      case Stage::kDone:
        return Fail(ImageError::kTrailingBytes, pos_);
      case Stage::kFailed:
        break;
    }
    block = block.subspan(used);
    // Stage transitions happen as soon as a stage is complete, so that an empty
    // remainder still completes the areas (an image may end right after its TLVs).
    if (stage_ == Stage::kBody && pos_ == prot_off_)
      stage_ = header_->protect_tlv_size != 0 ? Stage::kProtected : Stage::kTlvInfo;
    if (stage_ == Stage::kProtected && pos_ == tlv_off_) {
      if (ImageError e = ParseTlvArea(prot_, true, prot_off_, &tlvs_, &bad); e != ImageError::kOk)
        return Fail(e, bad);
      stage_ = Stage::kTlvInfo;
    }
    if (stage_ == Stage::kTlvInfo && tlv_.size() == kTlvInfoSize) {
      uint16_t total = 0;
      if (ImageError e = ReadTlvInfo(tlv_, false, &total); e != ImageError::kOk)
        return Fail(e, tlv_off_);
      tlv_end_ = tlv_off_ + total;
      if (tlv_end_ > policy_.max_image_size) return Fail(ImageError::kTooLarge, tlv_off_ + 2);
      tlv_.reserve(total);
      stage_ = Stage::kTlv;
    }
    if (stage_ == Stage::kTlv && pos_ == tlv_end_) {
      if (ImageError e = ParseTlvArea(tlv_, false, tlv_off_, &tlvs_, &bad); e != ImageError::kOk)
        return Fail(e, bad);
      stage_ = Stage::kDone;
    }
  }
  return error_;
}

ImageVerdict ImageStreamVerifier::Finish(const PublicKey* key) {
  ImageVerdict v;
  v.size = pos_;
  v.has_header = header_.has_value();
  if (header_) v.header = *header_;
  v.security_counter = tlvs_.security_counter;
  v.is_signed = tlvs_.signature.has_value();
  auto verdict = [&](ImageError e, size_t offset = 0) {
    v.error = e;
    v.offset = offset;
    return v;
  };
  if (stage_ == Stage::kFailed) return verdict(error_, error_offset_);
  if (stage_ != Stage::kDone) return verdict(ImageError::kTruncated, pos_);
  unsigned int len = 0;
  if (crypto_failed_ || EVP_DigestFinal_ex(sha_, v.hash.data(), &len) != 1 || len != kSha256Size)
    return verdict(ImageError::kCrypto);
  crypto_failed_ = true;  // the context is spent: a second Finish cannot pass

  if (!tlvs_.sha256) return verdict(ImageError::kMissingHash);
  if (!ConstantTimeEqual(*tlvs_.sha256, v.hash)) return verdict(ImageError::kHashMismatch);
  if (key == nullptr) return v;

  if (!tlvs_.signature && !tlvs_.key_hash) return verdict(ImageError::kUnsigned);
  if (!tlvs_.signature || !tlvs_.key_hash) return verdict(ImageError::kMissingKeyHash);
  if (!ConstantTimeEqual(*tlvs_.key_hash, key->KeyHash())) return verdict(ImageError::kWrongKey);
  // MCUboot's Ed25519 signs the hash, not the image (imgtool's sign_digest).
  if (!VerifyEd25519(*key, v.hash, *tlvs_.signature)) return verdict(ImageError::kBadSignature);
  if (!tlvs_.security_counter) return verdict(ImageError::kMissingSecurityCounter);
  if (*tlvs_.security_counter < policy_.min_security_counter) return verdict(ImageError::kRollback);
  return v;
}

ImageVerdict VerifyImage(ByteSpan image, const PublicKey* key, const VerifyPolicy& policy) {
  ImageStreamVerifier verifier(policy);
  verifier.Update(image);
  return verifier.Finish(key);
}

}  // namespace vigil::firmware
