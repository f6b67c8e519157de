// The TLS client context of the uplink (docs/uplink.md, "TLS"): TLS 1.3 only, the
// broker's CA pinned (that file only: no system trust store), the broker's name checked
// against its certificate, optionally the CA's revocation list checked against it, and
// this gateway's certificate and key. Built from the files each time it is called, so
// that a reload picks up renewed files; an SSL_CTX already handed to a connection is
// not changed.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace vigil {

struct TlsClientFiles {
  std::string ca;    // PEM, one or more CA certificates (required)
  std::string cert;  // PEM chain, leaf first (empty: no client certificate)
  std::string key;   // PEM private key of `cert`, mode 0600 (required with `cert`)
  std::string crl;   // PEM CRL(s) of the CA (empty: no revocation check)
};

// What the client certificate says about this gateway.
struct TlsIdentity {
  std::string common_name;  // empty without a certificate
  int64_t not_before_unix = 0;
  int64_t not_after_unix = 0;
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Builds the context. `server_name` is a DNS name (matched against the certificate's
// DNS SANs) or a numeric address (matched against its IP SANs).
// Errors: kNotFound (a file is missing), kInvalidState (the key is readable by group or
// others), kInvalidArgument (a file does not parse, the key does not match the
// certificate, an empty server name), kCrypto (OpenSSL failed otherwise); `why` names
// the file and OpenSSL's reason.
Error BuildTlsClientContext(const TlsClientFiles& files, std::string_view server_name,
                            SslCtxPtr* out, TlsIdentity* identity, std::string* why);

// The last OpenSSL error queued on this thread, as text, and the queue cleared.
std::string TakeOpenSslError();

}  // namespace vigil
