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
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

  // The first header of that (lower-case) name, or empty.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // added to the defaults

  static HttpResponse Text(int status, std::string body);
  static HttpResponse Json(int status, std::string body);
};

class HttpServer {
 public:
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
  };
  struct Stats {
    uint64_t requests = 0;
    uint64_t bad_requests = 0;            // 400, 413, 431
    uint64_t refused_connections = 0;     // over max_connections
    uint64_t timeouts = 0;                // request not received in time
    uint64_t handler_failures = 0;        // handler threw: 500
    uint64_t stream_clients = 0;          // following a stream now
    uint64_t stream_dropped_clients = 0;  // too slow: disconnected
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
  // event type `event` to every follower of `path`. Thread-safe; never blocks on clients.
  void Publish(std::string_view path, std::string_view event, std::string_view data);

  // Binds and starts the I/O thread. Errors: kInvalidArgument (bad address),
  // kIo (cannot bind), with `why` set. Not restartable.
  Error Start(const Options& options, Handler handler, std::string* why);
  void Stop();  // closes every connection and joins the thread; idempotent
  uint16_t port() const;
  Stats stats() const;  // thread-safe

 private:
  friend class HttpSession;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil
