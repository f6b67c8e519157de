// HttpServer over TLS, with certificates from the local CA, against a real OpenSSL client.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>

#include "cloud/tls/local_ca.h"
#include "cloud/tls/tls_test_client.h"
#include "common/test_temp_dir.h"
#include "daemon/http_server.h"
#include "daemon/tls_client.h"

namespace vigil::cloud {
namespace {

using vigil::testing::ConnectLoopback;
using vigil::testing::TempDir;
using vigil::testing::TlsTestConnection;

// The client checks certificates against the real clock, so they are issued for it.
const int64_t kNow = static_cast<int64_t>(std::time(nullptr));

bool PeerClosed(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  return recv(fd, &c, 1, MSG_PEEK) <= 0 || (p.revents & (POLLHUP | POLLERR));
}

// The server counts an event on its I/O thread, which may run just after the client has
// seen its effect (a timer closes the socket before the handler counts the timeout).
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 500 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

SslCtxPtr TrustingClient(const std::string& ca, const std::string& name,
                         const std::string& cert = {}, const std::string& key = {}) {
  SslCtxPtr ctx;
  std::string why;
  TlsClientFiles files;
  files.ca = ca;
  files.cert = cert;
  files.key = key;
  EXPECT_EQ(BuildTlsClientContext(files, name, &ctx, nullptr, &why), Error::kOk) << why;
  return ctx;
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.dir = dir_.File("ca");
    config_.site = "test";
    std::string why;
    ASSERT_EQ(EnsureLocalCa(config_, kNow, &ca_, &why), LocalCaError::kOk) << why;
  }

  void Start(HttpServer::TlsOptions tls = {}, HttpServer::Options o = {}) {
    if (tls.cert_chain.empty()) tls.cert_chain = ca_.server_cert_path;
    if (tls.key.empty()) tls.key = ca_.server_key_path;
    o.tls = tls;
    server_.AddStream("/events");
    std::string why;
    ASSERT_EQ(server_.Start(
                  o,
                  [](const HttpRequest& r) {
                    if (r.path == "/cached") {
                      HttpResponse resp = HttpResponse::Json(200, "{}");
                      resp.headers.emplace_back("Cache-Control", "max-age=60");
                      return resp;
                    }
                    return HttpResponse::Text(
                        200, std::string("tls=") + (r.tls ? "1" : "0") + " cn=" + r.client_cn);
                  },
                  &why),
              Error::kOk)
        << why;
  }

