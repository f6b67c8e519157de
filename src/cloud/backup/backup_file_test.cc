#include "cloud/backup/backup_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/test_temp_dir.h"

namespace vigil::cloud::backup {
namespace {

bool Exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

TEST(BackupFile, UnfinishedBackupLeavesNoFileUnderEitherName) {
  vigil::testing::TempDir dir;
  const std::string path = dir.File("b.vbk");
  {
    BackupFileSink sink;
    ASSERT_TRUE(sink.Open(path).ok());
    const uint8_t data[] = {1, 2, 3};
    ASSERT_TRUE(sink.Write(data).ok());
    EXPECT_TRUE(Exists(path + ".partial"));
    EXPECT_FALSE(Exists(path));
  }  // killed before Commit
  EXPECT_FALSE(Exists(path));
  EXPECT_FALSE(Exists(path + ".partial"));
}

TEST(BackupFile, CommittedFileIsOwnerOnlyWithTheDigestOfItsBytes) {
  vigil::testing::TempDir dir;
  const std::string path = dir.File("b.vbk");
  BackupFileSink sink;
  ASSERT_TRUE(sink.Open(path).ok());
  const uint8_t abc[] = {'a', 'b', 'c'};
  ASSERT_TRUE(sink.Write(abc).ok());
  ASSERT_TRUE(sink.Commit().ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(Exists(path + ".partial"));
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  EXPECT_EQ(sink.sha256(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BackupFile, ExistingFileIsNeverReplaced) {
  vigil::testing::TempDir dir;
  const std::string path = dir.File("b.vbk");
  {
    BackupFileSink first;
    ASSERT_TRUE(first.Open(path).ok());
    ASSERT_TRUE(first.Commit().ok());
  }
  BackupFileSink second;
  const BackupStatus s = second.Open(path);
  EXPECT_EQ(s.code, BackupError::kIo);
  EXPECT_NE(s.message.find("exists"), std::string::npos);
}

}  // namespace
}  // namespace vigil::cloud::backup
