#include "device/firmware/image_file.h"

#include <cstdio>
#include <filesystem>
#include <memory>

namespace vigil::firmware {
namespace {

Error Fail(std::string* why, Error e, std::string message) {
  if (why != nullptr) *why = std::move(message);
  return e;
}

}  // namespace

Error ReadImageFile(const std::string& path, size_t max_size, std::vector<uint8_t>* out,
                    std::string* why) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    return Fail(why, Error::kNotFound, path + ": no such file");
  if (!std::filesystem::is_regular_file(st))
    return Fail(why, Error::kInvalidArgument, path + ": not a regular file");
  std::unique_ptr<FILE, decltype(&fclose)> f(fopen(path.c_str(), "rb"), fclose);
  if (!f) return Fail(why, Error::kIo, path + ": cannot open");
  out->clear();
  uint8_t buf[64 * 1024];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (out->size() + n > max_size)
      return Fail(why, Error::kInvalidArgument,
                  path + ": larger than " + std::to_string(max_size) + " bytes");
    out->insert(out->end(), buf, buf + n);
  }
  if (ferror(f.get())) return Fail(why, Error::kIo, path + ": read error");
  return Error::kOk;
}

Error WriteImageFile(const std::string& path, ByteSpan data, std::string* why) {
  const std::string tmp = path + ".tmp";
  {
    std::unique_ptr<FILE, decltype(&fclose)> f(fopen(tmp.c_str(), "wb"), fclose);
    if (!f) return Fail(why, Error::kIo, tmp + ": cannot create");
    if (fwrite(data.data(), 1, data.size(), f.get()) != data.size() || fflush(f.get()) != 0) {
      f.reset();
      std::remove(tmp.c_str());
      return Fail(why, Error::kIo, path + ": write error");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Fail(why, Error::kIo, path + ": cannot rename into place");
  }
  return Error::kOk;
}

}  // namespace vigil::firmware
