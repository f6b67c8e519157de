#include "edge/uplink/command.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <charconv>

#include "common/hex.h"
#include "edge/uplink/envelope.h"

namespace vigil::uplink {

namespace detail {
void CommandPkeyFree::operator()(evp_pkey_st* p) const { EVP_PKEY_free(p); }
}  // namespace detail

namespace {

constexpr size_t kFields = 10;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

bool Decimal(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
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

std::string_view CommandActionName(CommandAction a) {
  switch (a) {
    case CommandAction::kRevoke:
      return "revoke";
  }
  return "unknown";
}

std::string_view CommandVerdictName(CommandVerdict v) {
  switch (v) {
    case CommandVerdict::kAccepted:
      return "accepted";
    case CommandVerdict::kMalformed:
      return "malformed";
    case CommandVerdict::kForged:
      return "forged";
    case CommandVerdict::kMisaddressed:
      return "misaddressed";
    case CommandVerdict::kExpired:
      return "expired";
    case CommandVerdict::kNotYetValid:
      return "not_yet_valid";
    case CommandVerdict::kReplayed:
      return "replayed";
  }
  return "unknown";
}

std::string CommandTopic(std::string_view site, std::string_view gateway) {
  std::string t(kCommandTopicRoot);
  t += '/';
  t += site;
  t += '/';
  t += gateway;
  t += "/command";
  return t;
}

std::string CommandSignedPart(const Command& c) {
  std::string s(kCommandDomain);
  s += ' ' + c.id + ' ' + c.site + ' ' + c.gateway + ' ' +
       std::string(CommandActionName(c.action)) + ' ' + UidToString(c.device_uid) + ' ' +
       std::to_string(c.issued_ms) + ' ' + std::to_string(c.expires_ms) + ' ' + ToHex(c.nonce);
  return s;
}

std::string FormatCommand(const Command& c) {
  return CommandSignedPart(c) + ' ' + ToHex(c.signature);
}

bool ParseCommand(std::string_view line, Command* out) {
  if (line.size() > kMaxCommandBytes) return false;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  std::string_view f[kFields];
  for (size_t i = 0; i < kFields; ++i) {
    const size_t sp = line.find(' ');
    if ((sp == std::string_view::npos) != (i == kFields - 1)) return false;
    f[i] = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  }
  Command c;
  if (f[0] != kCommandDomain || !IsTopicLevel(f[1]) || !IsTopicLevel(f[2]) || !IsTopicLevel(f[3]) ||
      f[4] != "revoke" || f[5].size() != 16)
    return false;
  for (char ch : f[5])
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  const std::optional<uint64_t> uid = UidFromString(f[5]);
  if (!uid || !Decimal(f[6], &c.issued_ms) || !Decimal(f[7], &c.expires_ms) ||
      c.issued_ms >= c.expires_ms || !LowerHex(f[8], &c.nonce) || !LowerHex(f[9], &c.signature))
    return false;
  c.id = std::string(f[1]);
  c.site = std::string(f[2]);
  c.gateway = std::string(f[3]);
  c.action = CommandAction::kRevoke;
  c.device_uid = *uid;
  *out = std::move(c);
  return true;
}

Error CommandSigner::Init(std::span<const uint8_t> seed) {
  if (seed.size() != kCommandSeedBytes) return Error::kInvalidArgument;
  EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (k == nullptr) return Error::kCrypto;
  key_.reset(k);
  return Error::kOk;
}

Error CommandSigner::Sign(Command* c) const {
  const std::string m = CommandSignedPart(*c);
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = c->signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), c->signature.data(), &len,
                     reinterpret_cast<const unsigned char*>(m.data()), m.size()) != 1 ||
      len != c->signature.size())
    return Error::kCrypto;
  return Error::kOk;
}

std::array<uint8_t, kCommandPublicKeyBytes> CommandSigner::public_key() const {
  std::array<uint8_t, kCommandPublicKeyBytes> pk{};
  size_t len = pk.size();
  EVP_PKEY_get_raw_public_key(key_.get(), pk.data(), &len);
  return pk;
}

std::string CommandSigner::PublicKeyPem() const {
  const auto raw = public_key();
  std::unique_ptr<EVP_PKEY, detail::CommandPkeyFree> pub(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!pub || !bio || PEM_write_bio_PUBKEY(bio.get(), pub.get()) != 1) return "";
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Error CommandVerifier::Init(std::span<const uint8_t> public_key) {
  if (public_key.size() != kCommandPublicKeyBytes) return Error::kInvalidArgument;
  EVP_PKEY* k =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size());
  if (k == nullptr) return Error::kCrypto;
  key_.reset(k);
  return Error::kOk;
}

Error CommandVerifier::InitPem(std::string_view pem) {
  if (pem.empty() || pem.size() > 4096) return Error::kInvalidArgument;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error::kCrypto;
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (k == nullptr) return Error::kInvalidArgument;
  std::unique_ptr<EVP_PKEY, detail::CommandPkeyFree> owned(k);
  // Only Ed25519: an RSA or EC key here would be a confusion of algorithms.
  if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) return Error::kInvalidArgument;
  key_ = std::move(owned);
  return Error::kOk;
}

bool CommandVerifier::Verify(const Command& c) const {
  const std::string m = CommandSignedPart(c);
  MdCtx ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), c.signature.data(), c.signature.size(),
                          reinterpret_cast<const unsigned char*>(m.data()), m.size()) == 1;
}

void CommandGuard::Forget(int64_t now_ms) {
  std::erase_if(seen_, [&](const Seen& s) { return s.expires_ms + skew_ms_ < now_ms; });
}

CommandVerdict CommandGuard::Check(std::string_view line, int64_t now_ms, Command* out) {
  Command c;
  if (!ParseCommand(line, &c)) return CommandVerdict::kMalformed;
  if (out != nullptr) *out = c;
  // The signature first: nothing an unsigned line says (its address, its times) is worth
  // reporting as more than a forgery.
  if (!verifier_.ready() || !verifier_.Verify(c)) return CommandVerdict::kForged;
  if (c.site != site_ || c.gateway != gateway_) return CommandVerdict::kMisaddressed;
  Forget(now_ms);
  for (const Seen& s : seen_)
    if (s.id == c.id || s.nonce == c.nonce) return CommandVerdict::kReplayed;
  if (c.expires_ms <= now_ms) return CommandVerdict::kExpired;
  if (c.issued_ms > now_ms + skew_ms_) return CommandVerdict::kNotYetValid;
  // Full of live commands: refusing is safer than forgetting one that could come back.
  if (seen_.size() >= kMaxRemembered) return CommandVerdict::kReplayed;
  seen_.push_back({c.id, c.nonce, c.expires_ms});
  return CommandVerdict::kAccepted;
}

bool CommandGuard::WasAccepted(const Command& c) const {
  for (const Seen& s : seen_)
    if (s.id == c.id && s.nonce == c.nonce) return true;
  return false;
}

std::string CommandGuard::Export() const {
  std::string out;
  for (const Seen& s : seen_)
    out += s.id + ' ' + ToHex(s.nonce) + ' ' + std::to_string(s.expires_ms) + '\n';
  return out;
}

void CommandGuard::Import(std::string_view text) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const size_t a = line.find(' ');
    if (a == std::string_view::npos) continue;
    const size_t b = line.find(' ', a + 1);
    if (b == std::string_view::npos) continue;
    Seen s;
    if (!IsTopicLevel(line.substr(0, a)) || !LowerHex(line.substr(a + 1, b - a - 1), &s.nonce) ||
        !Decimal(line.substr(b + 1), &s.expires_ms))
      continue;
    s.id = std::string(line.substr(0, a));
    if (seen_.size() < kMaxRemembered) seen_.push_back(std::move(s));
  }
}

}  // namespace vigil::uplink
