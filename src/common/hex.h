// Hex helpers for logs, test vectors and configuration files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace vigil {

std::string ToHex(ByteSpan b);
// Returns nullopt on odd length or a non-hex character.
std::optional<std::vector<uint8_t>> FromHex(std::string_view s);
// Uid as 16 lowercase hex digits, most significant first (802.15.4 EUI-64 display order).
std::string UidToString(uint64_t uid);
std::optional<uint64_t> UidFromString(std::string_view s);

}  // namespace vigil
