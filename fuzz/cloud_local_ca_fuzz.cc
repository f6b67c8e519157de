// Fuzzes the local CA's reading of its own files (docs/tls.md, "Later starts"): the input
// replaces ca.crt or server.crt (first byte, low bit) of a CA set up once, then
// EnsureLocalCa runs. It must refuse, with the file named, whatever is not the same
// certificate as before (only the CA's key can make another that it accepts); what it
// accepts says exactly what the original said; and the file is never rewritten, accepted
// or refused.
// Input: one selector byte, then the bytes of the file.
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "cloud/tls/local_ca.h"

namespace {

using vigil::cloud::LocalCa;
using vigil::cloud::LocalCaConfig;
using vigil::cloud::LocalCaError;

constexpr int64_t kNow = 1'790'000'000;

void Require(bool ok) {
  if (!ok) std::abort();
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  Require(f != nullptr);
  if (size > 0) Require(std::fwrite(data, 1, size, f) == size);
  std::fclose(f);
}

// The DER of the first PEM certificate in `pem`, or empty.
std::string DerOf(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ERR_clear_error();
  if (x == nullptr) return {};
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n > 0 ? n : 0));
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

struct Fixture {
  LocalCaConfig config;
  std::string original[2];  // ca.crt, server.crt as generated
  std::string der[2];
  Fixture() {
    char tmpl[] = "/tmp/vigil-fuzz-ca-XXXXXX";
    Require(::mkdtemp(tmpl) != nullptr);
    config.dir = std::string(tmpl) + "/state";
    config.site = "fuzz";
    LocalCa ca;
    std::string why;
    Require(vigil::cloud::EnsureLocalCa(config, kNow, &ca, &why) == LocalCaError::kOk);
    for (int i = 0; i < 2; ++i) {
      original[i] = Slurp(Path(i));
      der[i] = DerOf(original[i]);
      Require(!der[i].empty());
    }
  }
  std::string Path(int which) const {
    return config.dir + (which == 0 ? "/ca.crt" : "/server.crt");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fx;
  if (size == 0 || size > 16 * 1024) return 0;
  const int which = data[0] & 1;
  const std::string path = fx.Path(which);
  Spit(path, data + 1, size - 1);
  const std::string written(reinterpret_cast<const char*>(data + 1), size - 1);

  LocalCa ca;
  std::string why;
  const LocalCaError e = vigil::cloud::EnsureLocalCa(fx.config, kNow, &ca, &why);
  if (e == LocalCaError::kOk) {
    Require(DerOf(written) == fx.der[which]);
    Require(!ca.ca_created && !ca.server_renewed);
  } else {
    Require(why.find(path) != std::string::npos);
  }
  Require(Slurp(path) == written);
  // Put the original back, so that each input is judged against the same state.
  Spit(path, reinterpret_cast<const uint8_t*>(fx.original[which].data()),
       fx.original[which].size());
  return 0;
}
