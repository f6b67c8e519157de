#include "daemon/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "common/test_temp_dir.h"

namespace vigil {
namespace {

// A zombie (dead, not yet reaped by whoever inherited it) counts as gone.
bool Alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

bool GoneWithin(pid_t pid, int ms) {
  for (int k = 0; k < ms / 10; ++k) {
    if (!Alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !Alive(pid);
}

TEST(ChildProcess, RunsInItsOwnProcessGroupSoATerminalCtrlCSkipsIt) {
  testing::TempDir dir;
  ChildProcess p;
  std::string why;
  ASSERT_EQ(p.Start({"sleep", "30"}, dir.path() + "/log", &why), Error::kOk) << why;
  EXPECT_EQ(::getpgid(p.pid()), p.pid());
  EXPECT_NE(::getpgid(p.pid()), ::getpgrp());
  p.Stop();
  EXPECT_FALSE(p.Running());
}

TEST(ChildProcess, StopKillsAChildThatIgnoresSigterm) {
  testing::TempDir dir;
  ChildProcess p;
  std::string why;
  ASSERT_EQ(p.Start({"bash", "-c", "trap '' TERM; sleep 30 & wait"}, dir.path() + "/log", &why),
            Error::kOk)
      << why;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const pid_t pid = p.pid();
  p.Stop(300);
  EXPECT_FALSE(Alive(pid));
  EXPECT_EQ(p.exit_code(), 128 + SIGKILL);
}

TEST(ChildProcess, ExitCodeAndLogOfAProgramThatFails) {
  testing::TempDir dir;
  ChildProcess p;
  std::string why;
  ASSERT_EQ(p.Start({"bash", "-c", "echo broken >&2; exit 3"}, dir.path() + "/log", &why),
            Error::kOk);
  while (p.Running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(p.exit_code(), 3);
  std::ifstream f(dir.path() + "/log");
  std::string line;
  std::getline(f, line);
  EXPECT_EQ(line, "broken");
}

TEST(ChildProcess, AMissingProgramExits127) {
  testing::TempDir dir;
  ChildProcess p;
  std::string why;
  ASSERT_EQ(p.Start({"vigil-no-such-program"}, dir.path() + "/log", &why), Error::kOk);
  while (p.Running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(p.exit_code(), 127);
}

// The supervisor is SIGKILLed (no destructor runs): its child must die anyway.
TEST(ChildProcess, ChildDiesWhenItsSupervisorIsKilled) {
  testing::TempDir dir;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t supervisor = ::fork();
  ASSERT_GE(supervisor, 0);
  if (supervisor == 0) {
    ::close(fds[0]);
    ChildProcess p;
    std::string why;
    if (p.Start({"sleep", "30"}, dir.path() + "/log", &why) != Error::kOk) ::_exit(1);
    const pid_t child = p.pid();
    if (::write(fds[1], &child, sizeof child) != sizeof child) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t child = -1;
  ASSERT_EQ(::read(fds[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
  ::close(fds[0]);
  ASSERT_TRUE(Alive(child));
  ::kill(supervisor, SIGKILL);
  ::waitpid(supervisor, nullptr, 0);
  EXPECT_TRUE(GoneWithin(child, 5000));
}

TEST(FreeLoopbackPort, GivesABindablePort) {
  EXPECT_NE(FreeLoopbackPort(false), 0);
  EXPECT_NE(FreeLoopbackPort(true), 0);
}

}  // namespace
}  // namespace vigil
