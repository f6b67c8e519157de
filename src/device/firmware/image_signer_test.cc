#include "device/firmware/image_signer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "device/firmware/image_format.h"
#include "device/firmware/image_verifier.h"
#include "device/firmware/test_images.h"

namespace vigil::firmware {
namespace {

using testing::TestData;
using testing::TestImage;
using testing::TestPublicKey;
using testing::TestSigningKey;
using vigil::testing::TempDir;
using vigil::testing::WriteAll;

SignOptions GoodOptions() {
  SignOptions o;
  o.version = {1, 2, 3, 4};
  o.security_counter = 5;
  o.pad_header = true;
  return o;
}

// Runs the independent Python reading of the format (scripts/mcuboot_image.py) on an
// image; returns its exit status and its JSON line.
int PythonVerify(const std::string& image, const std::string& key, std::string* out,
                 uint32_t min_counter = 0) {
  const std::string cmd = "python3 " + std::string(VIGIL_SOURCE_DIR) +
                          "/scripts/mcuboot_image.py verify " + image + " --key " + key +
                          " --min-counter " + std::to_string(min_counter) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[512];
  out->clear();
  while (fgets(buf, sizeof buf, p) != nullptr) *out += buf;
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ImageSignerTest, SameBinaryOptionsAndKeyGiveTheIndependentSignersBytes) {
  // good.img was written by the Python reading of the format; Ed25519 is deterministic,
  // so the C++ signer must produce it byte for byte.
  TempDir dir;
  const SigningKey key = TestSigningKey(dir, "vendor-a.pem");
  std::vector<uint8_t> out;
  std::string why;
  ASSERT_EQ(SignImage(TestImage("app.bin"), GoodOptions(), &key, &out, &why), Error::kOk) << why;
  EXPECT_EQ(out, TestImage("good.img"));
  SignOptions unsigned_options = GoodOptions();
  ASSERT_EQ(SignImage(TestImage("app.bin"), unsigned_options, nullptr, &out, &why), Error::kOk);
  EXPECT_EQ(out, TestImage("unsigned.img"));
  SignOptions no_counter = GoodOptions();
  no_counter.security_counter.reset();
  ASSERT_EQ(SignImage(TestImage("app.bin"), no_counter, &key, &out, &why), Error::kOk);
  EXPECT_EQ(out, TestImage("no-counter.img"));
}

TEST(ImageSignerTest, FreshKeyImageVerifiesHereAndInTheIndependentVerifier) {
  TempDir dir;
  SigningKey key;
  ASSERT_EQ(SigningKey::Generate(&key), Error::kOk);
  std::string why;
  ASSERT_EQ(WriteKeyPair(key, dir.File("k.pem"), dir.File("k.pub.pem"), false, &why), Error::kOk)
      << why;
  // A binary linked with room for the header (no padding asked).
  std::vector<uint8_t> bin(0x400 + 5000, 0);
  for (size_t i = 0x400; i < bin.size(); ++i) bin[i] = static_cast<uint8_t>(i * 31);
  SignOptions o;
  o.version = {2, 0, 1, 77};
  o.security_counter = 9;
  o.header_size = 0x400;
  o.load_addr = 0x08020000;
  std::vector<uint8_t> img;
  ASSERT_EQ(SignImage(bin, o, &key, &img, &why), Error::kOk) << why;
  const PublicKey pub = key.public_key();
  const ImageVerdict v = VerifyImage(img, &pub, VerifyPolicy{9});
  ASSERT_TRUE(v.ok()) << ImageErrorName(v.error);
  EXPECT_EQ(v.header.load_addr, 0x08020000u);
  EXPECT_EQ(v.header.img_size, 5000u);
  EXPECT_EQ(v.header.version, o.version);
  // The padding the linker left stays zero (imgtool keeps it), and is hashed.
  EXPECT_EQ(img[32], 0);
  EXPECT_EQ(img[0x3ff], 0);

  WriteAll(dir.File("a.img"), img, 0644);
  std::string out;
  ASSERT_EQ(PythonVerify(dir.File("a.img"), dir.File("k.pub.pem"), &out, 9), 0) << out;
  EXPECT_NE(out.find("\"version\": \"2.0.1+77\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"security_counter\": 9"), std::string::npos) << out;
  // And it refuses what Vigil refuses: a flipped body byte, another key, a rollback.
  std::vector<uint8_t> bad = img;
  bad[0x400 + 100] ^= 0x10;
  WriteAll(dir.File("bad.img"), bad, 0644);
  EXPECT_EQ(PythonVerify(dir.File("bad.img"), dir.File("k.pub.pem"), &out), 1) << out;
  EXPECT_NE(out.find("hash_mismatch"), std::string::npos) << out;
  EXPECT_EQ(PythonVerify(dir.File("a.img"), TestData("vendor-a.pub.pem"), &out), 1) << out;
  EXPECT_NE(out.find("wrong_key"), std::string::npos) << out;
  EXPECT_EQ(PythonVerify(dir.File("a.img"), dir.File("k.pub.pem"), &out, 10), 1) << out;
  EXPECT_NE(out.find("rollback"), std::string::npos) << out;
}

TEST(ImageSignerTest, BinaryWithoutRoomForTheHeaderIsRefusedUnlessPadded) {
  TempDir dir;
  const SigningKey key = TestSigningKey(dir, "vendor-a.pem");
  SignOptions o = GoodOptions();
  o.pad_header = false;
  std::vector<uint8_t> out;
  std::string why;
  EXPECT_EQ(SignImage(TestImage("app.bin"), o, &key, &out, &why), Error::kInvalidArgument);
  EXPECT_NE(why.find("zero bytes"), std::string::npos) << why;
  EXPECT_TRUE(out.empty());
  // Shorter than the header room.
  EXPECT_EQ(SignImage(std::vector<uint8_t>(100, 0), o, &key, &out, &why), Error::kInvalidArgument);
  o.header_size = 16;
  o.pad_header = true;
  EXPECT_EQ(SignImage(TestImage("app.bin"), o, &key, &out, &why), Error::kInvalidArgument);
  o.header_size = 0x200;
  o.max_image_size = 1024;
  EXPECT_EQ(SignImage(TestImage("app.bin"), o, &key, &out, &why), Error::kInvalidArgument);
}

TEST(ImageSignerTest, TestImagesVerifyInTheIndependentVerifier) {
  std::string out;
  EXPECT_EQ(PythonVerify(TestData("good.img"), TestData("vendor-a.pub.pem"), &out, 5), 0) << out;
  EXPECT_EQ(PythonVerify(TestData("older.img"), TestData("vendor-a.pub.pem"), &out, 5), 1) << out;
  EXPECT_EQ(PythonVerify(TestData("other-key.img"), TestData("vendor-a.pub.pem"), &out), 1) << out;
  EXPECT_EQ(PythonVerify(TestData("unsigned.img"), TestData("vendor-a.pub.pem"), &out), 1) << out;
}

}  // namespace
}  // namespace vigil::firmware
