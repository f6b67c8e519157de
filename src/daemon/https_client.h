// A small blocking HTTP/1.1 client for loopback services: one request per connection
// (Connection: close), over TLS 1.3 with one pinned CA (no system trust store) and the
// server's name checked, or in plain text for a management port. `vigil demo` uses it to
// wait for the cloud, to log in, to read the summary back from the API, and as the
// brute-force intruder of the login route.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace vigil {

struct HttpExchange {
  int status = 0;  // 0: no response (connection, TLS or parse failure: see `error`)
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string error;
  // The first header of that (lower-case) name, or "".
  std::string Header(const std::string& name) const;
};

struct HttpTarget {
  uint16_t port = 0;               // on 127.0.0.1
  std::string ca;                  // PEM file of the CA to trust; empty: plain HTTP
  std::string host = "localhost";  // SNI, Host header and the name the certificate must carry
  int timeout_ms = 5000;           // per connect, read and write
  // The client's own address (a 127.x.y.z: another host as the server sees it); empty:
  // the kernel's choice.
  std::string source;
};

// Sends `method path` with `headers` ("Name: value" lines) and `body`; reads the whole
// response (up to 4 MiB). REQUIRES: SIGPIPE ignored (OpenSSL writes with plain send(), so a
// server that closes first would otherwise kill the caller instead of failing the write).
HttpExchange HttpFetch(const HttpTarget& target, const std::string& method, const std::string& path,
                       const std::vector<std::string>& headers = {}, const std::string& body = "");

}  // namespace vigil
