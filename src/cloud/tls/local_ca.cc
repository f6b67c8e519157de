#include "cloud/tls/local_ca.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <set>

#include "common/hex.h"
#include "common/private_file.h"

namespace vigil::cloud {

std::string_view LocalCaErrorName(LocalCaError e) {
  switch (e) {
    case LocalCaError::kOk:
      return "ok";
    case LocalCaError::kInvalidArgument:
      return "invalid_argument";
    case LocalCaError::kIo:
      return "io";
    case LocalCaError::kDamaged:
      return "damaged";
    case LocalCaError::kKeyMismatch:
      return "key_mismatch";
    case LocalCaError::kKeyExposed:
      return "key_exposed";
    case LocalCaError::kExpired:
      return "expired";
    case LocalCaError::kCrypto:
      return "crypto";
  }
  return "unknown";
}

namespace {

constexpr int64_t kDay = 86'400;
constexpr size_t kMaxPemBytes = 64 * 1024;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

LocalCaError Fail(LocalCaError e, std::string message, std::string* why) {
  ERR_clear_error();
  if (why) *why = std::move(message);
  return e;
}

int64_t AsUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The names a server certificate must carry, normalised (IP addresses in inet_ntop form).
std::optional<std::string> NormaliseName(const std::string& n) {
  in_addr a4{};
  in6_addr a6{};
  char buf[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, n.c_str(), &a4) == 1)
    return "IP:" + std::string(inet_ntop(AF_INET, &a4, buf, sizeof(buf)));
  if (inet_pton(AF_INET6, n.c_str(), &a6) == 1)
    return "IP:" + std::string(inet_ntop(AF_INET6, &a6, buf, sizeof(buf)));
  std::string_view rest = n;
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  if (rest.empty() || rest.size() > 253 || rest.front() == '.' || rest.back() == '.' ||
      rest.front() == '-')
    return std::nullopt;
  for (char c : rest)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return std::nullopt;
  std::string lower = n;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return "DNS:" + lower;
}

LocalCaError WantedNames(const LocalCaConfig& c, std::set<std::string>* out, std::string* why) {
  std::vector<std::string> all = {"localhost", "127.0.0.1", "::1"};
  all.insert(all.end(), c.names.begin(), c.names.end());
  for (const auto& n : all) {
    auto norm = NormaliseName(n);
    if (!norm)
      return Fail(LocalCaError::kInvalidArgument,
                  "server name \"" + n + "\" is neither a DNS name nor an IP address", why);
    out->insert(*norm);
  }
  return LocalCaError::kOk;
}

std::set<std::string> CertNames(X509* cert) {
  std::set<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      const ASN1_STRING* s = g->d.dNSName;
      std::string v(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                    static_cast<size_t>(ASN1_STRING_length(s)));
      if (auto norm = NormaliseName(v)) out.insert(*norm);
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = g->d.iPAddress;
      char buf[INET6_ADDRSTRLEN] = {};
      const int len = ASN1_STRING_length(s);
      const int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
      if (af != 0 && inet_ntop(af, ASN1_STRING_get0_data(s), buf, sizeof(buf)) != nullptr)
        out.insert("IP:" + std::string(buf));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

LocalCaError ReadCert(const std::string& path, X509Ptr* out, std::string* why) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Fail(LocalCaError::kIo, "cannot read certificate " + path, why);
  std::string pem((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (pem.size() > kMaxPemBytes)
    return Fail(LocalCaError::kDamaged, "certificate " + path + " is too large", why);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert)
    return Fail(LocalCaError::kDamaged, "certificate " + path + " is damaged (no PEM certificate)",
                why);
  *out = std::move(cert);
  return LocalCaError::kOk;
}

LocalCaError ReadKey(const std::string& path, PkeyPtr* out, std::string* why) {
  std::vector<uint8_t> pem;
  std::string reason;
  const Error e = ReadPrivateFile(path, kMaxPemBytes, &pem, &reason);
  if (e == Error::kInvalidState) return Fail(LocalCaError::kKeyExposed, "key " + reason, why);
  if (e == Error::kCorrupt) return Fail(LocalCaError::kDamaged, "key " + reason, why);
  if (e != Error::kOk) return Fail(LocalCaError::kIo, "key " + reason, why);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key) return Fail(LocalCaError::kDamaged, "key " + path + " is damaged (no PEM key)", why);
  *out = std::move(key);
  return LocalCaError::kOk;
}

LocalCaError WriteKey(const std::string& path, EVP_PKEY* key, std::string* why) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Fail(LocalCaError::kCrypto, "cannot encode key " + path, why);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string reason;
  const Error e = WritePrivateFileAtomic(
      path, ByteSpan(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n)), true,
      &reason);
  OPENSSL_cleanse(data, static_cast<size_t>(n));
  if (e != Error::kOk) return Fail(LocalCaError::kIo, reason, why);
  return LocalCaError::kOk;
}

