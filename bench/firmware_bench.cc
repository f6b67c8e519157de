// Firmware image verification (docs/firmware.md) and its reference.
//
//  BM_Ref_FirmwareSha256PlusEd25519  OpenSSL used directly: one SHA-256 over the signed
//                                    part of a 256 KiB image and one Ed25519 verify of the
//                                    hash, the least any verifier of this format must do.
//  BM_Firmware_Verify256K            VerifyImage on the whole image (parse, hash, key
//                                    hash, signature, counter).
//  BM_Firmware_VerifyStreamed256K    the same image fed in 96-byte blocks (an 802.15.4
//                                    frame's payload), as an OTA update would arrive.
// Each checks its verdict and stops with an error if the image did not verify.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <vector>

#include "device/firmware/firmware_key.h"
#include "device/firmware/image_signer.h"
#include "device/firmware/image_verifier.h"

namespace vigil::firmware {
namespace {

constexpr size_t kBody = 256 * 1024;

struct Fixture {
  SigningKey key;
  PublicKey pub;
  std::vector<uint8_t> image;
  size_t signed_size = 0;  // header + body + protected area
  Fixture() {
    const uint8_t seed[32] = {7};
    SigningKey::FromSeed(seed, &key);
    pub = key.public_key();
    std::vector<uint8_t> bin(kBody);
    for (size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<uint8_t>(i * 131 + (i >> 9));
    SignOptions o;
    o.version = {1, 0, 0, 0};
    o.security_counter = 1;
    o.pad_header = true;
    SignImage(bin, o, &key, &image, nullptr);
    signed_size = image.size() - (4 + 36 + 36 + 68);
  }
};

const Fixture& F() {
  static const Fixture f;
  return f;
}

void BM_Ref_FirmwareSha256PlusEd25519(benchmark::State& state) {
  const Fixture& f = F();
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, f.pub.raw.data(), 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const uint8_t* sig = f.image.data() + f.image.size() - 64;
  uint8_t hash[32];
  for (auto _ : state) {
    SHA256(f.image.data(), f.signed_size, hash);
    if (EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, k) != 1 ||
        EVP_DigestVerify(ctx, sig, 64, hash, sizeof hash) != 1) {
      state.SkipWithError("reference verify failed");
      break;
    }
    benchmark::DoNotOptimize(hash);
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(k);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.image.size()));
}
BENCHMARK(BM_Ref_FirmwareSha256PlusEd25519);

void BM_Firmware_Verify256K(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    const ImageVerdict v = VerifyImage(f.image, &f.pub, VerifyPolicy{1});
    if (!v.ok()) {
      state.SkipWithError("image did not verify");
      break;
    }
    benchmark::DoNotOptimize(v.hash);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.image.size()));
}
BENCHMARK(BM_Firmware_Verify256K);

void BM_Firmware_VerifyStreamed256K(benchmark::State& state) {
  const Fixture& f = F();
  constexpr size_t kBlock = 96;
  for (auto _ : state) {
    ImageStreamVerifier verifier(VerifyPolicy{1});
    for (size_t pos = 0; pos < f.image.size(); pos += kBlock)
      verifier.Update(ByteSpan(f.image).subspan(pos, std::min(kBlock, f.image.size() - pos)));
    const ImageVerdict v = verifier.Finish(&f.pub);
    if (!v.ok()) {
      state.SkipWithError("streamed image did not verify");
      break;
    }
    benchmark::DoNotOptimize(v.hash);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.image.size()));
}
BENCHMARK(BM_Firmware_VerifyStreamed256K);

}  // namespace
}  // namespace vigil::firmware
