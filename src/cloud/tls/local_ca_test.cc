#include "cloud/tls/local_ca.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::testing::ReadAll;
using vigil::testing::TempDir;

constexpr int64_t kNow = 1'790'000'000;
constexpr int64_t kDay = 86'400;

X509* LoadCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return x;
}

mode_t Mode(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

void WriteText(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// Verifies `leaf` against `ca` at `when`, for `purpose` and, if given, a host name or IP.
int Verify(X509* ca, X509* leaf, int64_t when, int purpose, const std::string& host = {},
           const std::string& ip = {}) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(when));
  X509_VERIFY_PARAM_set_purpose(param, purpose);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (!ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str());
  const int ok = X509_verify_cert(ctx);
  const int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return err;
}

class LocalCaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.dir = dir_.File("state");
    config_.site = "ward-7";
    config_.names = {"cloud.hospital.example", "10.1.2.3"};
  }
  LocalCaError Ensure(int64_t now, LocalCa* out) { return EnsureLocalCa(config_, now, out, &why_); }
  std::string Path(const std::string& name) const { return config_.dir + "/" + name; }

  TempDir dir_;
  LocalCaConfig config_;
  std::string why_;
};

TEST_F(LocalCaTest, FirstRunCreatesCaAndServerCertificateThatVerify) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  EXPECT_TRUE(ca.ca_created);
  EXPECT_TRUE(ca.server_renewed);
  EXPECT_EQ(ca.ca_cert_path, Path("ca.crt"));
  EXPECT_EQ(Mode(Path("ca.key")), 0600u);
  EXPECT_EQ(Mode(Path("server.key")), 0600u);
  EXPECT_EQ(Mode(Path("ca.crt")), 0644u);
  EXPECT_EQ(ca.ca_fingerprint_sha256.size(), 64u);
  EXPECT_EQ(ca.server_not_after_unix, kNow + 90 * kDay);

  X509* root = LoadCert(ca.ca_cert_path);
  X509* server = LoadCert(ca.server_cert_path);
  ASSERT_NE(root, nullptr);
  ASSERT_NE(server, nullptr);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(root), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, "Vigil local CA ward-7");
  EXPECT_EQ(X509_check_ca(root), 1);
  EXPECT_EQ(X509_get_pathlen(root), 0);
  EXPECT_NE(X509_get_key_usage(root) & KU_KEY_CERT_SIGN, 0u);
  EXPECT_EQ(X509_check_ca(server), 0);
  for (const char* host : {"localhost", "cloud.hospital.example"})
    EXPECT_EQ(Verify(root, server, kNow, X509_PURPOSE_SSL_SERVER, host), X509_V_OK) << host;
  for (const char* ip : {"127.0.0.1", "::1", "10.1.2.3"})
    EXPECT_EQ(Verify(root, server, kNow, X509_PURPOSE_SSL_SERVER, {}, ip), X509_V_OK) << ip;
  EXPECT_EQ(Verify(root, server, kNow, X509_PURPOSE_SSL_SERVER, "evil.example"),
            X509_V_ERR_HOSTNAME_MISMATCH);
  // serverAuth only: the server's certificate cannot pose as a gateway.
  EXPECT_NE(Verify(root, server, kNow, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  X509_free(server);
  X509_free(root);
}

TEST_F(LocalCaTest, CaAndServerCertificateReusedAcrossRestarts) {
  LocalCa first, second;
  ASSERT_EQ(Ensure(kNow, &first), LocalCaError::kOk) << why_;
  const auto server_bytes = ReadAll(first.server_cert_path);
  ASSERT_EQ(Ensure(kNow + 10 * kDay, &second), LocalCaError::kOk) << why_;
  EXPECT_FALSE(second.ca_created);
  EXPECT_FALSE(second.server_renewed);
  EXPECT_EQ(second.ca_fingerprint_sha256, first.ca_fingerprint_sha256);
  EXPECT_EQ(ReadAll(second.server_cert_path), server_bytes);
}

TEST_F(LocalCaTest, ServerCertificateRenewedNearExpiryUnderSameCa) {
  LocalCa first, later;
  ASSERT_EQ(Ensure(kNow, &first), LocalCaError::kOk) << why_;
  const auto key_bytes = ReadAll(first.server_key_path);
  const int64_t near = kNow + 61 * kDay;  // 29 days left, renew_before_days is 30
  ASSERT_EQ(Ensure(near, &later), LocalCaError::kOk) << why_;
  EXPECT_TRUE(later.server_renewed);
  EXPECT_FALSE(later.ca_created);
  EXPECT_EQ(later.ca_fingerprint_sha256, first.ca_fingerprint_sha256);
  EXPECT_EQ(later.server_not_after_unix, near + 90 * kDay);
  EXPECT_EQ(ReadAll(later.server_key_path), key_bytes);  // the key is kept
  X509* root = LoadCert(later.ca_cert_path);
  X509* server = LoadCert(later.server_cert_path);
  EXPECT_EQ(Verify(root, server, near + 80 * kDay, X509_PURPOSE_SSL_SERVER, "localhost"),
            X509_V_OK);
  X509_free(server);
  X509_free(root);
}

TEST_F(LocalCaTest, ServerCertificateRenewedWhenNamesChange) {
  LocalCa first, second, third;
  ASSERT_EQ(Ensure(kNow, &first), LocalCaError::kOk) << why_;
  config_.names.push_back("cloud2.hospital.example");
  ASSERT_EQ(Ensure(kNow, &second), LocalCaError::kOk) << why_;
  EXPECT_TRUE(second.server_renewed);
  config_.names = {"10.1.2.3", "CLOUD.hospital.example", "cloud2.hospital.example"};  // same set
  ASSERT_EQ(Ensure(kNow, &third), LocalCaError::kOk) << why_;
  EXPECT_FALSE(third.server_renewed);
}

TEST_F(LocalCaTest, KeyReadableByGroupRefusedNamingFile) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  for (const std::string name : {"ca.key", "server.key"}) {
    ASSERT_EQ(::chmod(Path(name).c_str(), 0640), 0);
    EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kKeyExposed) << name;
    EXPECT_NE(why_.find(Path(name)), std::string::npos) << why_;
    ASSERT_EQ(::chmod(Path(name).c_str(), 0600), 0);
  }
}

