// The gateway's management port: what an operator's scraper and probes see.
#include "daemon/management.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <string>

#include "common/private_file.h"
#include "common/test_temp_dir.h"
#include "connection/crypto/openssl_provider.h"
#include "daemon/config.h"
#include "daemon/gateway.h"
#include "edge/registry.h"

namespace vigil {
namespace {

// One request on its own connection; returns the whole response.
std::string Request(uint16_t port, const std::string& method, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return "";
  }
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const std::string req = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

struct ManagedGateway {
  testing::TempDir dir;
  DaemonConfig config = DefaultDaemonConfig();
  Logger log{"gateway", nullptr, true};
  Gateway gw;
  explicit ManagedGateway(bool enroll) {
    const std::string db = dir.path() + "/gw.db";
    Registry reg;
    EXPECT_EQ(reg.Create(db), Error::kOk) << reg.last_error();
    OpenSslCrypto crypto;
    OsRandom rng;
    EXPECT_TRUE(reg.EnsureCpanIdentity(crypto, rng, static_cast<int64_t>(time(nullptr))).ok());
    for (uint64_t uid = 1; enroll && uid <= 3; ++uid) {
      DeviceRecord d;
      d.uid = 0x00124b0000000000ull + uid;
      d.kind = DeviceKind::kPulseOximeter;
      d.ward = "icu";
      d.kd.fill(static_cast<uint8_t>(uid));
      d.r1.fill(2);
      d.r3.fill(3);
      EXPECT_EQ(reg.AddDevice(d), Error::kOk) << reg.last_error();
    }
    config.gateway.registry = db;
    config.gateway.listen = "127.0.0.1:0";
    config.gateway.alerts = dir.path() + "/alerts.eve.json";
    config.gateway.management = "127.0.0.1:0";
    std::string why;
    EXPECT_EQ(gw.Open(config, log, &why), Error::kOk) << why;
  }
};

TEST(ManagementPort, MetricsPageIsPrometheusTextWithTheGatewaysCounters) {
  ManagedGateway g(true);
  ASSERT_NE(g.gw.management_port(), 0);
  const std::string r = Request(g.gw.management_port(), "GET", "/metrics");
  EXPECT_EQ(r.substr(0, 15), "HTTP/1.1 200 OK") << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << r;
  EXPECT_NE(r.find("# TYPE vigil_frames_received_total counter\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\nvigil_enrolled_devices 3\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\nvigil_sessions 0\n"), std::string::npos) << r;
}

TEST(ManagementPort, ReadyFailsWithItsReasonWhenNoDeviceIsEnrolled) {
  ManagedGateway g(false);
  g.gw.Poll(0);
  const std::string r = Request(g.gw.management_port(), "GET", "/health/ready");
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 503") << r;
  EXPECT_NE(r.find("\"no device enrolled\""), std::string::npos) << r;
  const std::string live = Request(g.gw.management_port(), "GET", "/health/live");
  EXPECT_EQ(live.substr(0, 12), "HTTP/1.1 200") << live;
}

TEST(ManagementPort, ReadyFailsWhileTheStateCannotBeWritten) {
  ManagedGateway g(true);
  EXPECT_EQ(Request(g.gw.management_port(), "GET", "/health/ready").substr(0, 12), "HTTP/1.1 200");
  InjectFileFault(FileFault::kNoSpace, 1000);  // every retry fails too
  const uint8_t msg[] = {'x'};
  ASSERT_EQ(g.gw.core().SendBroadcast(ByteSpan(msg, 1), g.gw.now()), Error::kOk);
  g.gw.Poll(0);
  ASSERT_TRUE(g.gw.core().persist_failed());
  // The snapshot is refreshed once per second of gateway time.
  for (int i = 0; i < 15; ++i) g.gw.Poll(100);
  const std::string r = Request(g.gw.management_port(), "GET", "/health/ready");
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 503") << r;
  EXPECT_NE(r.find("gateway state cannot be written"), std::string::npos) << r;
  InjectFileFault(FileFault::kNone);
}

TEST(ManagementPort, OnlyGetAndHeadAreServed) {
  ManagedGateway g(true);
  const std::string r = Request(g.gw.management_port(), "POST", "/metrics");
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 405") << r;
  EXPECT_NE(r.find("Allow: GET, HEAD"), std::string::npos) << r;
  EXPECT_EQ(Request(g.gw.management_port(), "GET", "/nope").substr(0, 12), "HTTP/1.1 404");
}

TEST(ManagementPort, BusyManagementAddressStopsTheGatewayWithTheFieldNamed) {
  ManagedGateway first(true);
  DaemonConfig c = first.config;
  c.gateway.management = "127.0.0.1:" + std::to_string(first.gw.management_port());
  Gateway second;
  Logger log{"gateway", nullptr, true};
  std::string why;
  EXPECT_NE(second.Open(c, log, &why), Error::kOk);
  EXPECT_NE(why.find("[gateway] management"), std::string::npos) << why;
}

}  // namespace
}  // namespace vigil
