#include "cloud/audit/chain_head.h"

#include <openssl/evp.h>

namespace vigil::audit {

namespace detail {
void PkeyFree::operator()(evp_pkey_st* p) const { EVP_PKEY_free(p); }
}  // namespace detail

namespace {

void PutBe64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

}  // namespace

std::string HeadMessage(const ChainHead& head, int64_t time_ms) {
  std::string m(kHeadDomain);
  PutBe64(m, head.seq);
  m.append(reinterpret_cast<const char*>(head.hash.data()), head.hash.size());
  PutBe64(m, static_cast<uint64_t>(time_ms));
  return m;
}

Error HeadSigner::Init(std::span<const uint8_t> seed) {
  if (seed.size() != kEd25519KeyBytes) return Error::kInvalidArgument;
  EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (k == nullptr) return Error::kCrypto;
  key_.reset(k);
  return Error::kOk;
}

Error HeadSigner::Sign(const ChainHead& head, int64_t time_ms, SignedHead* out) const {
  const std::string m = HeadMessage(head, time_ms);
  MdCtx ctx(EVP_MD_CTX_new());
  SignedHead h{head, time_ms, {}};
  size_t len = h.signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), h.signature.data(), &len,
                     reinterpret_cast<const unsigned char*>(m.data()), m.size()) != 1 ||
      len != h.signature.size())
    return Error::kCrypto;
  *out = h;
  return Error::kOk;
}

std::array<uint8_t, kEd25519KeyBytes> HeadSigner::public_key() const {
  std::array<uint8_t, kEd25519KeyBytes> pk{};
  size_t len = pk.size();
  EVP_PKEY_get_raw_public_key(key_.get(), pk.data(), &len);
  return pk;
}

Error HeadVerifier::Init(std::span<const uint8_t> public_key) {
  if (public_key.size() != kEd25519KeyBytes) return Error::kInvalidArgument;
  EVP_PKEY* k =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size());
  if (k == nullptr) return Error::kCrypto;
  key_.reset(k);
  return Error::kOk;
}

bool HeadVerifier::Verify(const SignedHead& h) const {
  const std::string m = HeadMessage(h.head, h.time_ms);
  MdCtx ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), h.signature.data(), h.signature.size(),
                          reinterpret_cast<const unsigned char*>(m.data()), m.size()) == 1;
}

}  // namespace vigil::audit