TEST_F(LocalCaTest, KeyNotMatchingCertificateRefusedNamingBoth) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  const auto server_key = ReadAll(Path("server.key"));
  std::filesystem::copy_file(Path("ca.key"), Path("server.key"),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kKeyMismatch);
  EXPECT_NE(why_.find(Path("server.key")), std::string::npos) << why_;
  EXPECT_NE(why_.find(Path("server.crt")), std::string::npos) << why_;
  // Nothing was replaced: the operator decides.
  EXPECT_NE(ReadAll(Path("server.key")), server_key);
  EXPECT_EQ(ReadAll(Path("server.key")), ReadAll(Path("ca.key")));
}

TEST_F(LocalCaTest, ServerCertificateFromAnotherCaRefused) {
  LocalCa ca, other;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  LocalCaConfig other_config = config_;
  other_config.dir = dir_.File("other");
  ASSERT_EQ(EnsureLocalCa(other_config, kNow, &other, &why_), LocalCaError::kOk) << why_;
  for (const char* f : {"server.crt", "server.key"})
    std::filesystem::copy_file(other_config.dir + "/" + f, Path(f),
                               std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kKeyMismatch);
  EXPECT_NE(why_.find("not signed by the CA"), std::string::npos) << why_;
}

TEST_F(LocalCaTest, DamagedFilesRefusedAndLeftAsTheyWere) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  for (const std::string name : {"ca.crt", "ca.key", "server.crt", "server.key"}) {
    const auto original = ReadAll(Path(name));
    const std::string text(original.begin(), original.end());
    for (const std::string& damaged :
         {text.substr(0, text.size() / 2), std::string("not a PEM file\n"), std::string()}) {
      WriteText(Path(name), damaged);
      ::chmod(Path(name).c_str(), 0600);
      EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kDamaged) << name << ": " << why_;
      EXPECT_NE(why_.find(Path(name)), std::string::npos) << why_;
      const auto after = ReadAll(Path(name));
      EXPECT_EQ(std::string(after.begin(), after.end()), damaged) << name;
    }
    WriteText(Path(name), text);
  }
  EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  EXPECT_FALSE(ca.ca_created);
}

