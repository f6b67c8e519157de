// The API as `vigil cloud serve` runs it: its own database connection and keyring, the
// stores, the local CA's certificate (created on first run, renewed when due), and the
// HTTPS listener (TLS 1.3 only) that feeds ApiService (docs/api.md, "Running it") and
// serves the dashboard's files (web/static_site.h) and its ward streams
// (web/ward_events.h), every answer with the headers of web/security_headers.h.
//
// Threads: the HTTP server's I/O thread runs every request; it alone uses the API's
// database connection. A stream's follower costs that thread nothing between events.
// Start and Stop from one thread; commit_observer() may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cloud/api/api_service.h"
#include "cloud/crypto/master_key.h"
#include "cloud/ingest/committed.h"
#include "common/error.h"
#include "daemon/log.h"

namespace vigil::cloud::api {

struct ApiRuntimeOptions {
  std::string listen = "127.0.0.1:8443";
  std::string ca_dir = "cloud-ca";  // the local CA's state (docs/tls.md)
  std::vector<std::string> names;   // extra names of the server certificate
  std::string public_base;          // default: https://<listen>
  std::string site = "vigil";
  size_t max_body_bytes = 1024 * 1024;  // ingest batches
  size_t max_connections = 4096;        // a live dashboard holds one while open
  int request_timeout_ms = 10'000;
  auth::SessionConfig sessions;        // idle and absolute timeouts
  auth::Argon2Params password_params;  // new password hashes
  std::string mfa_issuer;              // shown by authenticator apps; default "Vigil <site>"
  // The built dashboard (scripts/web.sh); empty: web::DefaultWebDir(). Not found: the API
  // runs without it and says so in the log.
  std::string web_dir;
  // A ward stream is closed after this long, so its follower passes the policy again on
  // reconnecting (a session revoked meanwhile ends its streams by then).
  int stream_lifetime_ms = 15 * 60 * 1000;
};

class ApiRuntime {
 public:
  ApiRuntime();
  ~ApiRuntime();  // Stop()s
  ApiRuntime(const ApiRuntime&) = delete;
  ApiRuntime& operator=(const ApiRuntime&) = delete;

  // Opens `db_url` (migrated already), the keyring under `masters`, the CA, and listens.
  // Errors: kInvalidArgument (options), kIo (bind), kCrypto (CA or keys), with `why`.
  Error Start(const ApiRuntimeOptions& options, const std::string& db_url,
              std::vector<MasterKey> masters, Logger* log, std::string* why);
  void Stop();

  uint16_t port() const;
  const ApiStats* stats() const;
  std::string ca_cert_path() const;
  // Feeds the ward streams from an ingester of another connection (the broker's); the
  // HTTPS ingest is fed already. Valid while the runtime lives; empty before Start.
  CommitObserver commit_observer();
  // The dashboard's directory ("" when it is not served).
  std::string web_dir() const;
  // Prometheus text of the API and its listener.
  std::string Metrics() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace vigil::cloud::api
