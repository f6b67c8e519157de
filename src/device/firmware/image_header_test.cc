#include "device/firmware/image_header.h"

#include <gtest/gtest.h>

#include <array>

#include "device/firmware/image_format.h"

namespace vigil::firmware {
namespace {

TEST(ImageHeaderTest, HeaderRoundTripsAtMcubootsOffsets) {
  ImageHeader h;
  h.load_addr = 0x11223344;
  h.hdr_size = 0x200;
  h.protect_tlv_size = 12;
  h.img_size = 0x55667788;
  h.version = {1, 2, 0x0304, 0x05060708};
  std::array<uint8_t, 32> b{};
  EncodeHeader(h, b);
  const std::array<uint8_t, 32> want = {0x3d, 0xb8, 0xf3, 0x96, 0x44, 0x33, 0x22, 0x11,
                                        0x00, 0x02, 0x0c, 0x00, 0x88, 0x77, 0x66, 0x55,
                                        0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x04, 0x03,
                                        0x08, 0x07, 0x06, 0x05, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(b, want);
  ImageHeader back;
  ASSERT_EQ(DecodeHeader(b, &back), ImageError::kOk);
  EXPECT_EQ(back, h);
}

TEST(ImageHeaderTest, BadMagicShortHeaderSizeFlagsAndShortInputAreRefused) {
  ImageHeader h;
  h.hdr_size = 32;
  std::array<uint8_t, 32> b{};
  EncodeHeader(h, b);
  ImageHeader out;
  EXPECT_EQ(DecodeHeader(ByteSpan(b.data(), 31), &out), ImageError::kTruncated);
  std::array<uint8_t, 32> bad = b;
  bad[3] = 0x97;
  EXPECT_EQ(DecodeHeader(bad, &out), ImageError::kBadMagic);
  bad = b;
  bad[8] = 31;
  EXPECT_EQ(DecodeHeader(bad, &out), ImageError::kBadHeaderSize);
  bad = b;
  bad[16] = kFlagEncryptedAes128;
  EXPECT_EQ(DecodeHeader(bad, &out), ImageError::kUnsupportedFlags);
}

TEST(ImageHeaderTest, VersionParsesImgtoolNotationAndRefusesOutOfRange) {
  ImageVersion v;
  ASSERT_TRUE(VersionFromString("1.2.3+4", &v));
  EXPECT_EQ(v, (ImageVersion{1, 2, 3, 4}));
  ASSERT_TRUE(VersionFromString("7", &v));
  EXPECT_EQ(v, (ImageVersion{7, 0, 0, 0}));
  ASSERT_TRUE(VersionFromString("255.255.65535+4294967295", &v));
  EXPECT_EQ(VersionToString(v), "255.255.65535+4294967295");
  for (const char* bad : {"", "1.", "1..2", "256", "1.256", "1.2.65536", "1.2.3.4", "1.2.3+",
                          "1.2.3+4294967296", "a.b", "-1", "1.2.3+x", " 1"})
    EXPECT_FALSE(VersionFromString(bad, &v)) << bad;
}

}  // namespace
}  // namespace vigil::firmware
