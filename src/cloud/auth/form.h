// application/x-www-form-urlencoded (the WHATWG URL standard's serialisation, which RFC
// 6749 appendix B uses): "a=1&b=x+y%21" -> {("a","1"), ("b","x y!")}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::auth {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// nullopt for a bad percent-escape or a field with an empty name. Empty fields ("a=1&&b")
// are skipped. Order is kept; duplicates are kept (the caller decides).
std::optional<FormFields> ParseForm(std::string_view body);

// Percent-decoding with '+' as space; nullopt for a bad escape.
std::optional<std::string> FormUnescape(std::string_view s);

}  // namespace vigil::auth
