// A Mosquitto broker run as a child process, configured the way the project ships it
// (scripts/pki.sh, scripts/broker.sh; docs/uplink.md, "The broker"), on a free loopback
// port: for the uplink's tests and benchmarks. Nothing is assumed to be running.
//
// The child dies with its parent (PR_SET_PDEATHSIG), so a test that crashes leaves no
// broker behind; the destructor stops it too. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/error.h"

namespace vigil {

class BrokerProcess {
 public:
  BrokerProcess() = default;
  ~BrokerProcess();  // Stop()
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  // Makes the certificates in `dir` with `source_dir`/scripts/pki.sh unless dir/ca.crt
  // exists, writes the broker's configuration there (scripts/broker.sh config) for a free
  // loopback port (or `port`), and starts mosquitto; returns once it accepts TCP
  // connections (up to 10 s). kIo (with `why`, and the broker's log) otherwise.
  Error Start(const std::string& source_dir, const std::string& dir, std::string* why,
              uint16_t port = 0);
  // Starts the broker again on the same port, with the same persistence.
  Error Restart(std::string* why);
  // SIGTERM (the broker writes its persistence file), and waits for it (SIGKILL after 10 s).
  void Stop();
  // SIGHUP: the broker rereads its certificate, key, CRL and ACL.
  void Reload();
  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // A free TCP port on 127.0.0.1 (bound and released: another process may take it).
  static uint16_t FreePort();

 private:
  Error Spawn(std::string* why);

  std::string source_dir_;
  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace vigil