// Certificates are public: written atomically like a secret, then opened to everyone.
LocalCaError WriteCert(const std::string& path, X509* cert, std::string* why) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    return Fail(LocalCaError::kCrypto, "cannot encode certificate " + path, why);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string reason;
  if (WritePrivateFileAtomic(
          path, ByteSpan(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n)), true,
          &reason) != Error::kOk)
    return Fail(LocalCaError::kIo, reason, why);
  if (::chmod(path.c_str(), 0644) != 0)
    return Fail(LocalCaError::kIo, "cannot chmod " + path + ": " + std::strerror(errno), why);
  return LocalCaError::kOk;
}

PkeyPtr NewKey() { return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

bool AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

struct CertSpec {
  std::string cn;
  int64_t now = 0;
  int days = 0;
  std::vector<std::pair<int, std::string>> extensions;  // after SKI/AKI
};

// Builds and signs a certificate for `key`. issuer/issuer_key null: self-signed.
X509Ptr MakeCert(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return nullptr;
  // A random positive 127-bit serial (CA/B Forum asks for at least 64 random bits).
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return nullptr;
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  const bool serial_ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  if (!serial_ok) return nullptr;
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1, -1,
                                 0) != 1)
    return nullptr;
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) return nullptr;
  // An hour of back-dating absorbs clock skew between this host and its clients.
  const time_t from = static_cast<time_t>(spec.now - 3600);
  const time_t to = static_cast<time_t>(spec.now + spec.days * kDay);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), from) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), to) == nullptr)
    return nullptr;
  if (X509_set_pubkey(cert.get(), key) != 1) return nullptr;
  if (!AddExt(cert.get(), signer, NID_subject_key_identifier, "hash")) return nullptr;
  if (issuer != nullptr &&
      !AddExt(cert.get(), signer, NID_authority_key_identifier, "keyid:always"))
    return nullptr;
  for (const auto& [nid, value] : spec.extensions)
    if (!AddExt(cert.get(), signer, nid, value)) return nullptr;
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0)
    return nullptr;
  return cert;
}

struct Paths {
  std::string ca_cert, ca_key, server_cert, server_key, clients;
};
Paths PathsIn(const std::string& dir) {
  return {dir + "/ca.crt", dir + "/ca.key", dir + "/server.crt", dir + "/server.key",
          dir + "/clients"};
}

LocalCaError MakeDir(const std::string& path, std::string* why) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return LocalCaError::kOk;
  return Fail(LocalCaError::kIo, "cannot create " + path + ": " + std::strerror(errno), why);
}

// A pair present in full, absent in full, or refused.
LocalCaError PairState(const std::string& cert, const std::string& key, bool* present,
                       std::string* why) {
  const bool c = Exists(cert), k = Exists(key);
  if (c != k)
    return Fail(
        LocalCaError::kDamaged,
        (c ? key : cert) + " is missing beside " + (c ? cert : key) + "; remove both to start over",
        why);
  *present = c;
  return LocalCaError::kOk;
}

LocalCaError LoadPair(const std::string& cert_path, const std::string& key_path, X509Ptr* cert,
                      PkeyPtr* key, std::string* why) {
  if (LocalCaError e = ReadKey(key_path, key, why); e != LocalCaError::kOk) return e;
  if (LocalCaError e = ReadCert(cert_path, cert, why); e != LocalCaError::kOk) return e;
  if (X509_check_private_key(cert->get(), key->get()) != 1)
    return Fail(LocalCaError::kKeyMismatch,
                "key " + key_path + " does not belong to certificate " + cert_path, why);
  return LocalCaError::kOk;
}

