#include "daemon/broker_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "daemon/child_process.h"

namespace vigil {
namespace {

bool Accepts(uint16_t port) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(s);
  return ok;
}

std::string Tail(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

}  // namespace

BrokerProcess::~BrokerProcess() { Stop(); }

uint16_t BrokerProcess::FreePort() { return FreeLoopbackPort(false); }

Error BrokerProcess::Start(const std::string& source_dir, const std::string& dir, std::string* why,
                           uint16_t port) {
  Stop();
  source_dir_ = source_dir;
  dir_ = dir;
  port_ = port != 0 ? port : FreePort();
  struct stat st {};
  if (::stat((dir + "/ca.crt").c_str(), &st) != 0) {
    const std::string cmd =
        "bash '" + source_dir + "/scripts/pki.sh' '" + dir + "' > '" + dir + "/pki.log' 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      if (why) *why = "scripts/pki.sh failed: " + Tail(dir + "/pki.log");
      return Error::kIo;
    }
  }
  const std::string cmd = "bash '" + source_dir + "/scripts/broker.sh' config '" + dir + "' " +
                          std::to_string(port_) + " > '" + dir + "/broker-config.log' 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    if (why) *why = "scripts/broker.sh config failed: " + Tail(dir + "/broker-config.log");
    return Error::kIo;
  }
  return Spawn(why);
}

Error BrokerProcess::Restart(std::string* why) {
  Stop();
  return Spawn(why);
}

Error BrokerProcess::Spawn(std::string* why) {
  const std::string conf = dir_ + "/mosquitto.conf";
  const std::string out = dir_ + "/mosquitto.out";
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    if (why) *why = "fork failed";
    return Error::kIo;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    FILE* f = std::freopen(out.c_str(), "a", stdout);
    if (f != nullptr) ::dup2(::fileno(stdout), 2);
    ::execlp("mosquitto", "mosquitto", "-c", conf.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  for (int k = 0; k < 1000; ++k) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (why) *why = "mosquitto exited: " + Tail(out) + Tail(dir_ + "/mosquitto.log");
      return Error::kIo;
    }
    if (Accepts(port_)) return Error::kOk;
    ::usleep(10000);
  }
  Stop();
  if (why) *why = "mosquitto does not listen on 127.0.0.1:" + std::to_string(port_);
  return Error::kIo;
}

void BrokerProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int k = 0; k < 1000; ++k) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    ::usleep(10000);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void BrokerProcess::Reload() {
  if (pid_ > 0) ::kill(pid_, SIGHUP);
}

}  // namespace vigil
