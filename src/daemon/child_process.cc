#include "daemon/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

namespace vigil {

ChildProcess::~ChildProcess() { Stop(); }

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), exit_code_(other.exit_code_), name_(std::move(other.name_)) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
    name_ = std::move(other.name_);
    other.pid_ = -1;
  }
  return *this;
}

Error ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path,
                          std::string* why, const std::string& cwd) {
  Stop();
  if (argv.empty()) {
    if (why) *why = "no program";
    return Error::kInvalidArgument;
  }
  name_ = argv[0];
  // Everything the child needs is prepared before fork: after it, only async-signal-safe
  // calls are allowed (the supervisor may have threads).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out < 0) {
    if (why) *why = log_path + ": " + std::strerror(errno);
    return Error::kIo;
  }
  const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    if (null_in >= 0) ::close(null_in);
    if (why) *why = std::string("fork: ") + std::strerror(errno);
    return Error::kIo;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the supervisor died before prctl
    // The supervisor may ignore or block signals; the child starts with defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    if (null_in >= 0) ::dup2(null_in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  // Also from the parent, so that a signal sent to the group right away finds it.
  ::setpgid(pid, pid);
  ::close(out);
  if (null_in >= 0) ::close(null_in);
  pid_ = pid;
  exit_code_ = -1;
  return Error::kOk;
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    // Whatever it left in its group (nothing, for Vigil's own programs) goes with it.
    ::kill(-pid_, SIGKILL);
  }
  pid_ = -1;
  return false;
}

void ChildProcess::Terminate() {
  if (pid_ > 0) ::kill(-pid_, SIGTERM);
}

void ChildProcess::Stop(int grace_ms) {
  if (pid_ <= 0) return;
  Terminate();
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (!Running()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const pid_t pid = pid_;
  ::kill(-pid, SIGKILL);
  int status = 0;
  if (::waitpid(pid, &status, 0) == pid)
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
}

uint16_t FreeLoopbackPort(bool udp) {
  const int s = ::socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  uint16_t port = 0;
  if (s >= 0 && ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (s >= 0) ::close(s);
  return port;
}

}  // namespace vigil
