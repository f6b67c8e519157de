// Image files on disk: a raw binary to sign, a signed image to verify or install. Not
// secrets, so not owner-only; bounded, so a huge file is refused before it is read.
// Errors: kNotFound, kIo; kInvalidArgument for a file larger than `max_size`. `why` (may
// be null) names the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

namespace vigil::firmware {

Error ReadImageFile(const std::string& path, size_t max_size, std::vector<uint8_t>* out,
                    std::string* why);
// Writes beside `path`, then renames over it: a reader sees the old file or the new one.
Error WriteImageFile(const std::string& path, ByteSpan data, std::string* why);

}  // namespace vigil::firmware
