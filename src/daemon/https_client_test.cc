#include "daemon/https_client.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "daemon/child_process.h"
#include "daemon/http_server.h"

namespace vigil {
namespace {

class HttpFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);
    std::string why;
    HttpServer::Options o;
    ASSERT_EQ(server_.Start(
                  o,
                  [](const HttpRequest& r) {
                    if (r.path == "/json") return HttpResponse::Json(201, "{\"a\":1}\n");
                    return HttpResponse::Text(404, std::string(100000, 'x'));
                  },
                  &why),
              Error::kOk)
        << why;
  }
  HttpServer server_;
};

TEST_F(HttpFetchTest, ReadsStatusHeadersAndBody) {
  HttpTarget t;
  t.port = server_.port();
  const HttpExchange r = HttpFetch(t, "GET", "/json");
  EXPECT_EQ(r.status, 201) << r.error;
  EXPECT_EQ(r.body, "{\"a\":1}\n");
  EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);
}

TEST_F(HttpFetchTest, ABodyLargerThanOneReadArrivesWhole) {
  HttpTarget t;
  t.port = server_.port();
  const HttpExchange r = HttpFetch(t, "GET", "/other");
  EXPECT_EQ(r.status, 404) << r.error;
  EXPECT_EQ(r.body.size(), 100000u);
}

TEST(HttpFetch, NoServerIsAnErrorNotAStatus) {
  HttpTarget t;
  t.port = FreeLoopbackPort(false);
  const HttpExchange r = HttpFetch(t, "GET", "/");
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

// A TLS target never falls back to plain text: with no CA to pin, nothing is sent.
TEST_F(HttpFetchTest, TlsWithAMissingCaFileFailsClosed) {
  HttpTarget t;
  t.port = server_.port();
  t.ca = "/nonexistent/ca.crt";
  const HttpExchange r = HttpFetch(t, "GET", "/json");
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace vigil
