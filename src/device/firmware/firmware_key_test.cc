#include "device/firmware/firmware_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "common/hex.h"
#include "device/firmware/test_images.h"

namespace vigil::firmware {
namespace {

using testing::TestData;
using vigil::testing::FileMode;
using vigil::testing::ReadAll;
using vigil::testing::TempDir;
using vigil::testing::WriteAll;

std::vector<uint8_t> Text(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

TEST(FirmwareKeyTest, KeyPairRoundTripsThroughPemFilesWithOwnerOnlyPrivateKey) {
  TempDir dir;
  SigningKey key;
  ASSERT_EQ(SigningKey::Generate(&key), Error::kOk);
  std::string why;
  ASSERT_EQ(WriteKeyPair(key, dir.File("k.pem"), dir.File("k.pub.pem"), false, &why), Error::kOk)
      << why;
  EXPECT_EQ(FileMode(dir.File("k.pem")), 0600u);
  EXPECT_EQ(FileMode(dir.File("k.pub.pem")), 0644u);
  const std::vector<uint8_t> priv = ReadAll(dir.File("k.pem"));
  EXPECT_EQ(std::string(priv.begin(), priv.begin() + 27), "-----BEGIN PRIVATE KEY-----");
  SigningKey back;
  ASSERT_EQ(LoadSigningKey(dir.File("k.pem"), &back, &why), Error::kOk) << why;
  EXPECT_EQ(back.public_key(), key.public_key());
  PublicKey pub;
  ASSERT_EQ(LoadPublicKey(dir.File("k.pub.pem"), &pub, &why), Error::kOk) << why;
  EXPECT_EQ(pub, key.public_key());
  // The private file also gives the public key (as imgtool verify -k accepts either).
  ASSERT_EQ(LoadPublicKey(dir.File("k.pem"), &pub, &why), Error::kOk) << why;
  EXPECT_EQ(pub, key.public_key());
  // Not over an existing file without force.
  EXPECT_EQ(WriteKeyPair(key, dir.File("k.pem"), "", false, &why), Error::kInvalidState);
}

TEST(FirmwareKeyTest, PrivateKeyReadableByOthersIsRefused) {
  TempDir dir;
  WriteAll(dir.File("open.pem"), ReadAll(TestData("vendor-a.pem")), 0644);
  SigningKey k;
  std::string why;
  EXPECT_EQ(LoadSigningKey(dir.File("open.pem"), &k, &why), Error::kInvalidState);
  EXPECT_NE(why.find("chmod"), std::string::npos) << why;
  PublicKey pub;
  EXPECT_EQ(LoadPublicKey(dir.File("open.pem"), &pub, &why), Error::kInvalidState);
  EXPECT_FALSE(k.valid());
}

TEST(FirmwareKeyTest, KeyOfAnotherTypeOrGarbageIsRefusedAsCorrupt) {
  TempDir dir;
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  WriteAll(dir.File("ec.pem"), std::vector<uint8_t>(data, data + n), 0600);
  BIO_free(bio);
  EVP_PKEY_free(ec);
  SigningKey k;
  std::string why;
  EXPECT_EQ(LoadSigningKey(dir.File("ec.pem"), &k, &why), Error::kCorrupt);
  EXPECT_NE(why.find("not an Ed25519 key"), std::string::npos) << why;
  WriteAll(dir.File("junk.pem"), Text("-----BEGIN PRIVATE KEY-----\nAAAA\n"), 0600);
  EXPECT_EQ(LoadSigningKey(dir.File("junk.pem"), &k, &why), Error::kCorrupt);
  WriteAll(dir.File("junk.pub.pem"), Text("not a key"), 0644);
  PublicKey pub;
  EXPECT_EQ(LoadPublicKey(dir.File("junk.pub.pem"), &pub, &why), Error::kCorrupt);
  EXPECT_EQ(LoadPublicKey(dir.File("missing.pem"), &pub, &why), Error::kNotFound);
}

TEST(FirmwareKeyTest, KeyHashIsSha256OfTheSubjectPublicKeyInfo) {
  // RFC 8032 test 1: the seed of vendor-a.pem, and its public key.
  const auto seed = FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  ASSERT_TRUE(seed.has_value());
  SigningKey k;
  ASSERT_EQ(SigningKey::FromSeed(*seed, &k), Error::kOk);
  const PublicKey pub = k.public_key();
  EXPECT_EQ(ToHex(pub.raw), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(ToHex(pub.Spki()),
            "302a300506032b6570032100"
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  // The SPKI is what OpenSSL's DER encoder gives.
  EVP_PKEY* p = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.raw.data(), 32);
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(p, &der);
  ASSERT_EQ(len, 44);
  const auto spki = pub.Spki();
  EXPECT_EQ(std::vector<uint8_t>(der, der + len), std::vector<uint8_t>(spki.begin(), spki.end()));
  OPENSSL_free(der);
  EVP_PKEY_free(p);
  // RFC 8032 test 1's signature of the empty message.
  std::array<uint8_t, 64> sig{};
  ASSERT_EQ(k.Sign({}, &sig), Error::kOk);
  EXPECT_EQ(ToHex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(VerifyEd25519(pub, {}, sig));
  sig[0] ^= 1;
  EXPECT_FALSE(VerifyEd25519(pub, {}, sig));
}

}  // namespace
}  // namespace vigil::firmware