// DER of the first certificate in a PEM text, or empty if none parses.
std::string DerOf(const std::vector<uint8_t>& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ERR_clear_error();
  if (x == nullptr) return {};
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

TEST_F(LocalCaTest, EveryFlippedByteOfACertificateRefusedAndLeftAsItWas) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  for (const std::string name : {"ca.crt", "server.crt"}) {
    const auto original = ReadAll(Path(name));
    const std::string original_der = DerOf(original);
    size_t refused = 0;
    for (size_t i = 0; i < original.size(); ++i) {
      auto damaged = original;
      damaged[i] ^= 0x01;
      WriteText(Path(name), std::string(damaged.begin(), damaged.end()));
      const LocalCaError e = Ensure(kNow, &ca);
      // A flip may only be accepted when it changes nothing the certificate says (the
      // unused low bits of the last base64 character before the padding).
      if (e == LocalCaError::kOk) {
        EXPECT_EQ(DerOf(damaged), original_der) << name << " byte " << i;
      } else {
        ++refused;
        EXPECT_NE(why_.find(Path(name)), std::string::npos) << why_;
      }
      EXPECT_EQ(ReadAll(Path(name)), damaged) << name << " byte " << i << " was rewritten";
    }
    EXPECT_GT(refused, original.size() * 9 / 10) << name;
    WriteText(Path(name), std::string(original.begin(), original.end()));
  }
}

TEST_F(LocalCaTest, HalfPairRefusedRatherThanReplaced) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  const auto key = ReadAll(Path("ca.key"));
  std::filesystem::remove(Path("ca.crt"));
  EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kDamaged);
  EXPECT_NE(why_.find(Path("ca.crt")), std::string::npos) << why_;
  EXPECT_EQ(ReadAll(Path("ca.key")), key);
  EXPECT_FALSE(std::filesystem::exists(Path("ca.crt")));
}

TEST_F(LocalCaTest, CertificateThatIsNotACaRefused) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  std::filesystem::copy_file(Path("server.crt"), Path("ca.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(Path("server.key"), Path("ca.key"),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kDamaged);
  EXPECT_NE(why_.find("is not a CA"), std::string::npos) << why_;
}

TEST_F(LocalCaTest, ExpiredCaRefusedNotSilentlyReplaced) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  const auto before = ReadAll(Path("ca.crt"));
  EXPECT_EQ(Ensure(kNow + 3651 * kDay, &ca), LocalCaError::kExpired);
  EXPECT_EQ(ReadAll(Path("ca.crt")), before);
}

TEST_F(LocalCaTest, NameThatCouldInjectExtensionsRefused) {
  config_.names = {"ok.example,IP:1.2.3.4"};
  LocalCa ca;
  EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(config_.dir));
  config_.names = {"bad name"};
  EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kInvalidArgument);
  config_.names = {};
  config_.renew_before_days = 90;
  EXPECT_EQ(Ensure(kNow, &ca), LocalCaError::kInvalidArgument);
}

TEST_F(LocalCaTest, ClientCertificateCarriesGatewayIdForClientAuthOnly) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  ClientCertificate gw;
  ASSERT_EQ(IssueClientCertificate(config_, "gw-ward-7", kNow, 365, &gw, &why_), LocalCaError::kOk)
      << why_;
  EXPECT_EQ(gw.cert_path, Path("clients/gw-ward-7.crt"));
  EXPECT_EQ(Mode(gw.key_path), 0600u);
  EXPECT_EQ(gw.not_after_unix, kNow + 365 * kDay);
  X509* root = LoadCert(ca.ca_cert_path);
  X509* cert = LoadCert(gw.cert_path);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, "gw-ward-7");
  EXPECT_EQ(Verify(root, cert, kNow, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_NE(Verify(root, cert, kNow, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  X509_free(cert);
  X509_free(root);
}

TEST_F(LocalCaTest, ClientCertificateWithPathInIdRefused) {
  LocalCa ca;
  ASSERT_EQ(Ensure(kNow, &ca), LocalCaError::kOk) << why_;
  ClientCertificate gw;
  for (const char* id : {"../ca", "", "gw/1", ".hidden"})
    EXPECT_EQ(IssueClientCertificate(config_, id, kNow, 30, &gw, &why_),
              LocalCaError::kInvalidArgument)
        << id;
}

TEST_F(LocalCaTest, ClientCertificateWithoutCaRefused) {
  ClientCertificate gw;
  EXPECT_EQ(IssueClientCertificate(config_, "gw-1", kNow, 30, &gw, &why_), LocalCaError::kDamaged);
  EXPECT_FALSE(std::filesystem::exists(Path("ca.key")));
}

}  // namespace
}  // namespace vigil::cloud
