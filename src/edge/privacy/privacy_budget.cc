#include "edge/privacy/privacy_budget.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "common/hex.h"
#include "common/private_file.h"
#include "edge/clinical/clinical_config.h"

namespace vigil::privacy {

namespace {

// File format: the tag line, one line per account (ward TAB period TAB micro-epsilon),
// then "sha256 " and the hex SHA-256 of every byte before that line. The checksum catches
// damage (a flipped digit would otherwise refill a budget without a trace); it is no
// defence against someone who may write the file, who could as well delete it.
constexpr std::string_view kTag = "VGDPBUDGET1";
constexpr std::string_view kSumPrefix = "sha256 ";
constexpr size_t kMaxFile = 16 * 1024 * 1024;

std::string Sha256Hex(std::string_view data) {
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return "";
  return ToHex(ByteSpan(md, len));
}

std::string Eps(uint64_t micro) {
  std::string s = std::to_string(micro / kMicroPerEpsilon) + ".";
  std::string frac = std::to_string(micro % kMicroPerEpsilon);
  s += std::string(6 - frac.size(), '0') + frac;
  while (s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

}  // namespace

Error EpsilonFromDouble(double e, Epsilon* out) {
  if (!std::isfinite(e) || e < 1e-6 || e > 100) return Error::kInvalidArgument;
  out->micro = static_cast<uint64_t>(std::llround(e * 1e6));
  return out->micro == 0 ? Error::kInvalidArgument : Error::kOk;
}

Error PrivacyBudget::Open(const std::string& path, std::string* why) {
  std::vector<uint8_t> bytes;
  const Error e = ReadPrivateFile(path, kMaxFile, &bytes, why);
  if (e == Error::kNotFound) {
    path_ = path;
    spent_.clear();
    return Error::kOk;
  }
  if (e != Error::kOk) return e;
  const std::string_view file(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::map<std::pair<std::string, std::string>, uint64_t> accounts;
  size_t pos = 0;
  int line = 0;
  auto corrupt = [&](const std::string& msg) {
    if (why) *why = path + ":" + std::to_string(line) + ": not a privacy budget file: " + msg;
    return Error::kCorrupt;
  };
  // The checksum line is the last one; everything before it is what it covers.
  const size_t last = file.size() >= 2 ? file.rfind('\n', file.size() - 2) : std::string_view::npos;
  if (file.empty() || file.back() != '\n' || last == std::string_view::npos)
    return corrupt("no checksum line");
  const std::string_view text = file.substr(0, last + 1);
  const std::string_view sum = file.substr(last + 1, file.size() - last - 2);
  if (sum.substr(0, kSumPrefix.size()) != kSumPrefix ||
      sum.substr(kSumPrefix.size()) != Sha256Hex(text)) {
    line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    return corrupt("checksum mismatch (the file is damaged)");
  }
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) return corrupt("the last line has no newline");
    const std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (line == 1) {
      if (l != kTag) return corrupt("expected " + std::string(kTag));
      continue;
    }
    const size_t t1 = l.find('\t');
    const size_t t2 = t1 == std::string_view::npos ? t1 : l.find('\t', t1 + 1);
    if (t2 == std::string_view::npos) return corrupt("expected ward, period and epsilon");
    const std::string ward(l.substr(0, t1));
    const std::string period(l.substr(t1 + 1, t2 - t1 - 1));
    const std::string_view num = l.substr(t2 + 1);
    uint64_t micro = 0;
    const auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), micro);
    if (ec != std::errc() || p != num.data() + num.size() || num.empty())
      return corrupt("bad epsilon");
    if (!clinical::IsPrintableId(ward, true) || !clinical::IsPrintableId(period, true))
      return corrupt("bad ward or period");
    if (!accounts.emplace(std::make_pair(ward, period), micro).second)
      return corrupt("the same account twice");
  }
  if (line == 0) return corrupt("empty");
  path_ = path;
  spent_ = std::move(accounts);
  return Error::kOk;
}

Error PrivacyBudget::Save(const std::map<std::pair<std::string, std::string>, uint64_t>& accounts,
                          std::string* why) const {
  std::string text(kTag);
  text += '\n';
  for (const auto& [key, micro] : accounts)
    text += key.first + "\t" + key.second + "\t" + std::to_string(micro) + "\n";
  const std::string sum = Sha256Hex(text);
  if (sum.empty()) return Error::kCrypto;
  text += std::string(kSumPrefix) + sum + "\n";
  return WritePrivateFileAtomic(
      path_, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
      /*overwrite=*/true, why);
}

Error PrivacyBudget::Charge(std::string_view ward, std::string_view period, Epsilon e,
                            std::string* why) {
  if (e.micro == 0 || !clinical::IsPrintableId(ward, true) ||
      !clinical::IsPrintableId(period, true)) {
    if (why) *why = "privacy budget: epsilon must be > 0 and ward/period 1-64 printable characters";
    return Error::kInvalidArgument;
  }
  const auto key = std::make_pair(std::string(ward), std::string(period));
  const uint64_t spent = spent_.count(key) ? spent_.at(key) : 0;
  if (spent > per_period_.micro || e.micro > per_period_.micro - spent) {
    if (why)
      *why = "privacy budget of ward \"" + key.first + "\", period \"" + key.second +
             "\" is spent: " + Eps(spent) + " of " + Eps(per_period_.micro) +
             " used, this release asks " + Eps(e.micro);
    return Error::kInvalidState;
  }
  if (!path_.empty()) {
    auto next = spent_;
    next[key] = spent + e.micro;
    if (Error w = Save(next, why); w != Error::kOk) return w;
    spent_ = std::move(next);
  } else {
    spent_[key] = spent + e.micro;
  }
  return Error::kOk;
}

Epsilon PrivacyBudget::Spent(std::string_view ward, std::string_view period) const {
  const auto it = spent_.find(std::make_pair(std::string(ward), std::string(period)));
  return Epsilon{it == spent_.end() ? 0 : it->second};
}

Epsilon PrivacyBudget::Remaining(std::string_view ward, std::string_view period) const {
  const uint64_t s = Spent(ward, period).micro;
  return Epsilon{s >= per_period_.micro ? 0 : per_period_.micro - s};
}

}  // namespace vigil::privacy
