// A small HTTP/1.1 server for the daemons' operational endpoints: Prometheus `/metrics`,
// health probes, the nurse station's local alarm feed (server-sent events).
//
// Beast and Asio stay inside http_server.cc: this header is plain C++, so that the code
// that serves pages does not pay for those headers (builds run on 2 cores).
//
// Threads: Start() runs one I/O thread. The handler runs on it, so it must not touch
// state owned by another thread without a lock (the gateway hands it a snapshot).
// Publish() may be called from any thread.
//
// Hostile clients (docs/operations.md): a request must arrive whole within
// `request_timeout_ms` (slow-loris), headers are bounded (431), bodies are bounded (413),
// the number of connections is bounded (503, then close), a malformed request gets 400
// and the connection is closed. A handler that throws gets a bare 500: no exception text,
// no internal detail leaves the process.
//
// TLS (docs/tls.md), when Options::tls is set: TLS 1.3 only (an older client fails the
// handshake), ALPN "http/1.1" (a client that offers only other protocols fails it too),
// optionally a client certificate required and verified against a CA file. The handshake
// must finish within `handshake_timeout_ms` (counted in `timeouts`, like a slow request);
// bytes that are not a TLS ClientHello (plain HTTP sent to the TLS port) close the
// connection and count in `plain_http_refused`. Every other limit above holds the same
// over TLS. ReloadTls() re-reads the certificate and key: connections accepted after it
// returns get the new ones, open connections keep theirs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace vigil {

struct HttpRequest {
  std::string method;  // as sent: "GET", "HEAD", ...
  std::string path;    // the target up to '?', not percent-decoded
  std::string query;   // after '?', raw; empty if none
  std::string body;
  std::string remote;                                        // "ip:port" of the client
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  bool tls = false;       // the connection is TLS (HttpServer::Options::tls set)
  std::string client_cn;  // subject CN of the verified client certificate; else empty

  // The first header of that (lower-case) name, or empty.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Added to the defaults, replacing a default of the same name: every response carries
  // Cache-Control: no-store, X-Content-Type-Options: nosniff, X-Frame-Options: DENY,
  // Content-Security-Policy: default-src 'none', Referrer-Policy: no-referrer, and over
  // TLS also Strict-Transport-Security (docs/tls.md says why each).
  std::vector<std::pair<std::string, std::string>> headers;
  // A handler that admits a server-sent-events request sets this (and status 200) instead
  // of a body: the connection then follows the stream of that name, created on first use,
  // with the replay, queue and ping rules of AddStream(). The handler decides who may
  // follow; the server never runs it again for that connection, so a stream that must be
  // re-authorised is bounded by Options::stream_max_lifetime_ms (the client reconnects
  // with Last-Event-ID and passes the handler again).
  std::string stream;

  static HttpResponse Text(int status, std::string body);
  static HttpResponse Json(int status, std::string body);
};

class HttpServer {
 public:
  struct TlsOptions {
    std::string cert_chain;  // PEM, the server certificate first, then intermediates
    std::string key;         // PEM private key of cert_chain; mode 0600 (else refused)
    // PEM CA certificate(s). Non-empty: a client certificate issued by one of them, for
    // clientAuth, is required; its subject CN reaches the handler as client_cn.
    std::string client_ca;
    int handshake_timeout_ms = 10'000;  // from accept to a finished handshake
    int hsts_max_age_s = 31'536'000;    // Strict-Transport-Security max-age (one year)
  };
  struct Options {
    std::string listen = "127.0.0.1:0";  // "host:port"; port 0 picks a free one
    size_t max_connections = 64;
    size_t max_header_bytes = 8 * 1024;
    size_t max_body_bytes = 64 * 1024;
    int request_timeout_ms = 10'000;  // to receive one whole request; also keep-alive idle
    int write_timeout_ms = 10'000;    // a reader that takes longer is dropped
    size_t stream_replay = 512;       // events kept per stream for Last-Event-ID
    size_t stream_max_queued = 256;   // unsent events per client before it is dropped
    int stream_ping_ms = 15'000;      // comment line that keeps idle proxies open
    int stream_max_lifetime_ms = 0;   // a follower is closed after this long; 0: never
    // The first event id of every stream. A process that starts its ids above any id an
    // earlier process gave (e.g. at the wall clock in microseconds) lets a client that
    // reconnects after a restart with an old Last-Event-ID receive every new event.
    uint64_t stream_first_id = 1;
    std::optional<TlsOptions> tls;  // unset: plain HTTP (loopback management ports)
  };
  struct Stats {
    uint64_t requests = 0;
    uint64_t bad_requests = 0;            // 400, 413, 431; a broken TLS record
    uint64_t refused_connections = 0;     // over max_connections
    uint64_t timeouts = 0;                // request not received in time
    uint64_t handler_failures = 0;        // handler threw: 500
    uint64_t stream_clients = 0;          // following a stream now
    uint64_t stream_dropped_clients = 0;  // too slow: disconnected
    uint64_t stream_expired_clients = 0;  // closed at stream_max_lifetime_ms
    uint64_t stream_events = 0;           // events published to a stream
    uint64_t tls_handshakes = 0;          // finished TLS handshakes
    uint64_t tls_handshake_failures = 0;  // old version, bad or missing client cert, ...
    uint64_t plain_http_refused = 0;      // not TLS on the TLS port: closed
  };
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  HttpServer();
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // A server-sent-events stream at `path` (GET). Before Start(). Every event published
  // gets the next id; a client that reconnects with Last-Event-ID receives what it missed
  // if it is still among the last `stream_replay` events.
  void AddStream(std::string path);
  // Sends `data` (one line of text, e.g. JSON; newlines are split into data: lines) as
  // event type `event` to every follower of `path` (a stream of AddStream() or one a
  // handler named in HttpResponse::stream; a name nobody follows yet is created, so its
  // ring holds the events for the first follower's Last-Event-ID). Thread-safe; never
  // blocks on clients: the event is handed to the I/O thread, and each follower has its
  // own bounded queue (stream_max_queued; a follower that falls behind is dropped).
  void Publish(std::string_view path, std::string_view event, std::string_view data);

  // Binds and starts the I/O thread. Errors: kInvalidArgument (bad address; with TLS, a
  // certificate, key or CA file that does not parse, or a key that does not belong to
  // the certificate), kNotFound (a TLS file is missing), kInvalidState (the key file is
  // readable by group or others), kIo (cannot bind), with `why` set naming the file.
  // Not restartable.
  Error Start(const Options& options, Handler handler, std::string* why);
  // Re-reads Options::tls's files (e.g. after the certificate was renewed). Thread-safe.
  // On error (same kinds as Start) the server keeps serving the previous certificate.
  // kInvalidState when the server was not started with TLS.
  Error ReloadTls(std::string* why);
  // Streams named by handlers are capped: a Publish to a new name beyond this many
  // streams is dropped (a handler that names streams from request data cannot grow the
  // server without bound).
  static constexpr size_t kMaxStreams = 1024;
  void Stop();  // closes every connection and joins the thread; idempotent
  uint16_t port() const;
  Stats stats() const;  // thread-safe

 private:
  friend class HttpSession;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil
