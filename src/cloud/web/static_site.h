// The dashboard's files (docs/dashboard.md, "Serving"), as `vigil cloud serve` answers
// them on the API's listener: GET and HEAD of "/" (index.html), "/index.html" and
// "/assets/...". Every other path belongs to the API.
//
// Load() reads the whole directory once, at start: the files are few and small, an
// answer never touches the disk, and no request can name a file that was not there
// then. A path is looked up by exact name among the loaded files, so "..", "%2e%2e",
// a symlink or a device file can never be served (symlinks and anything but regular
// files are skipped at load). Only known extensions are loaded, each with its
// Content-Type; the ETag is a digest of the bytes, and If-None-Match gets a 304.
//
// Not thread-safe for Load; Serve is const and may run on any thread once loaded.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "daemon/http_server.h"

namespace vigil::cloud::web {

struct StaticFile {
  std::string content_type;
  std::string body;
  std::string etag;  // "\"<hex>\"" (a strong validator)
};

class StaticSite {
 public:
  static constexpr size_t kMaxFiles = 512;
  static constexpr size_t kMaxTotalBytes = 32u << 20;

  // Errors: kNotFound (no directory, or no index.html in it), kInvalidArgument (more than
  // kMaxFiles files or kMaxTotalBytes bytes), kIo (a file cannot be read); `why` names it.
  Error Load(const std::string& dir, std::string* why);

  // True for the paths the site answers (see the top of this file).
  static bool IsSitePath(std::string_view path);
  // The answer to a request for a site path: the file, a 304, a 404 or a 405.
  HttpResponse Serve(const HttpRequest& request) const;

  bool loaded() const { return !files_.empty(); }
  size_t file_count() const { return files_.size(); }
  const std::string& dir() const { return dir_; }

 private:
  std::map<std::string, StaticFile, std::less<>> files_;  // "index.html", "assets/app.js"
  std::string dir_;
};

// The Content-Type for a file name's extension; empty for an extension the site does not
// serve.
std::string_view ContentTypeOf(std::string_view name);

// Where `vigil cloud serve` finds the built dashboard when --web-dir is not given: "web"
// beside the executable (the build directory, where scripts/web.sh puts it), then
// "../share/vigil/web" from it (an installed tree). Empty when neither has index.html.
std::string DefaultWebDir();

}  // namespace vigil::cloud::web
