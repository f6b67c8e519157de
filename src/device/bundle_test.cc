#include "device/bundle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

using testing::FileMode;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

ByteSpan Str(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

DeviceBundle MakeBundle() {
  SeededRandom rng(1);
  DeviceBundle b;
  DeviceSecrets& s = b.secrets;
  s.uid = 0x00124b0001a2b3c4;
  s.cpan_uid = 0x00124b0000000001;
  EXPECT_EQ(rng.Fill(s.kd), Error::kOk);
  EXPECT_EQ(rng.Fill(s.secretkey2), Error::kOk);
  EXPECT_EQ(rng.Fill(s.cpan_sign_pub), Error::kOk);
  EXPECT_TRUE(s.username.Set(Str("dev-00124b0001a2b3c4")));
  EXPECT_TRUE(s.password.Set(Str("K7QZ2MXA4PLR9TBW3NCE")));
  b.kind = DeviceKind::kPulseOximeter;
  b.created = 1738324800;  // 2025-01-31T12:00:00Z
  return b;
}

void ExpectSame(const DeviceBundle& a, const DeviceBundle& b) {
  EXPECT_EQ(a.secrets.uid, b.secrets.uid);
  EXPECT_EQ(a.secrets.cpan_uid, b.secrets.cpan_uid);
  EXPECT_EQ(a.secrets.kd, b.secrets.kd);
  EXPECT_EQ(a.secrets.secretkey2, b.secrets.secretkey2);
  EXPECT_EQ(a.secrets.cpan_sign_pub, b.secrets.cpan_sign_pub);
  EXPECT_EQ(a.secrets.username.size, b.secrets.username.size);
  EXPECT_EQ(a.secrets.username.bytes, b.secrets.username.bytes);
  EXPECT_EQ(a.secrets.password.size, b.secrets.password.size);
  EXPECT_EQ(a.secrets.password.bytes, b.secrets.password.bytes);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.created, b.created);
}

TEST(BundleTest, BundleRoundTripsThroughFile) {
  TempDir dir;
  std::string path = dir.File("dev.bundle.json");
  DeviceBundle b = MakeBundle();
  std::string why;
  ASSERT_EQ(WriteBundle(path, b, false, &why), Error::kOk) << why;
  EXPECT_EQ(FileMode(path), 0600u);
  DeviceBundle got;
  ASSERT_EQ(LoadBundle(path, &got, &why), Error::kOk) << why;
  ExpectSame(b, got);
  auto j = nlohmann::json::parse(BundleToJson(b));
  EXPECT_EQ(j["format"], "vigil-device-bundle/1");
  EXPECT_EQ(j["uid"], "00124b0001a2b3c4");
  EXPECT_EQ(j["created"], "2025-01-31T12:00:00Z");
  EXPECT_EQ(j["kind"], "pulse_oximeter");
}

TEST(BundleTest, BundleWorldReadableIsRefused) {
  TempDir dir;
  std::string path = dir.File("dev.bundle.json");
  ASSERT_EQ(WriteBundle(path, MakeBundle(), false, nullptr), Error::kOk);
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    DeviceBundle got;
    std::string why;
    EXPECT_EQ(LoadBundle(path, &got, &why), Error::kInvalidState) << std::oct << mode;
    EXPECT_NE(why.find("too open"), std::string::npos) << why;
    EXPECT_NE(why.find(path), std::string::npos) << why;
    EXPECT_EQ(got.secrets.uid, 0u);  // nothing leaks into the output
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  DeviceBundle got;
  EXPECT_EQ(LoadBundle(path, &got, nullptr), Error::kOk);
}

TEST(BundleTest, BundleMissingFieldNamesField) {
  const std::string full = BundleToJson(MakeBundle());
  for (const char* field : {"format", "uid", "cpan_uid", "cpan_sign_pub", "kd", "secretkey2",
                            "username", "password", "kind", "created"}) {
    auto j = nlohmann::json::parse(full);
    j.erase(field);
    DeviceBundle got;
    std::string why;
    EXPECT_EQ(BundleFromJson(j.dump(), &got, &why), Error::kCorrupt) << field;
    EXPECT_NE(why.find(std::string("\"") + field + "\""), std::string::npos)
        << field << ": " << why;
    EXPECT_EQ(got.secrets.uid, 0u);
  }
}

