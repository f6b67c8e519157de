#include "daemon/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace vigil {
namespace {

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads until the peer closes, `until` appears, or `timeout_ms` passes.
std::string ReadSome(int fd, int timeout_ms, std::string_view until = {}) {
  std::string out;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (!until.empty() && out.find(until) != std::string::npos) break;
  }
  return out;
}

bool PeerClosed(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  return recv(fd, &c, 1, MSG_PEEK) == 0 || (p.revents & (POLLHUP | POLLERR));
}

std::string Exchange(uint16_t port, std::string_view request) {
  int fd = Connect(port);
  if (fd < 0) return "";
  SendAll(fd, request);
  std::string r = ReadSome(fd, 3000);
  close(fd);
  return r;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServer::Options o = {}) {
    std::string why;
    server_.AddStream("/events");
    ASSERT_EQ(server_.Start(
                  o,
                  [](const HttpRequest& r) {
                    if (r.path == "/boom") throw std::runtime_error("secret detail");
                    if (r.path == "/echo")
                      return HttpResponse::Text(200, r.method + " " + r.query + " " + r.body);
                    // A stream a handler admits: only with the right key.
                    if (r.path == "/ward") {
                      if (r.query != "key=ok") return HttpResponse::Text(403, "no\n");
                      HttpResponse ok;
                      ok.stream = "ward:icu";
                      ok.headers.emplace_back("Content-Security-Policy", "default-src 'self'");
                      return ok;
                    }
                    return HttpResponse::Text(404, "not found\n");
                  },
                  &why),
              Error::kOk)
        << why;
  }
  HttpServer server_;
};

