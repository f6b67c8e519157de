// For tests and benchmarks only: a blocking TLS client over a loopback socket, built on
// OpenSSL, so that the server is exercised by a real TLS stack.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::testing {

inline int ConnectLoopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  // A receive bound, so that a server bug fails the test instead of hanging it.
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
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

// One TLS connection. Connect() does the handshake; Exchange() sends a request and reads
// one response (up to the end of its body when Content-Length is given, else to close).
class TlsTestConnection {
 public:
  // OpenSSL writes with send() without MSG_NOSIGNAL: a server that closes first would
  // kill the test process with SIGPIPE instead of failing the write.
  explicit TlsTestConnection(SSL_CTX* ctx) : ctx_(ctx) { ::signal(SIGPIPE, SIG_IGN); }
  ~TlsTestConnection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) close(fd_);
  }
  TlsTestConnection(const TlsTestConnection&) = delete;
  TlsTestConnection& operator=(const TlsTestConnection&) = delete;

  bool Connect(uint16_t port, const std::string& sni = "localhost") {
    fd_ = ConnectLoopback(port);
    if (fd_ < 0) return false;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (!sni.empty()) SSL_set_tlsext_host_name(ssl_, sni.c_str());
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(ssl_, kAlpn, sizeof(kAlpn));
    if (SSL_connect(ssl_) != 1) {
      ERR_clear_error();
      return false;
    }
    return true;
  }

  // The response, or empty if the connection failed before one arrived.
  std::string Exchange(std::string_view request) {
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) {
      ERR_clear_error();
      return {};
    }
    std::string out;
    char buf[4096];
    while (true) {
      const int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
      const size_t end = out.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      const size_t cl = out.find("Content-Length: ");
      if (cl == std::string::npos || cl > end) continue;
      const size_t len = std::stoul(out.substr(cl + 16));
      if (out.size() >= end + 4 + len) break;
    }
    ERR_clear_error();
    return out;
  }

  // Sends `request`, then reads until `until` has arrived or the connection ends.
  std::string ReadUntil(std::string_view request, std::string_view until) {
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) {
      ERR_clear_error();
      return {};
    }
    std::string out;
    char buf[4096];
    while (out.find(until) == std::string::npos) {
      const int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ERR_clear_error();
    return out;
  }

  long verify_result() const { return SSL_get_verify_result(ssl_); }
  int version() const { return SSL_version(ssl_); }
  std::string alpn() const {
    const unsigned char* p = nullptr;
    unsigned int n = 0;
    SSL_get0_alpn_selected(ssl_, &p, &n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  // SHA-256 of the server's certificate, as raw bytes.
  std::string PeerDigest() const {
    X509* peer = SSL_get0_peer_certificate(ssl_);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (peer == nullptr || X509_digest(peer, EVP_sha256(), md, &n) != 1) return {};
    return std::string(reinterpret_cast<char*>(md), n);
  }

 private:
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

}  // namespace vigil::testing
