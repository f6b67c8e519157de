// A program run as a supervised child: its own process group (a Ctrl-C in the terminal
// reaches the supervisor only, which then stops its children in the order it chooses),
// PR_SET_PDEATHSIG so that it dies with the supervisor even if that is SIGKILLed, its
// standard output and error in a log file, and a Stop that waits for it. `vigil demo`
// runs the broker, the cloud, the gateways and the devices this way.
//
// Not thread-safe: one owner starts, polls and stops it. REQUIRES: Start is called from
// the thread that will outlive the child (PR_SET_PDEATHSIG fires when the forking
// *thread* exits).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace vigil {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // Stop()
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;  // stops this one first

  // Runs argv[0] (looked up in PATH when it has no '/') with `argv`, stdin from
  // /dev/null, stdout and stderr appended to `log_path`, in `cwd` when not empty.
  // kIo with `why` if it cannot be forked; a program that cannot be executed exits 127
  // (see Poll).
  Error Start(const std::vector<std::string>& argv, const std::string& log_path, std::string* why,
              const std::string& cwd = "");
  // True while the child runs; reaps it (and records its status) once it has exited.
  bool Running();
  // SIGTERM to its process group, then waits up to `grace_ms` for it to exit and
  // SIGKILLs the group after that. Idempotent.
  void Stop(int grace_ms = 5000);
  // Sends SIGTERM to the group without waiting (Stop still waits).
  void Terminate();
  // After the child exited: its exit code, 128 + signal, or -1 while running.
  int exit_code() const { return exit_code_; }
  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string name_;
};

// A free TCP or UDP port on 127.0.0.1 (bound and released: another process may take it
// before the caller does, which on a private loopback is rare and fails loudly).
uint16_t FreeLoopbackPort(bool udp);

}  // namespace vigil
