// The dashboard's file server: types, validators, and every way a path could reach a
// file it must not.
#include "cloud/web/static_site.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cloud/web/security_headers.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud::web {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

HttpRequest Get(std::string path, std::vector<std::pair<std::string, std::string>> h = {}) {
  HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  r.headers = std::move(h);
  return r;
}

std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(dir_.File("web/index.html"), "<!doctype html><title>v</title>");
    Write(dir_.File("web/assets/app.js"), "export {};");
    Write(dir_.File("web/assets/app.css"), "body{}");
    Write(dir_.File("web/assets/notes.exe"), "MZ");  // an unknown type: never served
    Write(dir_.File("secret.txt"), "outside");
    std::filesystem::create_symlink(dir_.File("secret.txt"), dir_.File("web/assets/link.txt"));
    std::string why;
    ASSERT_EQ(site_.Load(dir_.File("web"), &why), Error::kOk) << why;
  }
  vigil::testing::TempDir dir_;
  StaticSite site_;
};

TEST_F(StaticSiteTest, ServesEachFileWithItsContentTypeAndAnETag) {
  HttpResponse r = site_.Serve(Get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, "<!doctype html><title>v</title>");
  r = site_.Serve(Get("/assets/app.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(site_.Serve(Get("/assets/app.css")).content_type, "text/css; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(r, "ETag").size(), 34u);
}

TEST_F(StaticSiteTest, IfNoneMatchWithTheETagGets304WithoutABody) {
  const std::string etag = HeaderOf(site_.Serve(Get("/assets/app.js")), "ETag");
  const HttpResponse r = site_.Serve(Get("/assets/app.js", {{"if-none-match", etag}}));
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(site_.Serve(Get("/assets/app.js", {{"if-none-match", "\"other\""}})).status, 200);
}

TEST_F(StaticSiteTest, TraversalEncodedDotsSymlinksAndUnknownTypesAre404) {
  for (const char* p : {"/assets/../../secret.txt", "/assets/%2e%2e/secret.txt", "/assets/link.txt",
                        "/assets/notes.exe", "/assets/", "/assets//app.js", "/assets/app.js/",
                        "/assets/APP.JS", "/assets/app.js%00.css"}) {
    const HttpResponse r = site_.Serve(Get(p));
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << p;
  }
}

TEST_F(StaticSiteTest, OnlyGetAndHeadAreAnswered) {
  HttpRequest r = Get("/");
  r.method = "POST";
  EXPECT_EQ(site_.Serve(r).status, 405);
}

TEST(StaticSite, DirectoryWithoutIndexIsRefusedNamingIt) {
  vigil::testing::TempDir dir;
  StaticSite site;
  std::string why;
  EXPECT_EQ(site.Load(dir.path(), &why), Error::kNotFound);
  EXPECT_NE(why.find(dir.path()), std::string::npos) << why;
  EXPECT_FALSE(site.loaded());
}

TEST(StaticSite, OnlyTheSitesPathsAreTakenFromTheApi) {
  EXPECT_TRUE(StaticSite::IsSitePath("/"));
  EXPECT_TRUE(StaticSite::IsSitePath("/assets/app.js"));
  EXPECT_FALSE(StaticSite::IsSitePath("/api/wards/icu/latest"));
  EXPECT_FALSE(StaticSite::IsSitePath("/account"));
  EXPECT_FALSE(StaticSite::IsSitePath("//evil.example/"));
}

TEST(SecurityHeaders, PageGetsTheStrictPolicyAndJsonTheApiPolicy) {
  HttpResponse page;
  page.content_type = "text/html; charset=utf-8";
  ApplySecurityHeaders(&page);
  const std::string csp = HeaderOf(page, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("object-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("base-uri 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
  EXPECT_EQ(HeaderOf(page, "Cross-Origin-Opener-Policy"), "same-origin");
  EXPECT_EQ(HeaderOf(page, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(HeaderOf(page, "X-Content-Type-Options"), "nosniff");
  HttpResponse api = HttpResponse::Json(200, "{}");
  ApplySecurityHeaders(&api);
  EXPECT_EQ(HeaderOf(api, "Content-Security-Policy"), kApiPolicy);
}

}  // namespace
}  // namespace vigil::cloud::web
