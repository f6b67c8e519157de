#include "daemon/rotating_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/test_temp_dir.h"

namespace vigil {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

TEST(RotatingFile, AppendsWholeLinesToAnExistingFile) {
  testing::TempDir dir;
  const std::string path = dir.File("alerts.json");
  { std::ofstream(path) << "old\n"; }
  RotatingFile f;
  std::string why;
  ASSERT_EQ(f.Open(path, {}, &why), Error::kOk) << why;
  EXPECT_EQ(f.size(), 4u);
  ASSERT_EQ(f.WriteLine("a"), Error::kOk);
  ASSERT_EQ(f.WriteLine("bc"), Error::kOk);
  EXPECT_EQ(Slurp(path), "old\na\nbc\n");
  EXPECT_EQ(f.size(), 9u);
}

TEST(RotatingFile, CreatedFileHasTheRequestedMode) {
  testing::TempDir dir;
  const std::string path = dir.File("log.json");
  RotatingFile f;
  RotatingFileOptions o;
  o.mode = 0600;
  ASSERT_EQ(f.Open(path, o, nullptr), Error::kOk);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
}

TEST(RotatingFile, RotatesAtSizeAndKeepsK) {
  testing::TempDir dir;
  const std::string path = dir.File("a.json");
  RotatingFile f;
  RotatingFileOptions o;
  o.max_bytes = 12;  // two 6-byte lines per file
  o.keep = 2;
  ASSERT_EQ(f.Open(path, o, nullptr), Error::kOk);
  for (int i = 0; i < 7; ++i) ASSERT_EQ(f.WriteLine("line" + std::to_string(i)), Error::kOk);
  // Files: .2 = lines 2,3; .1 = lines 4,5; current = line 6; lines 0,1 fell off.
  EXPECT_EQ(Slurp(path), "line6\n");
  EXPECT_EQ(Slurp(path + ".1"), "line4\nline5\n");
  EXPECT_EQ(Slurp(path + ".2"), "line2\nline3\n");
  EXPECT_FALSE(Exists(path + ".3"));
  EXPECT_EQ(f.rotations(), 3u);
  EXPECT_EQ(f.size(), 6u);
}

TEST(RotatingFile, LineLongerThanMaxGoesAloneIntoItsOwnFile) {
  testing::TempDir dir;
  const std::string path = dir.File("a.json");
  RotatingFile f;
  RotatingFileOptions o;
  o.max_bytes = 8;
  o.keep = 1;
  ASSERT_EQ(f.Open(path, o, nullptr), Error::kOk);
  ASSERT_EQ(f.WriteLine("ab"), Error::kOk);
  ASSERT_EQ(f.WriteLine("a-line-longer-than-eight"), Error::kOk);
  EXPECT_EQ(Slurp(path + ".1"), "ab\n");
  EXPECT_EQ(Slurp(path), "a-line-longer-than-eight\n") << "never split";
}

TEST(RotatingFile, KeepZeroDiscardsTheOldFile) {
  testing::TempDir dir;
  const std::string path = dir.File("a.json");
  RotatingFile f;
  RotatingFileOptions o;
  o.max_bytes = 4;
  o.keep = 0;
  ASSERT_EQ(f.Open(path, o, nullptr), Error::kOk);
  ASSERT_EQ(f.WriteLine("abc"), Error::kOk);
  ASSERT_EQ(f.WriteLine("def"), Error::kOk);
  EXPECT_EQ(Slurp(path), "def\n");
  EXPECT_FALSE(Exists(path + ".1"));
}

TEST(RotatingFile, WritesFollowTheMovedFileUntilReopen) {
  testing::TempDir dir;
  const std::string path = dir.File("alerts.json");
  RotatingFile f;
  ASSERT_EQ(f.Open(path, {}, nullptr), Error::kOk);
  ASSERT_EQ(f.WriteLine("before"), Error::kOk);
  // logrotate "create": rename, then signal the daemon.
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  ASSERT_EQ(f.WriteLine("in flight"), Error::kOk);
  EXPECT_FALSE(Exists(path));
  std::string why;
  ASSERT_EQ(f.Reopen(&why), Error::kOk) << why;
  ASSERT_EQ(f.WriteLine("after"), Error::kOk);
  EXPECT_EQ(Slurp(path + ".1"), "before\nin flight\n") << "no line lost";
  EXPECT_EQ(Slurp(path), "after\n");
  EXPECT_EQ(f.size(), 6u);
}

TEST(RotatingFile, WriteFailureIsReportedNotFatal) {
  RotatingFile f;
  ASSERT_EQ(f.Open("/dev/full", {}, nullptr), Error::kOk);
  EXPECT_EQ(f.WriteLine("nowhere to go"), Error::kIo);
  EXPECT_EQ(f.WriteLine("again"), Error::kIo);
  EXPECT_EQ(f.write_failures(), 2u);
  EXPECT_NE(f.last_error().find("/dev/full: write failed"), std::string::npos) << f.last_error();
}

TEST(RotatingFile, ReopenIntoAVanishedDirectoryFailsThenRecovers) {
  testing::TempDir dir;
  const std::string sub = dir.File("logs");
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  const std::string path = sub + "/gw.log";
  RotatingFile f;
  ASSERT_EQ(f.Open(path, {}, nullptr), Error::kOk);
  std::filesystem::remove_all(sub);
  std::string why;
  EXPECT_EQ(f.Reopen(&why), Error::kIo);
  EXPECT_NE(why.find(path + ": cannot open for appending"), std::string::npos) << why;
  EXPECT_EQ(f.WriteLine("lost"), Error::kIo) << "reported, not a crash";
  EXPECT_EQ(f.write_failures(), 1u);
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  ASSERT_EQ(f.WriteLine("back"), Error::kOk) << "each write retries the open";
  EXPECT_EQ(Slurp(path), "back\n");
}

TEST(RotatingFile, OpenFailureNamesThePath) {
  RotatingFile f;
  std::string why;
  EXPECT_EQ(f.Open("/nonexistent-dir/x.json", {}, &why), Error::kIo);
  EXPECT_EQ(why.rfind("/nonexistent-dir/x.json: cannot open for appending", 0), 0u) << why;
}

}  // namespace
}  // namespace vigil
