#include "daemon/tls_client.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/private_file.h"

namespace vigil {
namespace {

int64_t AsUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

Error Missing(const char* what, const std::string& path, std::string* why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (why) *why = std::string(what) + " " + path + ": " + std::strerror(errno);
    return errno == ENOENT ? Error::kNotFound : Error::kIo;
  }
  return Error::kOk;
}

}  // namespace

std::string TakeOpenSslError() {
  unsigned long last = 0, e;
  while ((e = ERR_get_error()) != 0) last = e;
  if (last == 0) return "no detail from OpenSSL";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof(buf));
  return buf;
}

Error BuildTlsClientContext(const TlsClientFiles& files, std::string_view server_name,
                            SslCtxPtr* out, TlsIdentity* identity, std::string* why) {
  ERR_clear_error();
  if (server_name.empty()) {
    if (why) *why = "no server name to check the broker's certificate against";
    return Error::kInvalidArgument;
  }
  if (Error e = Missing("CA file", files.ca, why); e != Error::kOk) return e;
  if (!files.cert.empty()) {
    if (Error e = Missing("certificate", files.cert, why); e != Error::kOk) return e;
    if (Error e = CheckOwnerOnly(files.key, why); e != Error::kOk) {
      if (why) *why = "key " + *why;
      return e;
    }
  }
  if (!files.crl.empty())
    if (Error e = Missing("CRL", files.crl, why); e != Error::kOk) return e;

  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    if (why) *why = "cannot create a TLS context: " + TakeOpenSslError();
    return Error::kCrypto;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_load_verify_file(ctx.get(), files.ca.c_str()) != 1) {
    if (why) *why = "CA file " + files.ca + ": " + TakeOpenSslError();
    return Error::kInvalidArgument;
  }
  if (!files.crl.empty()) {
    BIO* bio = BIO_new_file(files.crl.c_str(), "r");
    int loaded = 0;
    if (bio != nullptr) {
      X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
      while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
        loaded += X509_STORE_add_crl(store, crl) == 1;
        X509_CRL_free(crl);
      }
      BIO_free(bio);
    }
    ERR_clear_error();  // the end of the file is reported as an error
    if (loaded == 0) {
      if (why) *why = "CRL " + files.crl + ": no PEM revocation list in it";
      return Error::kInvalidArgument;
    }
    X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx.get()), X509_V_FLAG_CRL_CHECK);
  }
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx.get());
  const std::string name(server_name);
  in6_addr a6{};
  in_addr a4{};
  const bool is_ip =
      inet_pton(AF_INET, name.c_str(), &a4) == 1 || inet_pton(AF_INET6, name.c_str(), &a6) == 1;
  const int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  if (set != 1) {
    if (why) *why = "server name \"" + name + "\": " + TakeOpenSslError();
    return Error::kInvalidArgument;
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);

  TlsIdentity id;
  if (!files.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert.c_str()) != 1) {
      if (why) *why = "certificate " + files.cert + ": " + TakeOpenSslError();
      return Error::kInvalidArgument;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      if (why) *why = "key " + files.key + ": " + TakeOpenSslError();
      return Error::kInvalidArgument;
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      if (why) *why = "key " + files.key + " does not belong to certificate " + files.cert;
      return Error::kInvalidArgument;
    }
    X509* leaf = SSL_CTX_get0_certificate(ctx.get());
    char cn[256] = {};
    if (leaf != nullptr) {
      X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, cn, sizeof(cn));
      id.not_before_unix = AsUnix(X509_get0_notBefore(leaf));
      id.not_after_unix = AsUnix(X509_get0_notAfter(leaf));
    }
    id.common_name = cn;
  }
  ERR_clear_error();
  if (identity) *identity = id;
  *out = std::move(ctx);
  return Error::kOk;
}

}  // namespace vigil
