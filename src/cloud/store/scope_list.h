// Scopes in one TEXT column: RFC 6749 section 3.3's own form, space-separated tokens (a
// scope token cannot contain a space), so the column reads as the token response's scope.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::cloud {

std::string JoinScopes(const std::vector<std::string>& scopes);
std::vector<std::string> SplitScopes(std::string_view text);

}  // namespace vigil::cloud
