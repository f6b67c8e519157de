// The radio a bed's devices share, as an eavesdropper sees it: a UDP relay between those
// devices and their gateway that forwards every datagram unchanged (one upstream socket
// per device, so the gateway sees one source per device, as it sees one MAC address per
// radio) and records the first DATA frames of one victim device. Replay() sends those
// recorded frames again from the victim's own source, byte for byte: the replay attack of
// seed 002 (a recorded frame re-sent above the link layer, past its duplicate window),
// which the gateway must refuse and the IDS name (VIGIL REPLAY).
//
// `vigil demo` puts one bed behind a tap. Loopback only. Thread-safe: Start and Stop from
// the owner; Replay and the counters from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "connection/protocol_config.h"
#include "daemon/udp.h"

namespace vigil {

class RadioTap {
 public:
  RadioTap() = default;
  ~RadioTap();  // Stop()
  RadioTap(const RadioTap&) = delete;
  RadioTap& operator=(const RadioTap&) = delete;

  // Listens on 127.0.0.1 (a fresh port: listen_port()) and relays to `gateway` (must be
  // 127.0.0.1). Records up to `keep` distinct DATA frames whose MAC source is `victim`.
  Error Start(const Endpoint& gateway, const ProtocolConfig& protocol, uint64_t victim, size_t keep,
              std::string* why);
  void Stop();
  uint16_t listen_port() const { return listen_port_; }
  size_t captured() const;
  // Sends every recorded frame again from the victim's upstream socket; returns how many
  // went out (0 if nothing was recorded yet).
  size_t Replay();
  uint64_t relayed() const { return relayed_.load(); }

 private:
  struct Link {
    sockaddr_storage device{};  // the device's own address, where answers go back
    socklen_t device_len = 0;
    int upstream = -1;  // connected to the gateway
  };
  void Loop();
  int UpstreamFor(const sockaddr_storage& from, socklen_t len);

  Endpoint gateway_;
  ProtocolConfig protocol_;
  uint64_t victim_ = 0;
  size_t keep_ = 3;
  int listen_fd_ = -1;
  uint16_t listen_port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> relayed_{0};
  std::thread thread_;
  mutable std::mutex mu_;  // guards links_, captured_, victim_fd_
  std::vector<Link> links_;
  std::vector<std::vector<uint8_t>> captured_;
  int victim_fd_ = -1;
};

}  // namespace vigil
