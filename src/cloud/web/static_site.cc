#include "cloud/web/static_site.h"

#include <openssl/evp.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/hex.h"

namespace vigil::cloud::web {
namespace fs = std::filesystem;
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kTypes = {{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json"},
}};

std::string Etag(std::string_view body) {
  uint8_t d[32];
  EVP_Digest(body.data(), body.size(), d, nullptr, EVP_sha256(), nullptr);
  return "\"" + ToHex(ByteSpan(d, 16)) + "\"";
}

HttpResponse JsonError(int status, std::string_view code) {
  return HttpResponse::Json(status, "{\"error\":\"" + std::string(code) + "\"}\n");
}

// If-None-Match holds `etag` (a list, or "*").
bool Matches(std::string_view header, std::string_view etag) {
  if (header == "*") return true;
  size_t i = 0;
  while (i < header.size()) {
    size_t j = header.find(',', i);
    if (j == std::string_view::npos) j = header.size();
    std::string_view t = header.substr(i, j - i);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    if (t.starts_with("W/")) t.remove_prefix(2);
    if (t == etag) return true;
    i = j + 1;
  }
  return false;
}

bool HasIndex(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "index.html", ec);
}

}  // namespace

std::string_view ContentTypeOf(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  const std::string_view ext = name.substr(dot);
  for (const auto& [e, t] : kTypes)
    if (e == ext) return t;
  return {};
}

Error StaticSite::Load(const std::string& dir, std::string* why) {
  std::error_code ec;
  const fs::path root(dir);
  if (!fs::is_directory(root, ec) || !HasIndex(root)) {
    if (why) *why = "web directory " + dir + ": missing or without index.html";
    return Error::kNotFound;
  }
  std::map<std::string, StaticFile, std::less<>> files;
  size_t total = 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& e = *it;
    if (e.is_symlink(ec)) {
      if (e.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!e.is_regular_file(ec)) continue;
    const std::string rel = fs::relative(e.path(), root, ec).generic_string();
    if (ec || rel.empty() || rel.starts_with("..")) continue;
    const std::string_view type = ContentTypeOf(rel);
    if (type.empty()) continue;
    if (files.size() >= kMaxFiles) {
      if (why) *why = "web directory " + dir + ": more than 512 files";
      return Error::kInvalidArgument;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in.good() && !in.eof()) {
      if (why) *why = "web file " + e.path().string() + ": cannot be read";
      return Error::kIo;
    }
    StaticFile f;
    f.content_type = std::string(type);
    f.body = body.str();
    total += f.body.size();
    if (total > kMaxTotalBytes) {
      if (why) *why = "web directory " + dir + ": more than 32 MiB";
      return Error::kInvalidArgument;
    }
    f.etag = Etag(f.body);
    files.emplace(rel, std::move(f));
  }
  if (ec) {
    if (why) *why = "web directory " + dir + ": " + ec.message();
    return Error::kIo;
  }
  files_ = std::move(files);
  dir_ = dir;
  return Error::kOk;
}

bool StaticSite::IsSitePath(std::string_view path) {
  return path == "/" || path == "/index.html" || path.starts_with("/assets/");
}

HttpResponse StaticSite::Serve(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = JsonError(405, "method_not_allowed");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view name = request.path;
  name.remove_prefix(1);
  if (name.empty()) name = "index.html";
  const auto it = files_.find(name);
  if (it == files_.end()) return JsonError(404, "not_found");
  const StaticFile& f = it->second;
  HttpResponse r;
  r.content_type = f.content_type;
  // Revalidated every time (no-cache), answered by a 304 when unchanged: a deployment
  // takes effect at the next load, and a page never runs a stale script with a new API.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("ETag", f.etag);
  if (Matches(request.Header("if-none-match"), f.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = f.body;
  return r;
}

std::string DefaultWebDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path bin = exe.parent_path();
  for (const fs::path& p : {bin / "web", bin / ".." / "share" / "vigil" / "web"}) {
    if (HasIndex(p)) return fs::weakly_canonical(p, ec).string();
  }
  return "";
}

}  // namespace vigil::cloud::web
