#include "cloud/backup/backup_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "common/test_temp_dir.h"

namespace vigil::cloud::backup {
namespace {

TEST(BackupKey, KeygenWritesAnOwnerOnlyFileThatLoadsBackTheSameKey) {
  vigil::testing::TempDir dir;
  const std::string path = dir.File("backup.key");
  BackupKey made;
  ASSERT_TRUE(CreateBackupKeyFile(path, &made).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  BackupKey loaded;
  ASSERT_TRUE(LoadBackupKey(path, &loaded).ok());
  EXPECT_EQ(loaded.key, made.key);
  EXPECT_EQ(loaded.id, BackupKeyId(made.key));
}

TEST(BackupKey, KeygenNeverReplacesAnExistingFile) {
  vigil::testing::TempDir dir;
  const std::string path = dir.File("backup.key");
  BackupKey a, b;
  ASSERT_TRUE(CreateBackupKeyFile(path, &a).ok());
  EXPECT_EQ(CreateBackupKeyFile(path, &b).code, BackupError::kIo);
  BackupKey loaded;
  ASSERT_TRUE(LoadBackupKey(path, &loaded).ok());
  EXPECT_EQ(loaded.key, a.key);
}

TEST(BackupKey, FileOthersCanReadIsRefused) {
  vigil::testing::TempDir dir;
  const std::string path = dir.File("backup.key");
  ASSERT_TRUE(CreateBackupKeyFile(path, nullptr).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  BackupKey k;
  const BackupStatus s = LoadBackupKey(path, &k);
  EXPECT_EQ(s.code, BackupError::kBadKey);
  EXPECT_NE(s.message.find(path), std::string::npos);
}

TEST(BackupKey, MalformedOrSeveralKeysAreRefusedWithoutEchoingThem) {
  BackupKey k;
  const std::string hex(64, 'a');
  EXPECT_TRUE(ParseBackupKey("# comment\n\n" + hex + "\n", &k).ok());
  const BackupStatus short_key = ParseBackupKey(hex.substr(2), &k);
  EXPECT_EQ(short_key.code, BackupError::kBadKey);
  EXPECT_EQ(short_key.message.find(hex.substr(2)), std::string::npos);
  EXPECT_EQ(ParseBackupKey(hex + "\n" + hex, &k).code, BackupError::kBadKey);
  EXPECT_EQ(ParseBackupKey("# nothing\n", &k).code, BackupError::kBadKey);
}

TEST(BackupKey, EnvironmentVariableIsUsedOnlyWhenNoFileIsNamed) {
  const std::string hex(64, 'b');
  ::setenv(kBackupKeyEnv, hex.c_str(), 1);
  BackupKey k;
  EXPECT_TRUE(LoadBackupKey("", &k).ok());
  EXPECT_EQ(k.key[0], 0xbb);
  EXPECT_EQ(LoadBackupKey("/nonexistent/backup.key", &k).code, BackupError::kBadKey);
  ::unsetenv(kBackupKeyEnv);
  EXPECT_EQ(LoadBackupKey("", &k).code, BackupError::kBadKey);
}

}  // namespace
}  // namespace vigil::cloud::backup
