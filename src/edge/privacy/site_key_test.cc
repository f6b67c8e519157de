#include "edge/privacy/site_key.h"

#include <gtest/gtest.h>

#include "common/private_file.h"
#include "common/test_temp_dir.h"

namespace vigil::privacy {
namespace {

using testing::FileMode;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

TEST(SiteKey, CreatedOwnerOnlyFromTheCsprngThenReloaded) {
  TempDir dir;
  const std::string path = dir.File("site.key");
  std::array<uint8_t, kSiteKeySize> k1{}, k2{};
  bool created = false;
  std::string why;
  ASSERT_EQ(LoadOrCreateSiteKey(path, &k1, &created, &why), Error::kOk) << why;
  EXPECT_TRUE(created);
  EXPECT_EQ(FileMode(path), 0600u);
  const std::vector<uint8_t> file = ReadAll(path);
  ASSERT_EQ(file.size(), kSiteKeyFileSize);
  EXPECT_EQ(std::string(file.begin(), file.begin() + 8), "VGSITE01");
  EXPECT_NE(k1, (std::array<uint8_t, kSiteKeySize>{}));
  ASSERT_EQ(LoadOrCreateSiteKey(path, &k2, &created, &why), Error::kOk) << why;
  EXPECT_FALSE(created);
  EXPECT_EQ(k1, k2);
  // Another site draws another key.
  std::array<uint8_t, kSiteKeySize> other{};
  ASSERT_EQ(LoadOrCreateSiteKey(dir.File("other.key"), &other, nullptr, &why), Error::kOk);
  EXPECT_NE(other, k1);
}

TEST(SiteKey, KeyReadableByGroupIsRefusedNotRegenerated) {
  TempDir dir;
  const std::string path = dir.File("site.key");
  std::array<uint8_t, kSiteKeySize> k{};
  ASSERT_EQ(LoadOrCreateSiteKey(path, &k, nullptr, nullptr), Error::kOk);
  const std::vector<uint8_t> before = ReadAll(path);
  WriteAll(path, before, 0640);
  std::string why;
  EXPECT_EQ(LoadOrCreateSiteKey(path, &k, nullptr, &why), Error::kInvalidState);
  EXPECT_NE(why.find(path), std::string::npos);
  EXPECT_EQ(ReadAll(path), before);
}

TEST(SiteKey, DamagedKeyFileIsRefusedAndLeftAsItWas) {
  TempDir dir;
  const std::string path = dir.File("site.key");
  std::array<uint8_t, kSiteKeySize> k{};
  ASSERT_EQ(LoadOrCreateSiteKey(path, &k, nullptr, nullptr), Error::kOk);
  const std::vector<uint8_t> good = ReadAll(path);
  std::vector<std::vector<uint8_t>> bad;
  for (size_t i = 0; i < 8; ++i) {  // every byte of the tag
    bad.push_back(good);
    bad.back()[i] ^= 0x01;
  }
  bad.emplace_back(good.begin(), good.end() - 1);  // truncated
  bad.push_back(good);
  bad.back().push_back(0);  // too long
  bad.emplace_back();       // empty
  for (const std::vector<uint8_t>& b : bad) {
    WriteAll(path, b, 0600);
    std::string why;
    EXPECT_EQ(LoadOrCreateSiteKey(path, &k, nullptr, &why), Error::kCorrupt) << b.size();
    EXPECT_EQ(ReadAll(path), b);  // never replaced by a fresh key
  }
}

TEST(SiteKey, FailedWriteLeavesNoKeyFile) {
  TempDir dir;
  const std::string path = dir.File("site.key");
  std::array<uint8_t, kSiteKeySize> k{};
  InjectFileFault(FileFault::kShortWrite);
  std::string why;
  EXPECT_EQ(LoadOrCreateSiteKey(path, &k, nullptr, &why), Error::kIo);
  EXPECT_EQ(CheckOwnerOnly(path, nullptr), Error::kNotFound);
  EXPECT_EQ(LoadOrCreateSiteKey(path, &k, nullptr, &why), Error::kOk) << why;
}

}  // namespace
}  // namespace vigil::privacy
