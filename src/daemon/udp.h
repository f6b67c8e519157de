// UDP endpoints and a non-blocking socket: the daemons' only contact with the network.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace vigil {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;

  // "host:port", "[v6]:port". Host must be a numeric address or "localhost".
  // Errors: kInvalidArgument with `why` set.
  static Result<Endpoint> Parse(std::string_view text, std::string* why = nullptr);
  std::string ToString() const;
  uint16_t port() const;
  bool operator==(const Endpoint& o) const;
  // A stable byte key for hash maps.
  std::string Key() const;
};

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& o) noexcept;
  UdpSocket& operator=(UdpSocket&& o) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Binds a non-blocking socket. Port 0 picks a free port (see local()).
  Error Bind(const Endpoint& local, std::string* why = nullptr);
  // Receives one datagram. kNotFound when nothing is waiting. A datagram larger than
  // `buf` is truncated by the kernel; the returned size is then buf.size() + 1 so the
  // caller can tell (it is oversized for any Vigil frame).
  Result<size_t> Receive(MutableByteSpan buf, Endpoint* from);
  Error Send(ByteSpan data, const Endpoint& to);
  int fd() const { return fd_; }
  Endpoint local() const;

 private:
  int fd_ = -1;
};

// Monotonic microseconds (CLOCK_MONOTONIC): the daemons' `now`.
int64_t MonotonicUs();
// Wall clock in unix microseconds: for log and alert timestamps only.
int64_t UnixUs();

}  // namespace vigil
