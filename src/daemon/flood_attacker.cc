#include "daemon/flood_attacker.h"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bitset>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "connection/out_frame.h"
#include "connection/wire/codec.h"

namespace vigil {
namespace {

// splitmix64: fast, and good enough for nonces nobody checks. Not for secrets.
class FastRandom {
 public:
  explicit FastRandom(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  void Fill(uint8_t* p, size_t n) {
    while (n > 0) {
      const uint64_t v = Next();
      const size_t k = std::min<size_t>(n, 8);
      std::memcpy(p, &v, k);
      p += k;
      n -= k;
    }
  }

 private:
  uint64_t s_;
};

// Builds the forged frames of one plan, one at a time.
class Forger {
 public:
  Forger(const AttackPlan& plan, FastRandom& rng) : plan_(plan), rng_(rng) {
    sorted_enrolled_ = plan.enrolled;
    std::sort(sorted_enrolled_.begin(), sorted_enrolled_.end());
  }

  // Frames of one uid that must leave from one socket (kEnrolledUids sends three).
  size_t group() const { return plan_.kind == AttackKind::kEnrolledUids ? 3 : 1; }

  void Next(OutFrame* out) {
    wire::Message m;
    m.version = plan_.protocol.version;
    uint64_t src = 0;
    switch (plan_.kind) {
      case AttackKind::kRandomUids:
        src = RandomStranger();
        m.type = wire::MsgType::kAssocReq;
        break;
      case AttackKind::kPorts:
        src = NextTarget();
        m.type = wire::MsgType::kAssocReq;
        break;
      case AttackKind::kEnrolledUids: {
        static constexpr wire::MsgType kTriple[] = {
            wire::MsgType::kAssocReq, wire::MsgType::kAuthResp, wire::MsgType::kConfirmResp};
        if (step_ == 0) current_ = NextTarget();
        src = current_;
        m.type = kTriple[step_];
        step_ = (step_ + 1) % 3;
        if (!wire::IsDefined(m.version, m.type)) m.type = wire::MsgType::kAssocReq;
        break;
      }
      case AttackKind::kData:
        src = NextTarget();
        m.type = wire::MsgType::kData;
        break;
    }
    m.flags = 0;
    if (m.type == wire::MsgType::kAssocReq) m.flags = wire::kAssocFlagAuthenticate;
    rng_.Fill(m.nd.data(), m.nd.size());
    std::array<uint8_t, 16> body{};
    if (m.type == wire::MsgType::kData) {
      m.flags = plan_.protocol.encrypt_data ? wire::kDataFlagEncrypted : 0;
      m.counter = static_cast<uint32_t>(rng_.Next() | 1);
      rng_.Fill(body.data(), body.size());
      m.body = ByteSpan(body.data(), body.size());
    }
    std::array<uint8_t, wire::kMaxUnicastPayload> payload{};
    Result<size_t> n = wire::Encode(m, plan_.protocol.wire, payload);
    if (!n.ok()) {
      out->size = 0;
      return;
    }
    // Encode leaves the tag zero: a random one, as an attacker without the key would send.
    const size_t tag = wire::TagSize(m.version, m.type, plan_.protocol.wire);
    rng_.Fill(payload.data() + (*n - tag), tag);
    if (BuildOutFrame(plan_.protocol.pan_id, seq_++, src, plan_.cpan_uid,
                      ByteSpan(payload.data(), *n), out) != Error::kOk)
      out->size = 0;
  }

 private:
  uint64_t NextTarget() {
    if (plan_.targets.empty()) return RandomStranger();
    const uint64_t uid = plan_.targets[cursor_];
    cursor_ = (cursor_ + 1) % plan_.targets.size();
    return uid;
  }
  uint64_t RandomStranger() {
    for (;;) {
      const uint64_t uid = rng_.Next();
      if (uid == 0 || uid == ~uint64_t{0}) continue;
      if (!std::binary_search(sorted_enrolled_.begin(), sorted_enrolled_.end(), uid)) return uid;
    }
  }

  const AttackPlan& plan_;
  FastRandom& rng_;
  std::vector<uint64_t> sorted_enrolled_;
  size_t cursor_ = 0;
  uint64_t current_ = 0;
  int step_ = 0;
  uint8_t seq_ = 0;
};

// A connected, non-blocking UDP socket on 127.0.0.1:0. -1 on failure (errno set).
int OpenAttackSocket(const Endpoint& target, uint16_t* port) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  local.sin_port = 0;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0 ||
      connect(fd, reinterpret_cast<const sockaddr*>(&target.addr), target.len) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  socklen_t len = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  *port = ntohs(local.sin_port);
  return fd;
}

}  // namespace

bool IsLoopback127(const Endpoint& e) {
  if (e.len != sizeof(sockaddr_in) || e.addr.ss_family != AF_INET) return false;
  const auto* in = reinterpret_cast<const sockaddr_in*>(&e.addr);
  return ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK;
}

const char* AttackKindName(AttackKind k) {
  switch (k) {
    case AttackKind::kRandomUids:
      return "random-uids";
    case AttackKind::kEnrolledUids:
      return "enrolled-uids";
    case AttackKind::kPorts:
      return "ports";
    case AttackKind::kData:
      return "data";
  }
  return "?";
}

AttackResult RunAttack(const AttackPlan& plan, const std::atomic<bool>& stop) {
  AttackResult r;
  if (!IsLoopback127(plan.target)) {
    r.error = "target " + plan.target.ToString() + " is not 127.0.0.1: refused";
    return r;
  }
  if (plan.sockets < 1 || plan.batch < 1) {
    r.error = "need at least one socket and a batch of one";
    return r;
  }
  const bool rotate = plan.kind == AttackKind::kPorts;
  const size_t k = rotate ? static_cast<size_t>(std::clamp(plan.ports, 1, plan.sockets))
                          : static_cast<size_t>(plan.sockets);
  auto ports_seen = std::make_unique<std::bitset<65536>>();
  std::vector<int> fds;
  fds.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    uint16_t port = 0;
    const int fd = OpenAttackSocket(plan.target, &port);
    if (fd < 0) {
      r.error = std::string("cannot open attacker socket ") + std::to_string(i + 1) + ": " +
                std::strerror(errno);
      for (int f : fds) close(f);
      return r;
    }
    ports_seen->set(port);
    fds.push_back(fd);
  }
  r.sockets_opened = k;

