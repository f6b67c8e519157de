#include "cloud/store/scope_list.h"

namespace vigil::cloud {

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

std::vector<std::string> SplitScopes(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t sp = text.find(' ', i);
    const size_t end = sp == std::string_view::npos ? text.size() : sp;
    if (end > i) out.emplace_back(text.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

}  // namespace vigil::cloud
