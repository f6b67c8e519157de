// The cloud's local certificate authority (docs/tls.md): on first run in a state
// directory it generates a CA and a server certificate signed by it; on later runs it
// reuses them, renewing the server certificate when it nears expiry or when the
// configured names change. It also issues client certificates for gateways that ingest
// over HTTPS. A hospital with its own PKI does not use this: it points the listeners at
// its own files instead.
//
// Files in `dir` (created 0700 if missing):
//   ca.crt      the CA certificate (mode 0644): give this to clients to trust the service
//   ca.key      its private key (0600)
//   server.crt  the server certificate (0644), signed by ca.key
//   server.key  its private key (0600); kept across renewals, so that a renewal rewrites
//               one file atomically and a crash cannot leave a key beside a foreign cert
//   clients/<gateway id>.crt, .key   issued by IssueClientCertificate()
//
// Refusals name the file. A half pair (a key without its certificate or the reverse), a
// file that does not parse, a key that does not match its certificate, a server
// certificate not signed by ca.key, a CA certificate that is not a CA, and a key readable
// by group or others are refused and nothing is overwritten: the operator decides
// (docs/tls.md, "Recovering"). An expired CA is refused too: replacing it silently would
// break every client that trusts the old one.
//
// Time: `now_unix` is passed in (tests and the simulator move it); nothing here reads the
// clock. Not thread-safe; one process owns a state directory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::cloud {

enum class LocalCaError : uint8_t {
  kOk = 0,
  kInvalidArgument,  // the configuration: a bad name, site, gateway id or lifetime
  kIo,               // cannot create the directory or write a file
  kDamaged,          // a file does not parse, half a pair is missing, a CA that is not one
  kKeyMismatch,      // a key does not belong to its certificate, or a cert not from our CA
  kKeyExposed,       // a key file that group or others may read (chmod 600 it)
  kExpired,          // the CA certificate has expired
  kCrypto,           // OpenSSL failed (not the files' fault)
};
std::string_view LocalCaErrorName(LocalCaError e);

struct LocalCaConfig {
  std::string dir;   // state directory
  std::string site;  // the CA is named "Vigil local CA <site>"; 1..64 printable chars
  // Subject alternative names of the server certificate besides localhost, 127.0.0.1
  // and ::1: DNS names (letters, digits, '-', '.', a leading "*." allowed) or IP addresses.
  std::vector<std::string> names;
  int ca_days = 3650;
  int server_days = 90;
  int renew_before_days = 30;  // renew the server certificate this close to expiry
};

struct LocalCa {
  std::string ca_cert_path;  // the trust anchor to export to clients
  std::string server_cert_path;
  std::string server_key_path;
  std::string ca_fingerprint_sha256;  // hex of the DER certificate's SHA-256
  int64_t server_not_after_unix = 0;
  bool ca_created = false;      // this call generated the CA
  bool server_renewed = false;  // this call issued the server certificate
};

// Creates or reuses the CA and server certificate in config.dir (see the top of the file).
// REQUIRES: config.server_days > config.renew_before_days >= 0.
LocalCaError EnsureLocalCa(const LocalCaConfig& config, int64_t now_unix, LocalCa* out,
                           std::string* why);

struct ClientCertificate {
  std::string cert_path;  // clients/<gateway id>.crt
  std::string key_path;   // clients/<gateway id>.key (0600)
  int64_t not_after_unix = 0;
};

// Issues (or re-issues, with a new key) a clientAuth certificate with CN = gateway_id,
// signed by the CA that EnsureLocalCa() set up in config.dir. gateway_id: 1..64 of
// [A-Za-z0-9._-]. Errors as EnsureLocalCa; kNotFound-like absence of the CA is kDamaged.
LocalCaError IssueClientCertificate(const LocalCaConfig& config, std::string_view gateway_id,
                                    int64_t now_unix, int days, ClientCertificate* out,
                                    std::string* why);

}  // namespace vigil::cloud
