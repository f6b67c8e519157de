#include "common/hex.h"

namespace vigil {
namespace {
int Nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string ToHex(ByteSpan b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (uint8_t v : b) {
    s.push_back(kDigits[v >> 4]);
    s.push_back(kDigits[v & 15]);
  }
  return s;
}

std::optional<std::vector<uint8_t>> FromHex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = Nibble(s[2 * i]), lo = Nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string UidToString(uint64_t uid) {
  std::string s(16, '0');
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, uid >>= 4) s[static_cast<size_t>(i)] = kDigits[uid & 15];
  return s;
}

std::optional<uint64_t> UidFromString(std::string_view s) {
  std::string clean;
  for (char c : s)
    if (c != ':' && c != '-') clean.push_back(c);
  if (clean.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : clean) {
    int n = Nibble(c);
    if (n < 0) return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(n);
  }
  return v;
}

}  // namespace vigil
