#include "daemon/udp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

namespace vigil {

Result<Endpoint> Endpoint::Parse(std::string_view text, std::string* why) {
  auto fail = [&](const char* msg) -> Result<Endpoint> {
    if (why) *why = std::string(msg) + ": \"" + std::string(text) + "\"";
    return Error::kInvalidArgument;
  };
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("expected [ipv6]:port");
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected host:port");
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535)
    return fail("bad port");
  if (host == "localhost") host = "127.0.0.1";
  Endpoint e;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    e.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    e.len = sizeof(sockaddr_in6);
  } else {
    return fail("expected a numeric address or localhost");
  }
  return e;
}

std::string Endpoint::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof(buf));
    return std::string(buf) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf));
    // Appended, not "[" + std::string(buf): GCC 12 at -O3 warns falsely (-Wrestrict) there.
    std::string out = "[";
    out.append(buf).append("]:").append(std::to_string(ntohs(v6->sin6_port)));
    return out;
  }
  return "?";
}

uint16_t Endpoint::port() const {
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

std::string Endpoint::Key() const {
  if (addr.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    return std::string("4") +
           std::string(reinterpret_cast<const char*>(&v4->sin_addr), sizeof(v4->sin_addr)) +
           std::string(reinterpret_cast<const char*>(&v4->sin_port), 2);
  }
  auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
  return std::string("6") +
         std::string(reinterpret_cast<const char*>(&v6->sin6_addr), sizeof(v6->sin6_addr)) +
         std::string(reinterpret_cast<const char*>(&v6->sin6_port), 2);
}

Endpoint::IntKey Endpoint::Int() const {
  IntKey k;
  if (addr.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    k.lo = v4->sin_addr.s_addr;
    k.port_family = (4u << 16) | v4->sin_port;
  } else if (addr.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    std::memcpy(&k.hi, v6->sin6_addr.s6_addr, 8);
    std::memcpy(&k.lo, v6->sin6_addr.s6_addr + 8, 8);
    k.port_family = (6u << 16) | v6->sin6_port;
  }
  return k;
}

bool Endpoint::operator==(const Endpoint& o) const { return Int() == o.Int(); }

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

UdpSocket::UdpSocket(UdpSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Error UdpSocket::Bind(const Endpoint& local, std::string* why) {
  fd_ = socket(local.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    if (why) *why = std::string("socket: ") + strerror(errno);
    return Error::kIo;
  }
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&local.addr), local.len) != 0) {
    if (why) *why = "bind " + local.ToString() + ": " + strerror(errno);
    close(fd_);
    fd_ = -1;
    return Error::kIo;
  }
  return Error::kOk;
}

Result<size_t> UdpSocket::Receive(MutableByteSpan buf, Endpoint* from) {
  Endpoint e;
  e.len = sizeof(e.addr);
  const ssize_t n = recvfrom(fd_, buf.data(), buf.size(), MSG_TRUNC,
                             reinterpret_cast<sockaddr*>(&e.addr), &e.len);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Error::kNotFound : Error::kIo;
  if (from) *from = e;
  if (static_cast<size_t>(n) > buf.size()) return buf.size() + 1;
  return static_cast<size_t>(n);
}

Error UdpSocket::Send(ByteSpan data, const Endpoint& to) {
  const ssize_t n =
      sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to.addr), to.len);
  return n == static_cast<ssize_t>(data.size()) ? Error::kOk : Error::kIo;
}

Error UdpSocket::ReceiveBatch(DatagramBatch& b) {
  std::array<mmsghdr, DatagramBatch::kMax> msgs{};
  std::array<iovec, DatagramBatch::kMax> iov{};
  for (size_t i = 0; i < DatagramBatch::kMax; ++i) {
    iov[i] = {b.data[i].data(), DatagramBatch::kSlot};
    b.peer[i].len = sizeof(b.peer[i].addr);
    msgs[i].msg_hdr.msg_name = &b.peer[i].addr;
    msgs[i].msg_hdr.msg_namelen = b.peer[i].len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  const int n = recvmmsg(fd_, msgs.data(), DatagramBatch::kMax, MSG_DONTWAIT, nullptr);
  b.count = 0;
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Error::kNotFound : Error::kIo;
  for (int i = 0; i < n; ++i) {
    b.peer[i].len = msgs[i].msg_hdr.msg_namelen;
    const bool trunc = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    b.size[i] = trunc ? DatagramBatch::kSlot + 1 : msgs[i].msg_len;
  }
  b.count = static_cast<size_t>(n);
  return Error::kOk;
}

size_t UdpSocket::SendBatch(const DatagramBatch& b) {
  std::array<mmsghdr, DatagramBatch::kMax> msgs{};
  std::array<iovec, DatagramBatch::kMax> iov{};
  const size_t count = std::min(b.count, DatagramBatch::kMax);
  for (size_t i = 0; i < count; ++i) {
    iov[i] = {const_cast<uint8_t*>(b.data[i].data()), b.size[i]};
    msgs[i].msg_hdr.msg_name = const_cast<sockaddr_storage*>(&b.peer[i].addr);
    msgs[i].msg_hdr.msg_namelen = b.peer[i].len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  size_t sent = 0;
  while (sent < count) {
    const int n = sendmmsg(fd_, msgs.data() + sent, static_cast<unsigned>(count - sent), 0);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      ++sent;  // this datagram is dropped; the rest still go
      continue;
    }
    sent += static_cast<size_t>(n);
  }
  size_t ok = 0;
  for (size_t i = 0; i < count; ++i) ok += msgs[i].msg_len == b.size[i] ? 1 : 0;
  return ok;
}

size_t UdpSocket::SetReceiveBuffer(size_t bytes) {
  const int want = static_cast<int>(std::min<size_t>(bytes, 1u << 30));
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) != 0)
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
  int got = 0;
  socklen_t len = sizeof(got);
  getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &got, &len);
  return static_cast<size_t>(got);
}

Endpoint UdpSocket::local() const {
  Endpoint e;
  e.len = sizeof(e.addr);
  getsockname(fd_, reinterpret_cast<sockaddr*>(&e.addr), &e.len);
  return e;
}

int64_t MonotonicUs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t UnixUs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace vigil