TEST_F(HttpServerTest, AnswersARequestWithItsMethodQueryAndBody) {
  Start();
  const std::string r =
      Exchange(server_.port(),
               "POST /echo?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n"
               "\r\nabc");
  EXPECT_EQ(r.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(r.find("\r\n\r\nPOST a=1 abc"), std::string::npos) << r;
  EXPECT_NE(r.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_NE(r.find("Cache-Control: no-store"), std::string::npos);
}

TEST_F(HttpServerTest, HeadersOverTheLimitGet431) {
  HttpServer::Options o;
  o.max_header_bytes = 1024;
  Start(o);
  const std::string r =
      Exchange(server_.port(),
               "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 431") << r.substr(0, 80);
  EXPECT_EQ(server_.stats().bad_requests, 1u);
}

TEST_F(HttpServerTest, BodyOverTheLimitGets413WithoutReadingIt) {
  HttpServer::Options o;
  o.max_body_bytes = 100;
  Start(o);
  const std::string r =
      Exchange(server_.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                                   std::string(200, 'b'));
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 413") << r.substr(0, 80);
}

TEST_F(HttpServerTest, MalformedRequestLineGets400AndTheConnectionCloses) {
  Start();
  const std::string r = Exchange(server_.port(), "GARBAGE\x01\x02 / HTTP/9\r\n\r\n");
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 400") << r;
}

TEST_F(HttpServerTest, ThrowingHandlerGetsBare500WithoutDetail) {
  Start();
  const std::string r =
      Exchange(server_.port(), "GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 500");
  EXPECT_EQ(r.find("secret"), std::string::npos) << r;
  EXPECT_EQ(server_.stats().handler_failures, 1u);
}

TEST_F(HttpServerTest, SlowLorisIsCutOffAfterTheRequestTimeout) {
  HttpServer::Options o;
  o.request_timeout_ms = 300;
  Start(o);
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "GET /echo HTTP/1.1\r\nHost: x\r\n");  // never finishes its headers
  EXPECT_TRUE(PeerClosed(fd, 3000));
  close(fd);
  // The stream closes the socket when its timer fires, before the handler counts it.
  for (int i = 0; i < 100 && server_.stats().timeouts == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_.stats().timeouts, 1u);
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitAreRefusedAndOthersStillServed) {
  HttpServer::Options o;
  o.max_connections = 2;
  Start(o);
  int a = Connect(server_.port()), b = Connect(server_.port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both accepted
  const std::string r = Exchange(server_.port(), "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 503") << r;
  close(a);
  close(b);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string ok =
      Exchange(server_.port(), "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(ok.substr(0, 12), "HTTP/1.1 200") << ok;
  EXPECT_EQ(server_.stats().refused_connections, 1u);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "GET /echo?1 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?2 HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string r = ReadSome(fd, 2000, "GET 2 ");
  close(fd);
  EXPECT_NE(r.find("GET 1 "), std::string::npos);
  EXPECT_NE(r.find("GET 2 "), std::string::npos);
}

TEST_F(HttpServerTest, StreamDeliversEventsAndReplaysWhatAReconnectingClientMissed) {
  Start();
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(ReadSome(fd, 2000, "retry: 2000\n\n").find("text/event-stream"), std::string::npos);
  for (int i = 0; i < 50 && server_.stats().stream_clients == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  server_.Publish("/events", "alarm", "{\"n\":1}");
  server_.Publish("/events", "alarm", "line1\nevent: forged");  // cannot inject a field
  std::string got = ReadSome(fd, 2000, "forged\n\n");
  close(fd);
  EXPECT_NE(got.find("id: 1\nevent: alarm\ndata: {\"n\":1}\n\n"), std::string::npos) << got;
  EXPECT_NE(got.find("id: 2\nevent: alarm\ndata: line1\ndata: event: forged\n\n"),
            std::string::npos)
      << got;

  server_.Publish("/events", "alarm", "three");
  int again = Connect(server_.port());
  ASSERT_GE(again, 0);
  SendAll(again, "GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 1\r\n\r\n");
  const std::string replay = ReadSome(again, 2000, "data: three\n\n");
  close(again);
  EXPECT_EQ(replay.find("id: 1\n"), std::string::npos) << replay;
  EXPECT_NE(replay.find("id: 2\n"), std::string::npos) << replay;
  EXPECT_NE(replay.find("id: 3\nevent: alarm\ndata: three\n"), std::string::npos) << replay;
}

TEST_F(HttpServerTest, SlowStreamReaderIsDroppedNotBuffered) {
  HttpServer::Options o;
  o.stream_max_queued = 8;
  Start(o);
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  SendAll(fd, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 100 && server_.stats().stream_clients == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string big(16 * 1024, 'x');
  for (int i = 0; i < 2000 && server_.stats().stream_dropped_clients == 0; ++i) {
    server_.Publish("/events", "e", big);  // never read by the client
    if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (int i = 0; i < 200 && server_.stats().stream_dropped_clients == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  close(fd);
  EXPECT_EQ(server_.stats().stream_dropped_clients, 1u);
}

TEST_F(HttpServerTest, HandlerStreamFollowsOnlyWhatTheHandlerAdmitted) {
  HttpServer::Options o;
  o.stream_first_id = 1000;
  Start(o);
  // Refused by the handler: an ordinary answer, no stream.
  const std::string refused = Exchange(
      server_.port(), "GET /ward?key=bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(refused.substr(0, 12), "HTTP/1.1 403") << refused;
  // Published before anyone follows: kept in the ring for a Last-Event-ID.
  server_.Publish("ward:icu", "reading", "early");
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "GET /ward?key=ok HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 999\r\n\r\n");
  std::string got = ReadSome(fd, 2000, "data: early\n\n");
  EXPECT_NE(got.find("text/event-stream"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Security-Policy: default-src 'self'\r\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("default-src 'none'"), std::string::npos) << "the handler's CSP replaces it";
  EXPECT_NE(got.find("X-Content-Type-Options: nosniff"), std::string::npos) << got;
  EXPECT_NE(got.find("id: 1000\nevent: reading\ndata: early\n"), std::string::npos) << got;
  server_.Publish("ward:icu", "reading", "live");
  got = ReadSome(fd, 2000, "data: live\n\n");
  close(fd);
  EXPECT_NE(got.find("id: 1001\n"), std::string::npos) << got;
  // The stream's name is not a path: GET of it reaches the handler (404), not the stream.
  const std::string by_name =
      Exchange(server_.port(), "GET ward:icu HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(by_name.find("event-stream"), std::string::npos) << by_name;
}

TEST_F(HttpServerTest, StreamFollowerIsClosedAtItsLifetime) {
  HttpServer::Options o;
  o.stream_max_lifetime_ms = 200;
  Start(o);
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "GET /ward?key=ok HTTP/1.1\r\nHost: x\r\n\r\n");
  ReadSome(fd, 1000, "retry: 2000\n\n");
  EXPECT_TRUE(PeerClosed(fd, 3000));
  close(fd);
  for (int i = 0; i < 100 && server_.stats().stream_expired_clients == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_.stats().stream_expired_clients, 1u);
}

TEST_F(HttpServerTest, AStreamDoesNotHoldUpOtherRequests) {
  Start();
  int fd = Connect(server_.port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "GET /ward?key=ok HTTP/1.1\r\nHost: x\r\n\r\n");
  ReadSome(fd, 1000, "retry: 2000\n\n");
  const std::string r =
      Exchange(server_.port(), "GET /echo?x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  close(fd);
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 200") << r;
}

TEST(HttpServerStart, BadListenAddressIsRefusedWithItsText) {
  HttpServer s;
  HttpServer::Options o;
  o.listen = "not-an-address:80";
  std::string why;
  EXPECT_EQ(s.Start(
                o, [](const HttpRequest&) { return HttpResponse{}; }, &why),
            Error::kInvalidArgument);
  EXPECT_NE(why.find("not-an-address"), std::string::npos) << why;
}

// TLS over real certificates is tested in src/cloud/tls/https_server_test.cc, where the
// local CA issues them; these cover what needs no certificate.
TEST(HttpServerStart, MissingTlsFileIsRefusedNamingIt) {
  HttpServer s;
  HttpServer::Options o;
  o.tls = HttpServer::TlsOptions{};
  o.tls->cert_chain = "/nonexistent/server.crt";
  o.tls->key = "/nonexistent/server.key";
  std::string why;
  EXPECT_EQ(s.Start(
                o, [](const HttpRequest&) { return HttpResponse{}; }, &why),
            Error::kNotFound);
  EXPECT_NE(why.find("/nonexistent/server.crt"), std::string::npos) << why;
  EXPECT_EQ(s.port(), 0);  // nothing was bound
}

TEST(HttpServerStart, ReloadTlsOnPlainServerIsRefused) {
  HttpServer s;
  std::string why;
  ASSERT_EQ(s.Start(
                {}, [](const HttpRequest&) { return HttpResponse{}; }, &why),
            Error::kOk);
  EXPECT_EQ(s.ReloadTls(&why), Error::kInvalidState);
}

TEST_F(HttpServerTest, PlainHttpResponseCarriesNoHsts) {
  Start();
  const std::string r =
      Exchange(server_.port(), "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(r.find("Strict-Transport-Security"), std::string::npos) << r;
}

}  // namespace
}  // namespace vigil