  std::string Get(SSL_CTX* ctx, const std::string& target = "/",
                  const std::string& sni = "localhost") {
    TlsTestConnection c(ctx);
    if (!c.Connect(server_.port(), sni)) return {};
    return c.Exchange("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }

  TempDir dir_;
  LocalCaConfig config_;
  LocalCa ca_;
  HttpServer server_;
};

TEST_F(HttpsServerTest, Tls13RequestVerifiesForLocalhostAndLoopbackAddress) {
  Start();
  for (const std::string name : {"localhost", "127.0.0.1"}) {
    SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, name);
    TlsTestConnection c(ctx.get());
    ASSERT_TRUE(c.Connect(server_.port(), name == "localhost" ? name : "")) << name;
    EXPECT_EQ(c.verify_result(), X509_V_OK) << name;
    EXPECT_EQ(c.version(), TLS1_3_VERSION);
    EXPECT_EQ(c.alpn(), "http/1.1");
    const std::string r = c.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
    EXPECT_TRUE(r.ends_with("\r\n\r\ntls=1 cn=")) << r;
  }
  EXPECT_EQ(server_.stats().tls_handshakes, 2u);
}

TEST_F(HttpsServerTest, SecurityHeadersOnEveryResponseAndHandlerOverrides) {
  Start();
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  const std::string plain = Get(ctx.get());
  EXPECT_NE(plain.find("Strict-Transport-Security: max-age=31536000\r\n"), std::string::npos);
  EXPECT_NE(plain.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_NE(plain.find("Cache-Control: no-store\r\n"), std::string::npos);
  const std::string cached = Get(ctx.get(), "/cached");
  EXPECT_NE(cached.find("Cache-Control: max-age=60\r\n"), std::string::npos) << cached;
  EXPECT_EQ(cached.find("no-store"), std::string::npos) << cached;
}

TEST_F(HttpsServerTest, WrongHostnameFailsVerification) {
  Start();
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "cloud.other.example");
  TlsTestConnection c(ctx.get());
  EXPECT_FALSE(c.Connect(server_.port(), "cloud.other.example"));
  EXPECT_EQ(c.verify_result(), X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(HttpsServerTest, ServerCertificateFromAnotherCaFailsVerification) {
  Start();
  LocalCaConfig other = config_;
  other.dir = dir_.File("other");
  LocalCa other_ca;
  std::string why;
  ASSERT_EQ(EnsureLocalCa(other, kNow, &other_ca, &why), LocalCaError::kOk) << why;
  SslCtxPtr ctx = TrustingClient(other_ca.ca_cert_path, "localhost");
  TlsTestConnection c(ctx.get());
  EXPECT_FALSE(c.Connect(server_.port()));
  EXPECT_NE(c.verify_result(), X509_V_OK);
}

TEST_F(HttpsServerTest, Tls12OnlyClientRefusedInHandshake) {
  Start();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  {
    TlsTestConnection c(ctx);
    EXPECT_FALSE(c.Connect(server_.port()));
  }
  SSL_CTX_free(ctx);
  EXPECT_TRUE(Eventually([&] { return server_.stats().tls_handshake_failures == 1; }));
  EXPECT_EQ(server_.stats().requests, 0u);
}

TEST_F(HttpsServerTest, ClientOfferingOnlyOtherAlpnRefused) {
  Start();
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  static const unsigned char kH2[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx.get(), kH2, sizeof(kH2));
  int fd = ConnectLoopback(server_.port());
  SSL* ssl = SSL_new(ctx.get());
  SSL_set_fd(ssl, fd);
  EXPECT_NE(SSL_connect(ssl), 1);
  ERR_clear_error();
  SSL_free(ssl);
  close(fd);
}

TEST_F(HttpsServerTest, SlowHandshakeTimedOutAndCounted) {
  HttpServer::TlsOptions tls;
  tls.handshake_timeout_ms = 200;
  Start(tls);
  int fd = ConnectLoopback(server_.port());
  // The first bytes of a TLS record header, then nothing.
  const char partial[] = {0x16, 0x03, 0x01};
  ASSERT_EQ(send(fd, partial, sizeof(partial), MSG_NOSIGNAL), 3);
  EXPECT_TRUE(PeerClosed(fd, 5000));
  close(fd);
  EXPECT_TRUE(Eventually([&] { return server_.stats().timeouts == 1; }));
  EXPECT_EQ(server_.stats().tls_handshakes, 0u);
}

TEST_F(HttpsServerTest, PlainHttpOnTlsPortRefusedAndCounted) {
  Start();
  int fd = ConnectLoopback(server_.port());
  const std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  EXPECT_TRUE(PeerClosed(fd, 5000));
  char buf[64];
  EXPECT_LE(recv(fd, buf, sizeof(buf), 0), 0);  // nothing was answered in plain text
  close(fd);
  EXPECT_TRUE(Eventually([&] { return server_.stats().plain_http_refused == 1; }));
  EXPECT_EQ(server_.stats().requests, 0u);
}

TEST_F(HttpsServerTest, HeaderLimitHoldsOverTls) {
  Start();
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  TlsTestConnection c(ctx.get());
  ASSERT_TRUE(c.Connect(server_.port()));
  const std::string r =
      c.Exchange("GET / HTTP/1.1\r\nX-Big: " + std::string(10'000, 'a') + "\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 431"), std::string::npos) << r.substr(0, 64);
}

TEST_F(HttpsServerTest, BodyLimitHoldsOverTls) {
  HttpServer::Options o;
  o.max_body_bytes = 100;
  Start({}, o);
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  TlsTestConnection c(ctx.get());
  ASSERT_TRUE(c.Connect(server_.port()));
  const std::string r = c.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                                   std::string(5000, 'a'));
  EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos) << r.substr(0, 64);
}

TEST_F(HttpsServerTest, SlowRequestAfterHandshakeTimedOut) {
  HttpServer::Options o;
  o.request_timeout_ms = 200;
  Start({}, o);
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  TlsTestConnection c(ctx.get());
  ASSERT_TRUE(c.Connect(server_.port()));
  // Half a request line, then silence: the server gives up and closes.
  EXPECT_EQ(c.Exchange("GET / HT"), "");
  EXPECT_TRUE(Eventually([&] { return server_.stats().timeouts == 1; }));
  EXPECT_EQ(server_.stats().requests, 0u);
}

TEST_F(HttpsServerTest, ConnectionsOverTheLimitClosedWhileOthersServed) {
  HttpServer::Options o;
  o.max_connections = 1;
  Start({}, o);
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  TlsTestConnection first(ctx.get());
  ASSERT_TRUE(first.Connect(server_.port()));
  TlsTestConnection second(ctx.get());
  EXPECT_FALSE(second.Connect(server_.port()));
  EXPECT_TRUE(Eventually([&] { return server_.stats().refused_connections == 1; }));
  const std::string r = first.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpsServerTest, StreamDeliversEventsOverTls) {
  Start();
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  TlsTestConnection c(ctx.get());
  ASSERT_TRUE(c.Connect(server_.port()));
  std::thread publisher([this] {
    for (int i = 0; i < 200 && server_.stats().stream_clients == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server_.Publish("/events", "alarm", R"({"bed":3})");
  });
  const std::string r =
      c.ReadUntil("GET /events HTTP/1.1\r\nHost: x\r\n\r\n", "data: {\"bed\":3}\n\n");
  publisher.join();
  EXPECT_NE(r.find("Strict-Transport-Security: max-age="), std::string::npos) << r;
  EXPECT_NE(r.find("event: alarm\ndata: {\"bed\":3}\n\n"), std::string::npos) << r;
}

TEST_F(HttpsServerTest, ReloadServesNewCertificateToNewConnections) {
  Start();
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  TlsTestConnection before(ctx.get());
  ASSERT_TRUE(before.Connect(server_.port()));
  const std::string old_digest = before.PeerDigest();

  LocalCa renewed;
  std::string why;
  config_.names.push_back("cloud.example");  // a new name: the certificate is reissued
  ASSERT_EQ(EnsureLocalCa(config_, kNow, &renewed, &why), LocalCaError::kOk) << why;
  ASSERT_TRUE(renewed.server_renewed);
  TlsTestConnection still_old(ctx.get());
  ASSERT_TRUE(still_old.Connect(server_.port()));
  EXPECT_EQ(still_old.PeerDigest(), old_digest);  // files changed, no reload yet

  ASSERT_EQ(server_.ReloadTls(&why), Error::kOk) << why;
  TlsTestConnection after(ctx.get());
  ASSERT_TRUE(after.Connect(server_.port()));
  EXPECT_NE(after.PeerDigest(), old_digest);
  // The connection opened before the reload still works.
  const std::string r = before.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpsServerTest, ReloadWithBrokenKeyKeepsServingOldCertificate) {
  Start();
  ASSERT_EQ(::chmod(ca_.server_key_path.c_str(), 0644), 0);
  std::string why;
  EXPECT_EQ(server_.ReloadTls(&why), Error::kInvalidState);
  EXPECT_NE(why.find(ca_.server_key_path), std::string::npos) << why;
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  EXPECT_NE(Get(ctx.get()).find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpsServerTest, StartRefusesKeyOfAnotherCertificateNamingBoth) {
  HttpServer::Options o;
  o.tls = HttpServer::TlsOptions{};
  o.tls->cert_chain = ca_.server_cert_path;
  o.tls->key = config_.dir + "/ca.key";
  std::string why;
  EXPECT_EQ(server_.Start(
                o, [](const HttpRequest&) { return HttpResponse{}; }, &why),
            Error::kInvalidArgument);
  EXPECT_NE(why.find(o.tls->key), std::string::npos) << why;
  EXPECT_NE(why.find(ca_.server_cert_path), std::string::npos) << why;
}

TEST_F(HttpsServerTest, StartRefusesKeyReadableByOthers) {
  ASSERT_EQ(::chmod(ca_.server_key_path.c_str(), 0604), 0);
  HttpServer::Options o;
  o.tls = HttpServer::TlsOptions{ca_.server_cert_path, ca_.server_key_path, {}};
  std::string why;
  EXPECT_EQ(server_.Start(
                o, [](const HttpRequest&) { return HttpResponse{}; }, &why),
            Error::kInvalidState);
  EXPECT_NE(why.find(ca_.server_key_path), std::string::npos) << why;
}

TEST_F(HttpsServerTest, StartRefusesDamagedCertificate) {
  const std::string bad = dir_.File("bad.crt");
  FILE* f = std::fopen(bad.c_str(), "w");
  std::fputs("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", f);
  std::fclose(f);
  HttpServer::Options o;
  o.tls = HttpServer::TlsOptions{bad, ca_.server_key_path, {}};
  std::string why;
  EXPECT_EQ(server_.Start(
                o, [](const HttpRequest&) { return HttpResponse{}; }, &why),
            Error::kInvalidArgument);
  EXPECT_NE(why.find(bad), std::string::npos) << why;
}

class HttpsClientCertTest : public HttpsServerTest {
 protected:
  void StartWithClientCa() {
    HttpServer::TlsOptions tls;
    tls.client_ca = ca_.ca_cert_path;
    Start(tls);
  }
};

TEST_F(HttpsClientCertTest, WithoutCertificateRefused) {
  StartWithClientCa();
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost");
  EXPECT_EQ(Get(ctx.get()).find("HTTP/1.1 200"), std::string::npos);
  EXPECT_EQ(server_.stats().requests, 0u);
  EXPECT_TRUE(Eventually([&] { return server_.stats().tls_handshake_failures == 1; }));
}

TEST_F(HttpsClientCertTest, CertificateFromAnotherCaRefused) {
  StartWithClientCa();
  LocalCaConfig other = config_;
  other.dir = dir_.File("other");
  LocalCa other_ca;
  ClientCertificate rogue;
  std::string why;
  ASSERT_EQ(EnsureLocalCa(other, kNow, &other_ca, &why), LocalCaError::kOk) << why;
  ASSERT_EQ(IssueClientCertificate(other, "gw-1", kNow, 30, &rogue, &why), LocalCaError::kOk)
      << why;
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost", rogue.cert_path, rogue.key_path);
  EXPECT_EQ(Get(ctx.get()).find("HTTP/1.1 200"), std::string::npos);
  EXPECT_EQ(server_.stats().requests, 0u);
}

TEST_F(HttpsClientCertTest, ServerCertificateAsClientCertificateRefused) {
  // Signed by the right CA but for serverAuth only: not a gateway's identity.
  StartWithClientCa();
  SslCtxPtr ctx =
      TrustingClient(ca_.ca_cert_path, "localhost", ca_.server_cert_path, ca_.server_key_path);
  EXPECT_EQ(Get(ctx.get()).find("HTTP/1.1 200"), std::string::npos);
  EXPECT_EQ(server_.stats().requests, 0u);
}

TEST_F(HttpsClientCertTest, GoodCertificateCnReachesHandler) {
  StartWithClientCa();
  ClientCertificate gw;
  std::string why;
  ASSERT_EQ(IssueClientCertificate(config_, "gw-ward-3", kNow, 30, &gw, &why), LocalCaError::kOk)
      << why;
  SslCtxPtr ctx = TrustingClient(ca_.ca_cert_path, "localhost", gw.cert_path, gw.key_path);
  const std::string r = Get(ctx.get());
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
  EXPECT_NE(r.find("tls=1 cn=gw-ward-3"), std::string::npos) << r;
}

}  // namespace
}  // namespace vigil::cloud
