#include "daemon/radio_tap.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"
#include "daemon/flood_attacker.h"

namespace vigil {

RadioTap::~RadioTap() { Stop(); }

Error RadioTap::Start(const Endpoint& gateway, const ProtocolConfig& protocol, uint64_t victim,
                      size_t keep, std::string* why) {
  Stop();
  if (!IsLoopback127(gateway)) {
    if (why) *why = "the tap relays to 127.0.0.1 only";
    return Error::kInvalidArgument;
  }
  gateway_ = gateway;
  protocol_ = protocol;
  victim_ = victim;
  keep_ = keep;
  listen_fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (why) *why = std::string("tap socket: ") + std::strerror(errno);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    return Error::kIo;
  }
  listen_port_ = ntohs(a.sin_port);
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
  return Error::kOk;
}

void RadioTap::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lk(mu_);
  for (Link& l : links_)
    if (l.upstream >= 0) ::close(l.upstream);
  links_.clear();
  victim_fd_ = -1;
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

size_t RadioTap::captured() const {
  std::lock_guard lk(mu_);
  return captured_.size();
}

size_t RadioTap::Replay() {
  std::lock_guard lk(mu_);
  if (victim_fd_ < 0) return 0;
  size_t sent = 0;
  for (const auto& f : captured_)
    if (::send(victim_fd_, f.data(), f.size(), MSG_DONTWAIT) == static_cast<ssize_t>(f.size()))
      ++sent;
  return sent;
}

// REQUIRES: mu_ held.
int RadioTap::UpstreamFor(const sockaddr_storage& from, socklen_t len) {
  for (const Link& l : links_)
    if (l.device_len == len && std::memcmp(&l.device, &from, len) == 0) return l.upstream;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&gateway_.addr), gateway_.len) != 0) {
    ::close(fd);
    return -1;
  }
  Link l;
  l.device = from;
  l.device_len = len;
  l.upstream = fd;
  links_.push_back(l);
  return fd;
}

void RadioTap::Loop() {
  uint8_t buf[2048];
  while (!stop_.load()) {
    std::vector<pollfd> fds;
    std::vector<Link> links;
    {
      std::lock_guard lk(mu_);
      links = links_;
    }
    auto watch = [&fds](int fd) {
      pollfd p{};
      p.fd = fd;
      p.events = POLLIN;
      fds.push_back(p);
    };
    watch(listen_fd_);
    for (const Link& l : links) watch(l.upstream);
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      for (int k = 0; k < 64; ++k) {
        sockaddr_storage from{};
        socklen_t len = sizeof(from);
        const ssize_t n =
            ::recvfrom(listen_fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n <= 0) break;
        std::lock_guard lk(mu_);
        const int up = UpstreamFor(from, len);
        if (up < 0) continue;
        ::send(up, buf, static_cast<size_t>(n), MSG_DONTWAIT);
        ++relayed_;
        // What an eavesdropper keeps: the victim's data frames, each once.
        if (captured_.size() >= keep_) continue;
        const ByteSpan bytes(buf, static_cast<size_t>(n));
        Result<wire::MacFrame> mf = wire::DecodeMacFrame(bytes);
        if (!mf.ok() || mf->src != victim_) continue;
        Result<wire::Message> m = wire::Decode(mf->payload, protocol_.wire);
        if (!m.ok() || m->type != wire::MsgType::kData) continue;
        std::vector<uint8_t> frame(bytes.begin(), bytes.end());
        bool seen = false;
        for (const auto& c : captured_) seen = seen || c == frame;
        if (seen) continue;
        // A re-association gives the victim a new source: keep recording there.
        if (victim_fd_ != up) captured_.clear();
        victim_fd_ = up;
        captured_.push_back(std::move(frame));
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      const Link& l = links[i - 1];
      for (int k = 0; k < 64; ++k) {
        const ssize_t n = ::recv(l.upstream, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0) break;
        ::sendto(listen_fd_, buf, static_cast<size_t>(n), MSG_DONTWAIT,
                 reinterpret_cast<const sockaddr*>(&l.device), l.device_len);
      }
    }
  }
}

}  // namespace vigil