  FastRandom rng(plan.seed);
  Forger forger(plan, rng);
  size_t batch = static_cast<size_t>(plan.batch);
  if (batch > forger.group()) batch -= batch % forger.group();
  std::vector<OutFrame> frames(batch);
  std::vector<iovec> iov(batch);
  std::vector<mmsghdr> msgs(batch);
  constexpr size_t kRx = 64;
  std::vector<std::array<uint8_t, 256>> rx_buf(kRx);
  std::vector<iovec> rx_iov(kRx);
  std::vector<mmsghdr> rx_msgs(kRx);
  for (size_t i = 0; i < kRx; ++i) {
    rx_iov[i] = iovec{rx_buf[i].data(), rx_buf[i].size()};
    rx_msgs[i] = mmsghdr{};
    rx_msgs[i].msg_hdr.msg_iov = &rx_iov[i];
    rx_msgs[i].msg_hdr.msg_iovlen = 1;
  }
  auto drain = [&](int fd) {
    for (;;) {
      const int n = recvmmsg(fd, rx_msgs.data(), kRx, MSG_DONTWAIT, nullptr);
      if (n <= 0) return;
      r.replies += static_cast<uint64_t>(n);
      if (static_cast<size_t>(n) < kRx) return;
    }
  };

  rusage cpu0{};
  getrusage(RUSAGE_THREAD, &cpu0);
  const int64_t start = MonotonicUs();
  const int64_t end = start + plan.duration;
  size_t next_socket = 0, next_rotation = 0;
  uint64_t rounds = 0;
  int64_t now = start;
  while (r.sent < plan.max_packets && !stop.load(std::memory_order_relaxed)) {
    if (plan.rate > 0) {
      // Paced: never ahead of `rate` packets per second since the start.
      now = MonotonicUs();
      const int64_t due_at = start + static_cast<int64_t>(static_cast<double>(r.sent) * 1e6 /
                                                          static_cast<double>(plan.rate));
      if (due_at > now) {
        std::this_thread::sleep_for(std::chrono::microseconds(std::min(due_at, end) - now));
        continue;
      }
    }
    if ((rounds++ & 15) == 0) {
      now = MonotonicUs();
      if (now >= end) break;
      if (rotate && r.sockets_opened < static_cast<uint64_t>(plan.ports)) {
        // Open sockets in step with the clock so that `ports` are opened by the end.
        const double f = static_cast<double>(now - start) / static_cast<double>(plan.duration);
        const auto due = static_cast<uint64_t>(f * plan.ports);
        while (r.sockets_opened < std::min<uint64_t>(due, static_cast<uint64_t>(plan.ports))) {
          drain(fds[next_rotation]);
          close(fds[next_rotation]);
          uint16_t port = 0;
          fds[next_rotation] = OpenAttackSocket(plan.target, &port);
          if (fds[next_rotation] < 0) {
            r.error = std::string("cannot open attacker socket: ") + std::strerror(errno);
            fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(next_rotation));
            break;
          }
          ports_seen->set(port);
          ++r.sockets_opened;
          next_rotation = (next_rotation + 1) % fds.size();
        }
        if (!r.error.empty()) break;
      }
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(batch, plan.max_packets - r.sent));
    size_t n = 0;
    for (size_t i = 0; i < want; ++i) {
      forger.Next(&frames[n]);
      if (frames[n].size == 0) continue;
      iov[n] = iovec{frames[n].bytes.data(), frames[n].size};
      msgs[n] = mmsghdr{};
      msgs[n].msg_hdr.msg_iov = &iov[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      ++n;
    }
    if (n == 0) {
      r.error = "could not build a forged frame";
      break;
    }
    const int fd = fds[next_socket];
    next_socket = (next_socket + 1) % fds.size();
    const int sent = sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent < 0) {
      ++r.send_errors;
    } else {
      r.sent += static_cast<uint64_t>(sent);
    }
    drain(fd);
  }
  r.elapsed = MonotonicUs() - start;
  rusage cpu1{};
  getrusage(RUSAGE_THREAD, &cpu1);
  auto secs = [](const timeval& a, const timeval& b) {
    return static_cast<double>(b.tv_sec - a.tv_sec) +
           static_cast<double>(b.tv_usec - a.tv_usec) / 1e6;
  };
  r.cpu_seconds = secs(cpu0.ru_utime, cpu1.ru_utime) + secs(cpu0.ru_stime, cpu1.ru_stime);
  for (int fd : fds) {
    drain(fd);
    close(fd);
  }
  r.distinct_ports = ports_seen->count();
  return r;
}

}  // namespace vigil
