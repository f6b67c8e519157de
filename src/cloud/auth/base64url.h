// Base64url without padding (RFC 4648 section 5), as JWTs, API keys and session ids use it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace vigil::auth {

std::string Base64UrlEncode(ByteSpan data);
// Strict: only the url-safe alphabet, no padding, no whitespace, and no length that
// cannot come from encoding (n % 4 == 1) or non-zero trailing bits (so each byte string
// has exactly one accepted encoding).
std::optional<std::vector<uint8_t>> Base64UrlDecode(std::string_view text);

// Standard base64 with padding (RFC 4648 section 4), for HTTP Basic credentials.
std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text);

}  // namespace vigil::auth
