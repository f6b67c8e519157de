#include "cloud/audit/chain_head.h"

#include <openssl/evp.h>

#include <charconv>
#include <vector>

#include "common/hex.h"

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

std::string FormatSignedHead(const SignedHead& h) {
  std::string s(kHeadDomain);
  s += ' ' + std::to_string(h.head.seq) + ' ' + ToHex(h.head.hash) + ' ' +
       std::to_string(h.time_ms) + ' ' + ToHex(h.signature);
  return s;
}

namespace {

bool Decimal(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out <= max;
}

template <size_t N>
bool LowerHex(std::string_view s, std::array<uint8_t, N>* out) {
  if (s.size() != 2 * N) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  const std::optional<std::vector<uint8_t>> b = FromHex(s);
  if (!b || b->size() != N) return false;
  std::copy(b->begin(), b->end(), out->begin());
  return true;
}

}  // namespace

bool ParseSignedHead(std::string_view line, SignedHead* out) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  std::string_view f[5];
  for (int i = 0; i < 5; ++i) {
    const size_t sp = line.find(' ');
    if ((sp == std::string_view::npos) != (i == 4)) return false;
    f[i] = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  }
  SignedHead h;
  uint64_t time = 0;
  if (f[0] != kHeadDomain || !Decimal(f[1], UINT64_MAX, &h.head.seq) ||
      !LowerHex(f[2], &h.head.hash) || !Decimal(f[3], static_cast<uint64_t>(INT64_MAX), &time) ||
      !LowerHex(f[4], &h.signature))
    return false;
  h.time_ms = static_cast<int64_t>(time);
  *out = h;
  return true;
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