LocalCaError CheckConfig(const LocalCaConfig& c, std::string* why) {
  if (c.dir.empty()) return Fail(LocalCaError::kInvalidArgument, "no state directory", why);
  if (c.site.empty() || c.site.size() > 64 ||
      !std::all_of(c.site.begin(), c.site.end(),
                   [](unsigned char ch) { return ch >= 0x20 && ch < 0x7f; }))
    return Fail(LocalCaError::kInvalidArgument, "site name must be 1..64 printable characters",
                why);
  if (c.ca_days <= 0 || c.server_days <= 0 || c.renew_before_days < 0 ||
      c.renew_before_days >= c.server_days)
    return Fail(LocalCaError::kInvalidArgument,
                "lifetimes must satisfy server_days > renew_before_days >= 0, ca_days > 0", why);
  return LocalCaError::kOk;
}

// The CA, created on first run, else loaded and checked.
LocalCaError LoadOrCreateCa(const LocalCaConfig& c, const Paths& p, int64_t now, X509Ptr* cert,
                            PkeyPtr* key, bool* created, std::string* why) {
  bool present = false;
  if (LocalCaError e = PairState(p.ca_cert, p.ca_key, &present, why); e != LocalCaError::kOk)
    return e;
  if (!present) {
    *key = NewKey();
    if (!*key) return Fail(LocalCaError::kCrypto, "cannot generate the CA key", why);
    CertSpec spec{"Vigil local CA " + c.site,
                  now,
                  c.ca_days,
                  {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                   {NID_key_usage, "critical,keyCertSign,cRLSign"}}};
    *cert = MakeCert(spec, key->get(), nullptr, nullptr);
    if (!*cert) return Fail(LocalCaError::kCrypto, "cannot build the CA certificate", why);
    // Key first: a crash in between leaves a half pair, which is refused, never a
    // certificate whose key is lost.
    if (LocalCaError e = WriteKey(p.ca_key, key->get(), why); e != LocalCaError::kOk) return e;
    if (LocalCaError e = WriteCert(p.ca_cert, cert->get(), why); e != LocalCaError::kOk) return e;
    *created = true;
    return LocalCaError::kOk;
  }
  if (LocalCaError e = LoadPair(p.ca_cert, p.ca_key, cert, key, why); e != LocalCaError::kOk)
    return e;
  if (X509_check_ca(cert->get()) == 0)
    return Fail(LocalCaError::kDamaged, "certificate " + p.ca_cert + " is not a CA", why);
  // Its own signature: a changed byte anywhere in the CA certificate is caught here,
  // before it is handed to clients as their trust anchor.
  if (X509_verify(cert->get(), key->get()) != 1)
    return Fail(LocalCaError::kDamaged,
                "certificate " + p.ca_cert + " is damaged (its signature does not verify)", why);
  if (AsUnix(X509_get0_notAfter(cert->get())) <= now)
    return Fail(LocalCaError::kExpired,
                "CA certificate " + p.ca_cert +
                    " has expired; every client must be given a new one (docs/tls.md)",
                why);
  return LocalCaError::kOk;
}

std::string SanValue(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ",";
    out += n;
  }
  return out;
}

}  // namespace

