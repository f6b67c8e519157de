// HTTPS listener figures (docs/tls.md, "Cost") and their references, side by side:
//
//  BM_Https_HandshakeAndRequest  a new TCP connection, a full TLS 1.3 handshake (ECDHE
//                                X25519, ECDSA P-256 certificate verified against the
//                                local CA), one GET, close: what a client without
//                                keep-alive or resumption pays per request.
//  BM_Https_KeptAliveRequest     one GET on an open TLS connection (keep-alive).
//  BM_Http_KeptAliveRequest      the same GET on an open plain HTTP connection: the
//                                reference for what TLS adds to a request.
//  BM_Http_ConnectAndRequest     a new plain TCP connection, one GET, close: the reference
//                                for what the handshake adds to a connection.
// Server and client are in this process, over loopback, on the shared cores: compare the
// figures of one run with each other, not with another machine's.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <memory>
#include <string>

#include "cloud/tls/local_ca.h"
#include "cloud/tls/tls_test_client.h"
#include "common/test_temp_dir.h"
#include "daemon/http_server.h"
#include "daemon/tls_client.h"

namespace vigil {
namespace {

constexpr std::string_view kKeepAlive = "GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n";
constexpr std::string_view kClose =
    "GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

HttpResponse Status(const HttpRequest&) { return HttpResponse::Json(200, R"({"ok":true})"); }

struct Servers {
  testing::TempDir dir;
  cloud::LocalCa ca;
  HttpServer https, http;
  SslCtxPtr client;
  bool ok = false;

  Servers() {
    cloud::LocalCaConfig c;
    c.dir = dir.File("ca");
    c.site = "bench";
    std::string why;
    if (cloud::EnsureLocalCa(c, static_cast<int64_t>(std::time(nullptr)), &ca, &why) !=
        cloud::LocalCaError::kOk)
      return;
    HttpServer::Options o;
    o.max_connections = 256;
    if (http.Start(o, Status, &why) != Error::kOk) return;
    o.tls = HttpServer::TlsOptions{ca.server_cert_path, ca.server_key_path, {}};
    if (https.Start(o, Status, &why) != Error::kOk) return;
    TlsClientFiles files;
    files.ca = ca.ca_cert_path;
    ok = BuildTlsClientContext(files, "localhost", &client, nullptr, &why) == Error::kOk;
  }
};

Servers& Shared() {
  static Servers s;
  return s;
}

// A plain HTTP exchange: send, then read until the body of Content-Length is in.
bool PlainExchange(int fd, std::string_view request) {
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size()))
    return false;
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    out.append(buf, static_cast<size_t>(n));
    const size_t end = out.find("\r\n\r\n");
    const size_t cl = out.find("Content-Length: ");
    if (end == std::string::npos || cl == std::string::npos) continue;
    if (out.size() >= end + 4 + std::stoul(out.substr(cl + 16))) return true;
  }
}

void BM_Https_HandshakeAndRequest(benchmark::State& state) {
  Servers& s = Shared();
  if (!s.ok) return state.SkipWithError("servers did not start");
  for (auto _ : state) {
    testing::TlsTestConnection c(s.client.get());
    if (!c.Connect(s.https.port()) || c.Exchange(kClose).empty())
      return state.SkipWithError("request failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Https_HandshakeAndRequest)->UseRealTime();

void BM_Https_KeptAliveRequest(benchmark::State& state) {
  Servers& s = Shared();
  if (!s.ok) return state.SkipWithError("servers did not start");
  testing::TlsTestConnection c(s.client.get());
  if (!c.Connect(s.https.port())) return state.SkipWithError("handshake failed");
  for (auto _ : state)
    if (c.Exchange(kKeepAlive).empty()) return state.SkipWithError("request failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Https_KeptAliveRequest)->UseRealTime();

void BM_Http_KeptAliveRequest(benchmark::State& state) {
  Servers& s = Shared();
  if (!s.ok) return state.SkipWithError("servers did not start");
  const int fd = testing::ConnectLoopback(s.http.port());
  for (auto _ : state)
    if (!PlainExchange(fd, kKeepAlive)) {
      close(fd);
      return state.SkipWithError("request failed");
    }
  close(fd);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Http_KeptAliveRequest)->UseRealTime();

void BM_Http_ConnectAndRequest(benchmark::State& state) {
  Servers& s = Shared();
  if (!s.ok) return state.SkipWithError("servers did not start");
  for (auto _ : state) {
    const int fd = testing::ConnectLoopback(s.http.port());
    const bool ok = fd >= 0 && PlainExchange(fd, kClose);
    if (fd >= 0) close(fd);
    if (!ok) return state.SkipWithError("request failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Http_ConnectAndRequest)->UseRealTime();

}  // namespace
}  // namespace vigil