TEST(BundleTest, BundleBadFieldValueNamesField) {
  const std::string full = BundleToJson(MakeBundle());
  struct Case {
    const char* field;
    nlohmann::json value;
  };
  const Case cases[] = {
      {"kd", "00112233"},                    // too short
      {"secretkey2", std::string(64, 'z')},  // not hex
      {"cpan_sign_pub", 12},                 // not a string
      {"uid", "0000000000000000"},           // reserved
      {"cpan_uid", "ffffffffffffffff"},      // reserved
      {"username", ""},                      // empty credential
      {"password", std::string(33, 'p')},    // longer than 32 bytes
      {"password", nlohmann::json{{"hex", "zz"}}},
      {"kind", "toaster"},
      {"created", "yesterday"},
      {"format", "vigil-device-bundle/9"},
  };
  for (const Case& c : cases) {
    auto j = nlohmann::json::parse(full);
    j[c.field] = c.value;
    DeviceBundle got;
    std::string why;
    EXPECT_EQ(BundleFromJson(j.dump(), &got, &why), Error::kCorrupt) << c.field;
    EXPECT_NE(why.find(std::string("\"") + c.field + "\""), std::string::npos)
        << c.field << ": " << why;
  }
}

TEST(BundleTest, TruncatedBundleIsClearError) {
  TempDir dir;
  std::string path = dir.File("dev.bundle.json");
  ASSERT_EQ(WriteBundle(path, MakeBundle(), false, nullptr), Error::kOk);
  std::vector<uint8_t> full = ReadAll(path);
  ASSERT_EQ(full.back(), '\n');
  // Every proper prefix that drops the closing brace.
  for (size_t cut = 0; cut + 1 < full.size(); ++cut) {
    std::string text(full.begin(), full.begin() + static_cast<long>(cut));
    DeviceBundle got;
    std::string why;
    ASSERT_EQ(BundleFromJson(text, &got, &why), Error::kCorrupt) << "cut at " << cut;
    ASSERT_FALSE(why.empty());
  }
  WriteAll(path, std::vector<uint8_t>(full.begin(), full.begin() + 100));
  DeviceBundle got;
  std::string why;
  EXPECT_EQ(LoadBundle(path, &got, &why), Error::kCorrupt);
  EXPECT_NE(why.find("truncated"), std::string::npos) << why;
  EXPECT_NE(why.find(path), std::string::npos) << why;
}

TEST(BundleTest, BundleNotOverwrittenWithoutForce) {
  TempDir dir;
  std::string path = dir.File("dev.bundle.json");
  DeviceBundle first = MakeBundle();
  ASSERT_EQ(WriteBundle(path, first, false, nullptr), Error::kOk);
  std::vector<uint8_t> before = ReadAll(path);
  DeviceBundle second = MakeBundle();
  second.secrets.kd[0] ^= 0xff;
  std::string why;
  EXPECT_EQ(WriteBundle(path, second, false, &why), Error::kInvalidState);
  EXPECT_NE(why.find("already exists"), std::string::npos) << why;
  EXPECT_EQ(ReadAll(path), before);
  ASSERT_EQ(WriteBundle(path, second, true, &why), Error::kOk) << why;
  DeviceBundle got;
  ASSERT_EQ(LoadBundle(path, &got, nullptr), Error::kOk);
  EXPECT_EQ(got.secrets.kd, second.secrets.kd);
  EXPECT_EQ(FileMode(path), 0600u);
  // No temporary files are left behind.
  size_t entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(BundleTest, BinaryCredentialsRoundTripAsHex) {
  DeviceBundle b = MakeBundle();
  const uint8_t raw[] = {0x00, 0xff, 0x10, 0x22};
  ASSERT_TRUE(b.secrets.password.Set(raw));
  std::string text = BundleToJson(b);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["password"]["hex"], "00ff1022");
  DeviceBundle got;
  std::string why;
  ASSERT_EQ(BundleFromJson(text, &got, &why), Error::kOk) << why;
  ExpectSame(b, got);
}

TEST(BundleTest, MissingBundleFileIsNotFound) {
  TempDir dir;
  DeviceBundle got;
  std::string why;
  EXPECT_EQ(LoadBundle(dir.File("absent.json"), &got, &why), Error::kNotFound);
  EXPECT_NE(why.find("absent.json"), std::string::npos);
}

}  // namespace
}  // namespace vigil
