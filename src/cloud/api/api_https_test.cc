// The API behind the real HTTPS listener (TLS 1.3, the local CA's certificate), driven by
// a real OpenSSL client: what a browser or a gateway sees on the wire.
#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "cloud/api/api_test_harness.h"
#include "cloud/tls/local_ca.h"
#include "cloud/tls/tls_test_client.h"
#include "daemon/http_server.h"
#include "daemon/tls_client.h"

namespace vigil::cloud::api {
namespace {

using testing::ApiHarness;
using vigil::testing::TlsTestConnection;

class ApiHttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalCaConfig cc;
    cc.dir = h_.dir_.File("ca");
    cc.site = "test";
    std::string why;
    ASSERT_EQ(EnsureLocalCa(cc, static_cast<int64_t>(std::time(nullptr)), &ca_, &why),
              LocalCaError::kOk)
        << why;
    HttpServer::Options o;
    o.max_body_bytes = 4096;
    HttpServer::TlsOptions tls;
    tls.cert_chain = ca_.server_cert_path;
    tls.key = ca_.server_key_path;
    o.tls = tls;
    // The harness's clock: its sessions and admissions are at testing::kNow.
    ASSERT_EQ(server_.Start(
                  o, [this](const HttpRequest& r) { return h_.service_->Handle(r, testing::kNow); },
                  &why),
              Error::kOk)
        << why;
    TlsClientFiles files;
    files.ca = ca_.ca_cert_path;
    ASSERT_EQ(BuildTlsClientContext(files, "localhost", &ctx_, nullptr, &why), Error::kOk) << why;
  }

  std::string Send(const std::string& request) {
    TlsTestConnection c(ctx_.get());
    if (!c.Connect(server_.port())) return {};
    return c.Exchange(request);
  }

  static std::string BodyOf(const std::string& response) {
    const size_t p = response.find("\r\n\r\n");
    return p == std::string::npos ? "" : response.substr(p + 4);
  }

  static std::string HeaderOf(const std::string& response, const std::string& name) {
    const size_t p = response.find("\r\n" + name + ": ");
    if (p == std::string::npos) return "";
    const size_t s = p + name.size() + 4;
    return response.substr(s, response.find("\r\n", s) - s);
  }

  ApiHarness h_;
  LocalCa ca_;
  HttpServer server_;
  SslCtxPtr ctx_;
};

TEST_F(ApiHttpsTest, NurseLogsInOverTlsAndReadsHerWardWithTheCookieAlone) {
  UserAccount u;
  u.user_id = "nurse.joy";
  u.role = policy::Role::kNurse;
  u.wards = {{"icu", testing::kNow - testing::kHour, testing::kNow + testing::kHour}};
  u.password_hash = *auth::HashPassword("a long pass phrase", auth::Argon2Params{1024, 1, 1});
  ASSERT_TRUE(h_.directory_.Create(u).ok());
  const std::string form = "user=nurse.joy&password=a+long+pass+phrase";
  const std::string login = Send(
      "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(form.size()) + "\r\n\r\n" + form);
  ASSERT_TRUE(login.starts_with("HTTP/1.1 200")) << login;
  const std::string cookie = HeaderOf(login, "Set-Cookie");
  ASSERT_TRUE(cookie.starts_with("__Host-vigil_session=")) << login;
  EXPECT_FALSE(HeaderOf(login, "Strict-Transport-Security").empty());
  const std::string session = cookie.substr(0, cookie.find(';'));
  const std::string ward = Send(
      "GET /api/wards/icu/latest HTTP/1.1\r\nHost: x\r\nConnection: "
      "close\r\nCookie: " +
      session + "\r\n\r\n");
  ASSERT_TRUE(ward.starts_with("HTTP/1.1 200")) << ward;
  const auto j = nlohmann::json::parse(BodyOf(ward), nullptr, false);
  ASSERT_TRUE(j.is_object()) << ward;
  EXPECT_EQ(j["beds"][0]["name"], "Ada Lovelace");
  EXPECT_EQ(HeaderOf(ward, "Cache-Control"), "no-store") << "patient data is never cached";
  const std::string other = Send(
      "GET /api/wards/cardio/latest HTTP/1.1\r\nHost: x\r\nConnection: "
      "close\r\nCookie: " +
      session + "\r\n\r\n");
  EXPECT_TRUE(other.starts_with("HTTP/1.1 403")) << other;
}

TEST_F(ApiHttpsTest, OversizedIngestBodyIsRefusedWithoutStoringAnything) {
  const testing::Credentials gw = h_.Service();
  const std::string body(8000, 'x');
  const std::string r = Send(
      "POST /ingest/v1/messages HTTP/1.1\r\nHost: x\r\nConnection: "
      "close\r\nContent-Type: application/x-ndjson\r\n" +
      gw.headers[0].first + ": " + gw.headers[0].second +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 413")) << r;
  std::vector<Row> rows;
  ASSERT_TRUE(h_.db_->Execute("SELECT COUNT(*) FROM dead_letters", {}, &rows).ok());
  EXPECT_EQ(rows[0].Int(0), 0);
}

TEST_F(ApiHttpsTest, MalformedJsonGetsAPlainErrorWithNothingInternal) {
  const testing::Credentials admin = h_.Person("root", policy::Role::kAdmin);
  std::string headers;
  for (const auto& [k, v] : admin.headers) headers += k + ": " + v + "\r\n";
  const std::string body = "{\"user_id\": \"x\", \"role\": [";
  const std::string r =
      Send("POST /admin/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 400")) << r;
  EXPECT_EQ(BodyOf(r),
            "{\"detail\":\"the body is not a JSON object\",\"error\":\"bad_request\"}\n");
}

}  // namespace
}  // namespace vigil::cloud::api