LocalCaError EnsureLocalCa(const LocalCaConfig& config, int64_t now_unix, LocalCa* out,
                           std::string* why) {
  ERR_clear_error();
  if (LocalCaError e = CheckConfig(config, why); e != LocalCaError::kOk) return e;
  std::set<std::string> wanted;
  if (LocalCaError e = WantedNames(config, &wanted, why); e != LocalCaError::kOk) return e;
  if (LocalCaError e = MakeDir(config.dir, why); e != LocalCaError::kOk) return e;
  const Paths p = PathsIn(config.dir);
  LocalCa result;
  X509Ptr ca;
  PkeyPtr ca_key;
  if (LocalCaError e = LoadOrCreateCa(config, p, now_unix, &ca, &ca_key, &result.ca_created, why);
      e != LocalCaError::kOk)
    return e;

  bool present = false;
  if (LocalCaError e = PairState(p.server_cert, p.server_key, &present, why);
      e != LocalCaError::kOk)
    return e;
  X509Ptr server;
  PkeyPtr server_key;
  bool renew = !present;
  if (present) {
    if (LocalCaError e = LoadPair(p.server_cert, p.server_key, &server, &server_key, why);
        e != LocalCaError::kOk)
      return e;
    if (X509_verify(server.get(), ca_key.get()) != 1)
      return Fail(LocalCaError::kKeyMismatch,
                  "certificate " + p.server_cert + " is not signed by the CA in " + p.ca_cert +
                      "; remove server.crt and server.key to issue a new one",
                  why);
    const int64_t not_after = AsUnix(X509_get0_notAfter(server.get()));
    renew = not_after - now_unix <= config.renew_before_days * kDay ||
            CertNames(server.get()) != wanted;
  } else {
    server_key = NewKey();
    if (!server_key) return Fail(LocalCaError::kCrypto, "cannot generate the server key", why);
  }
  if (renew) {
    CertSpec spec{"Vigil cloud " + config.site,
                  now_unix,
                  config.server_days,
                  {{NID_basic_constraints, "critical,CA:FALSE"},
                   {NID_key_usage, "critical,digitalSignature"},
                   {NID_ext_key_usage, "serverAuth"},
                   {NID_subject_alt_name, SanValue(wanted)}}};
    server = MakeCert(spec, server_key.get(), ca.get(), ca_key.get());
    if (!server) return Fail(LocalCaError::kCrypto, "cannot build the server certificate", why);
    if (!present)
      if (LocalCaError e = WriteKey(p.server_key, server_key.get(), why); e != LocalCaError::kOk)
        return e;
    if (LocalCaError e = WriteCert(p.server_cert, server.get(), why); e != LocalCaError::kOk)
      return e;
    result.server_renewed = true;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(ca.get(), EVP_sha256(), md, &md_len) != 1)
    return Fail(LocalCaError::kCrypto, "cannot hash the CA certificate", why);
  result.ca_fingerprint_sha256 = ToHex(ByteSpan(md, md_len));
  result.ca_cert_path = p.ca_cert;
  result.server_cert_path = p.server_cert;
  result.server_key_path = p.server_key;
  result.server_not_after_unix = AsUnix(X509_get0_notAfter(server.get()));
  *out = std::move(result);
  return LocalCaError::kOk;
}

LocalCaError IssueClientCertificate(const LocalCaConfig& config, std::string_view gateway_id,
                                    int64_t now_unix, int days, ClientCertificate* out,
                                    std::string* why) {
  ERR_clear_error();
  if (LocalCaError e = CheckConfig(config, why); e != LocalCaError::kOk) return e;
  const bool id_ok = !gateway_id.empty() && gateway_id.size() <= 64 && gateway_id.front() != '.' &&
                     std::all_of(gateway_id.begin(), gateway_id.end(), [](unsigned char ch) {
                       return std::isalnum(ch) || ch == '.' || ch == '_' || ch == '-';
                     });
  if (!id_ok)
    return Fail(LocalCaError::kInvalidArgument,
                "gateway id \"" + std::string(gateway_id) + "\" must be 1..64 of [A-Za-z0-9._-]",
                why);
  if (days <= 0) return Fail(LocalCaError::kInvalidArgument, "days must be positive", why);
  const Paths p = PathsIn(config.dir);
  if (!Exists(p.ca_cert) || !Exists(p.ca_key))
    return Fail(LocalCaError::kDamaged, "no CA in " + config.dir + " (run EnsureLocalCa first)",
                why);
  X509Ptr ca;
  PkeyPtr ca_key;
  bool created = false;
  if (LocalCaError e = LoadOrCreateCa(config, p, now_unix, &ca, &ca_key, &created, why);
      e != LocalCaError::kOk)
    return e;
  if (LocalCaError e = MakeDir(p.clients, why); e != LocalCaError::kOk) return e;
  PkeyPtr key = NewKey();
  if (!key) return Fail(LocalCaError::kCrypto, "cannot generate the client key", why);
  CertSpec spec{std::string(gateway_id),
                now_unix,
                days,
                {{NID_basic_constraints, "critical,CA:FALSE"},
                 {NID_key_usage, "critical,digitalSignature"},
                 {NID_ext_key_usage, "clientAuth"}}};
  X509Ptr cert = MakeCert(spec, key.get(), ca.get(), ca_key.get());
  if (!cert) return Fail(LocalCaError::kCrypto, "cannot build the client certificate", why);
  ClientCertificate result;
  result.cert_path = p.clients + "/" + std::string(gateway_id) + ".crt";
  result.key_path = p.clients + "/" + std::string(gateway_id) + ".key";
  if (LocalCaError e = WriteKey(result.key_path, key.get(), why); e != LocalCaError::kOk) return e;
  if (LocalCaError e = WriteCert(result.cert_path, cert.get(), why); e != LocalCaError::kOk)
    return e;
  result.not_after_unix = AsUnix(X509_get0_notAfter(cert.get()));
  *out = std::move(result);
  return LocalCaError::kOk;
}

}  // namespace vigil::cloud
