#include "device/firmware/image_verifier.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "device/firmware/image_format.h"
#include "device/firmware/test_images.h"

namespace vigil::firmware {
namespace {

using testing::TestImage;
using testing::TestPublicKey;

// The layout of good.img (testdata/firmware/README.md): header 0x200, body 1536 bytes,
// protected area 12 bytes, then the unprotected area (4 + 36 + 36 + 68 bytes).
constexpr size_t kBody = 0x200;
constexpr size_t kProt = kBody + 1536;
constexpr size_t kTlv = kProt + 12;
constexpr size_t kShaValue = kTlv + 4 + 4;
constexpr size_t kKeyHashValue = kShaValue + 32 + 4;
constexpr size_t kSigValue = kKeyHashValue + 32 + 4;
constexpr size_t kEnd = kSigValue + 64;

class ImageVerifierTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> good_ = TestImage("good.img");
  PublicKey key_a_ = TestPublicKey("vendor-a.pub.pem");

  ImageVerdict Verify(const std::vector<uint8_t>& image, uint32_t min_counter = 0) {
    VerifyPolicy p;
    p.min_security_counter = min_counter;
    return VerifyImage(image, &key_a_, p);
  }
  // Feeds `image` in random blocks (0 to 300 bytes, empty ones included).
  ImageVerdict VerifyInBlocks(const std::vector<uint8_t>& image, std::mt19937& rng,
                              uint32_t min_counter = 0) {
    VerifyPolicy p;
    p.min_security_counter = min_counter;
    ImageStreamVerifier v(p);
    std::uniform_int_distribution<size_t> len(0, 300);
    for (size_t pos = 0; pos < image.size();) {
      const size_t n = std::min(len(rng), image.size() - pos);
      v.Update(ByteSpan(image.data() + pos, n));
      pos += n;
    }
    return v.Finish(&key_a_);
  }
};

TEST_F(ImageVerifierTest, GoodImageVerifiesWithItsHeaderAndCounter) {
  ASSERT_EQ(good_.size(), kEnd);
  const ImageVerdict v = Verify(good_, 5);
  ASSERT_TRUE(v.ok()) << ImageErrorName(v.error) << " at " << v.offset;
  EXPECT_EQ(v.header.version, (ImageVersion{1, 2, 3, 4}));
  EXPECT_EQ(v.header.hdr_size, 0x200);
  EXPECT_EQ(v.header.img_size, 1536u);
  EXPECT_EQ(v.header.protect_tlv_size, 12);
  EXPECT_EQ(v.security_counter, 5u);
  EXPECT_TRUE(v.is_signed);
  EXPECT_EQ(v.size, good_.size());
}

TEST_F(ImageVerifierTest, EveryTestImageGetsItsOwnVerdict) {
  struct Case {
    const char* file;
    uint32_t min_counter;
    ImageError want;
  } cases[] = {
      {"good.img", 5, ImageError::kOk},
      {"newer.img", 5, ImageError::kOk},
      {"older.img", 0, ImageError::kOk},
      {"older.img", 5, ImageError::kRollback},
      {"other-key.img", 0, ImageError::kWrongKey},
      {"unsigned.img", 0, ImageError::kUnsigned},
      {"no-counter.img", 0, ImageError::kMissingSecurityCounter},
  };
  for (const Case& c : cases) {
    const ImageVerdict v = Verify(TestImage(c.file), c.min_counter);
    EXPECT_EQ(v.error, c.want) << c.file << ": " << ImageErrorName(v.error);
  }
  // Under key B, B's image verifies and A's does not.
  const PublicKey key_b = TestPublicKey("vendor-b.pub.pem");
  EXPECT_TRUE(VerifyImage(TestImage("other-key.img"), &key_b).ok());
  EXPECT_EQ(VerifyImage(good_, &key_b).error, ImageError::kWrongKey);
}

TEST_F(ImageVerifierTest, EveryFlippedByteIsRefusedWhateverTheBlockSizes) {
  std::mt19937 rng(12);
  for (size_t i = 0; i < good_.size(); ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::vector<uint8_t> bad = good_;
      bad[i] ^= mask;
      const ImageVerdict v = Verify(bad);
      ASSERT_FALSE(v.ok()) << "flip at " << i;
      EXPECT_NE(v.error, ImageError::kCrypto) << "flip at " << i;
      // The reason follows the region hit.
      ImageError want = v.error;  // elsewhere: any refusal
      if (i >= kBody && i < kProt) want = ImageError::kHashMismatch;
      if (i >= kShaValue && i < kShaValue + 32) want = ImageError::kHashMismatch;
      if (i >= kKeyHashValue && i < kKeyHashValue + 32) want = ImageError::kWrongKey;
      if (i >= kSigValue) want = ImageError::kBadSignature;
      EXPECT_EQ(v.error, want) << "flip at " << i;
      const ImageVerdict s = VerifyInBlocks(bad, rng);
      EXPECT_EQ(s.error, v.error) << "flip at " << i;
      EXPECT_EQ(s.offset, v.offset) << "flip at " << i;
    }
  }
}

