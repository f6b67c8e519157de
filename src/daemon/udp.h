// UDP endpoints and a non-blocking socket: the daemons' only contact with the network.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
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
  // The same identity as two integers: no allocation on the data path.
  struct IntKey {
    uint64_t hi = 0;  // IPv6: first 8 address bytes; IPv4: 0
    uint64_t lo = 0;  // IPv6: last 8 bytes; IPv4: the address
    uint32_t port_family = 0;
    bool operator==(const IntKey&) const = default;
  };
  struct IntKeyHash {
    size_t operator()(const IntKey& k) const {
      uint64_t h = k.hi * 0x9E3779B97F4A7C15ull ^ k.lo;
      h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ull ^ k.port_family;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  IntKey Int() const;
};

// Datagrams received or to send in one system call (recvmmsg / sendmmsg): a busy gateway
// spends its time in the kernel otherwise. Vigil frames are at most 127 bytes; a larger
// datagram is reported with size kSlot + 1 (oversized for any frame).
struct DatagramBatch {
  static constexpr size_t kMax = 64;
  static constexpr size_t kSlot = 256;
  std::array<std::array<uint8_t, kSlot>, kMax> data{};
  std::array<size_t, kMax> size{};
  std::array<Endpoint, kMax> peer{};
  size_t count = 0;
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
  // Receives up to DatagramBatch::kMax datagrams without blocking; sets `batch.count`.
  // Errors: kNotFound when nothing is waiting, kIo.
  Error ReceiveBatch(DatagramBatch& batch);
  // Sends batch.count datagrams (data[i][0..size[i]) to peer[i]). Returns how many the
  // kernel took; a datagram it refused (a full buffer, an unreachable peer) is dropped, as
  // a radio frame would be.
  size_t SendBatch(const DatagramBatch& batch);
  // Asks for a receive buffer of `bytes` (SO_RCVBUFFORCE when permitted, else SO_RCVBUF,
  // which the kernel caps at net.core.rmem_max). Returns the size the kernel granted.
  size_t SetReceiveBuffer(size_t bytes);
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
