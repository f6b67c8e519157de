#include "daemon/https_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "daemon/tls_client.h"

namespace vigil {
namespace {

constexpr size_t kMaxResponse = 4u << 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Parses status line and headers; true once the whole body (Content-Length, or up to
// the end of the stream when `eof`) has arrived.
bool Parse(const std::string& raw, bool eof, HttpExchange* out) {
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  out->headers.clear();
  size_t pos = raw.find("\r\n");
  const std::string status_line = raw.substr(0, pos);
  const size_t sp = status_line.find(' ');
  if (sp == std::string::npos || status_line.compare(0, 5, "HTTP/") != 0) {
    out->error = "not an HTTP response";
    return true;
  }
  out->status = std::atoi(status_line.c_str() + sp + 1);
  long length = -1;
  while (pos < end) {
    const size_t next = raw.find("\r\n", pos + 2);
    const std::string line = raw.substr(pos + 2, next - pos - 2);
    pos = next;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    std::string name = Lower(line.substr(0, colon));
    if (name == "content-length") length = std::atol(value.c_str());
    out->headers.emplace_back(std::move(name), std::move(value));
  }
  const size_t have = raw.size() - end - 4;
  if (length >= 0 && have < static_cast<size_t>(length)) return false;
  if (length < 0 && !eof) return false;
  out->body = raw.substr(end + 4, length >= 0 ? static_cast<size_t>(length) : std::string::npos);
  return true;
}

int Connect(uint16_t port, int timeout_ms, const std::string& source, std::string* why) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      *why = "bind " + source + ": " + std::strerror(errno);
      ::close(fd);
      return -1;
    }
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    *why = "connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string HttpExchange::Header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return "";
}

HttpExchange HttpFetch(const HttpTarget& t, const std::string& method, const std::string& path,
                       const std::vector<std::string>& headers, const std::string& body) {
  HttpExchange out;
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + t.host + ":" +
                    std::to_string(t.port) + "\r\nConnection: close\r\n";
  for (const std::string& h : headers) req += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;

  const int fd = Connect(t.port, t.timeout_ms, t.source, &out.error);
  if (fd < 0) return out;
  std::string raw;
  char buf[16384];
  if (t.ca.empty()) {
    size_t sent = 0;
    while (sent < req.size()) {
      const ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        out.error = std::string("send: ") + std::strerror(errno);
        ::close(fd);
        return out;
      }
      sent += static_cast<size_t>(n);
    }
    while (raw.size() < kMaxResponse) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      raw.append(buf, static_cast<size_t>(n));
      if (Parse(raw, false, &out)) break;
    }
    ::close(fd);
  } else {
    SslCtxPtr ctx;
    TlsClientFiles files;
    files.ca = t.ca;
    if (BuildTlsClientContext(files, t.host, &ctx, nullptr, &out.error) != Error::kOk) {
      ::close(fd);
      return out;
    }
    SSL* ssl = SSL_new(ctx.get());
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, t.host.c_str());
    if (SSL_connect(ssl) != 1) {
      out.error = "TLS handshake: " + TakeOpenSslError();
      SSL_free(ssl);
      ::close(fd);
      return out;
    }
    if (SSL_write(ssl, req.data(), static_cast<int>(req.size())) <= 0) {
      out.error = "TLS write: " + TakeOpenSslError();
    } else {
      while (raw.size() < kMaxResponse) {
        const int n = SSL_read(ssl, buf, sizeof(buf));
        if (n <= 0) break;
        raw.append(buf, static_cast<size_t>(n));
        if (Parse(raw, false, &out)) break;
      }
    }
    ERR_clear_error();
    SSL_shutdown(ssl);
    SSL_free(ssl);
    ::close(fd);
  }
  if (out.status == 0 && out.error.empty()) {
    if (!Parse(raw, true, &out) && out.error.empty())
      out.error = raw.empty() ? "no response" : "truncated response";
  }
  return out;
}

}  // namespace vigil