TEST_F(ImageVerifierTest, ShortFileThatIsNotAnImageIsBadMagicNotTruncated) {
  const std::vector<uint8_t> text = {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'};
  EXPECT_EQ(Verify(text).error, ImageError::kBadMagic);
  std::mt19937 rng(16);
  EXPECT_EQ(VerifyInBlocks(text, rng).error, ImageError::kBadMagic);
}

TEST_F(ImageVerifierTest, TruncatedAtEveryLengthIsRefusedAsTruncated) {
  std::mt19937 rng(13);
  for (size_t cut = 0; cut < good_.size(); ++cut) {
    const std::vector<uint8_t> part(good_.begin(), good_.begin() + static_cast<long>(cut));
    const ImageVerdict v = Verify(part);
    ASSERT_EQ(v.error, ImageError::kTruncated) << "cut at " << cut;
    EXPECT_EQ(v.offset, cut);
    EXPECT_EQ(VerifyInBlocks(part, rng).error, ImageError::kTruncated) << "cut at " << cut;
  }
}

TEST_F(ImageVerifierTest, TrailingBytesAreRefused) {
  std::vector<uint8_t> longer = good_;
  longer.push_back(0xff);  // a slot's erased flash after the image
  const ImageVerdict v = Verify(longer);
  EXPECT_EQ(v.error, ImageError::kTrailingBytes);
  EXPECT_EQ(v.offset, good_.size());
}

void PutU16(std::vector<uint8_t>* b, size_t at, uint16_t v) {
  (*b)[at] = static_cast<uint8_t>(v);
  (*b)[at + 1] = static_cast<uint8_t>(v >> 8);
}
void PutU32(std::vector<uint8_t>* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

TEST_F(ImageVerifierTest, LyingTlvAreaLengthsAreRefused) {
  struct Case {
    const char* what;
    size_t at;
    uint32_t value;
    bool u32;
    ImageError want;
  } cases[] = {
      // The unprotected area's total size.
      {"unprotected total too long", kTlv + 2, 4 + 36 + 36 + 68 + 1, false, ImageError::kTruncated},
      {"unprotected total one short", kTlv + 2, 4 + 36 + 36 + 68 - 1, false,
       ImageError::kTlvOverrun},
      {"unprotected total without the signature", kTlv + 2, 4 + 36 + 36, false,
       ImageError::kTrailingBytes},
      {"unprotected total below its header", kTlv + 2, 3, false, ImageError::kBadTlvInfo},
      // One entry's length.
      {"hash TLV length too long", kShaValue - 2, 33, false, ImageError::kBadTlvLength},
      {"hash TLV length too short", kShaValue - 2, 31, false, ImageError::kBadTlvLength},
      {"signature TLV runs past the area", kSigValue - 2, 65, false, ImageError::kTlvOverrun},
      {"signature TLV length huge", kSigValue - 2, 0xffff, false, ImageError::kTlvOverrun},
      // The protected area, against the header.
      {"header protected size overlaps the unprotected area", 10, 16, false,
       ImageError::kBadProtectedArea},
      {"header protected size too short", 10, 8, false, ImageError::kBadProtectedArea},
      {"header protected size below an info header", 10, 2, false, ImageError::kBadProtectedArea},
      {"header says no protected area", 10, 0, false, ImageError::kBadTlvInfo},
      {"protected total too long", kProt + 2, 16, false, ImageError::kBadProtectedArea},
      {"protected total too short", kProt + 2, 8, false, ImageError::kBadProtectedArea},
      {"security counter TLV length", kProt + 6, 8, false, ImageError::kTlvOverrun},
      {"security counter TLV length short", kProt + 6, 2, false, ImageError::kBadTlvLength},
      // The body size, overlapping the areas or running past the file.
      {"body overlaps the protected area", 12, 1536 + 4, true, ImageError::kBadProtectedArea},
      {"body shorter than it is", 12, 1536 - 4, true, ImageError::kBadProtectedArea},
      {"body past the end", 12, 0x000fffff, true, ImageError::kTruncated},
      {"body larger than any slot", 12, 0xffffffff, true, ImageError::kTooLarge},
      {"header size below the header", 8, 31, false, ImageError::kBadHeaderSize},
      {"header size into the body", 8, 0x210, false, ImageError::kBadProtectedArea},
  };
  std::mt19937 rng(14);
  for (const Case& c : cases) {
    std::vector<uint8_t> bad = good_;
    if (c.u32)
      PutU32(&bad, c.at, c.value);
    else
      PutU16(&bad, c.at, static_cast<uint16_t>(c.value));
    const ImageVerdict v = Verify(bad);
    EXPECT_EQ(v.error, c.want) << c.what << ": " << ImageErrorName(v.error);
    EXPECT_EQ(VerifyInBlocks(bad, rng).error, v.error) << c.what;
  }
}

TEST_F(ImageVerifierTest, UnsupportedTlvsAndFlagsAreRefused) {
  std::vector<uint8_t> bad = good_;
  PutU16(&bad, kShaValue - 4, kTlvPubKey);  // the hash entry retyped as a whole key
  EXPECT_EQ(Verify(bad).error, ImageError::kUnsupportedTlv);
  bad = good_;
  PutU16(&bad, kProt + 4, 0x40);  // the counter retyped as a dependency
  EXPECT_EQ(Verify(bad).error, ImageError::kUnsupportedTlv);
  bad = good_;
  PutU16(&bad, kKeyHashValue - 4, kTlvSha256);  // two hashes
  EXPECT_EQ(Verify(bad).error, ImageError::kDuplicateTlv);
  for (uint32_t flag : {kFlagPic, kFlagEncryptedAes128, kFlagEncryptedAes256, kFlagNonBootable,
                        kFlagRamLoad, kFlagRomFixed, 0x80000000u}) {
    bad = good_;
    PutU32(&bad, 16, flag);
    EXPECT_EQ(Verify(bad).error, ImageError::kUnsupportedFlags) << flag;
  }
}

TEST_F(ImageVerifierTest, ImageAboveTheSlotSizeIsRefusedBeforeItsBody) {
  VerifyPolicy p;
  p.max_image_size = 1024;
  ImageStreamVerifier v(p);
  // Known from the header alone: nothing more is read or buffered.
  EXPECT_EQ(v.Update(ByteSpan(good_.data(), 32)), ImageError::kTooLarge);
  EXPECT_EQ(v.Finish(&key_a_).error, ImageError::kTooLarge);
}

TEST_F(ImageVerifierTest, WithoutKeyOnlyStructureAndHashAreChecked) {
  EXPECT_TRUE(VerifyImage(TestImage("unsigned.img"), nullptr).ok());
  std::vector<uint8_t> bad = good_;
  bad[kBody] ^= 1;
  EXPECT_EQ(VerifyImage(bad, nullptr).error, ImageError::kHashMismatch);
}

TEST_F(ImageVerifierTest, StreamedGoodImageVerifiesInAnyBlockSizes) {
  std::mt19937 rng(15);
  for (int round = 0; round < 50; ++round) {
    const ImageVerdict v = VerifyInBlocks(good_, rng, 5);
    ASSERT_TRUE(v.ok()) << ImageErrorName(v.error);
    EXPECT_EQ(v.hash, Verify(good_).hash);
  }
  // Byte by byte.
  ImageStreamVerifier v;
  for (uint8_t b : good_) v.Update(ByteSpan(&b, 1));
  EXPECT_TRUE(v.Finish(&key_a_).ok());
}

}  // namespace
}  // namespace vigil::firmware
