#include "cloud/auth/password_policy.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace vigil::auth {
namespace {

// A plain array: deducing std::array's size from 3,410 initialisers exceeds clang's
// fold-expression nesting limit.
constexpr uint64_t kBreached[] = {
#include "cloud/auth/breached_passwords.inc"
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

bool OnList(std::string_view lower) {
  if (lower.empty()) return false;
  uint8_t d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(lower.data()), lower.size(), d);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d[i];
  return std::binary_search(std::begin(kBreached), std::end(kBreached), v);
}

bool IsDecoration(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u < 0x80 && u > ' ' && !(u >= 'a' && u <= 'z'));
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

size_t BreachedListSize() { return std::size(kBreached); }

bool IsBreachedPassword(std::string_view password) {
  const std::string lower = Lower(password);
  if (OnList(lower)) return true;
  std::string_view core = lower;
  while (!core.empty() && IsDecoration(core.front())) core.remove_prefix(1);
  while (!core.empty() && IsDecoration(core.back())) core.remove_suffix(1);
  if (core != lower && OnList(core)) return true;
  for (size_t unit = 1; unit <= lower.size() / 2; ++unit) {
    if (lower.size() % unit != 0) continue;
    bool repeats = true;
    for (size_t i = unit; i < lower.size() && repeats; ++i) repeats = lower[i] == lower[i - unit];
    if (repeats) return unit < 3 || OnList(std::string_view(lower).substr(0, unit));
  }
  return false;
}

std::optional<std::string> CheckPasswordPolicy(std::string_view password, std::string_view account,
                                               const PasswordPolicy& policy) {
  if (CodePoints(password) < policy.min_chars)
    return "at least " + std::to_string(policy.min_chars) + " characters";
  if (password.size() > policy.max_bytes)
    return "at most " + std::to_string(policy.max_bytes) + " bytes";
  const std::string lower = Lower(password);
  const std::string name = Lower(account);
  if (lower == name || (name.size() >= 4 && lower.find(name) != std::string::npos))
    return "must not contain the account name";
  if (policy.check_breached && IsBreachedPassword(password))
    return "on a list of breached or common passwords; choose another";
  return std::nullopt;
}

}  // namespace vigil::auth
