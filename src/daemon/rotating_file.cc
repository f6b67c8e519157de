#include "daemon/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace vigil {

RotatingFile::~RotatingFile() {
  std::lock_guard<std::mutex> lock(mu_);
  CloseLocked();
}

void RotatingFile::CloseLocked() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

Error RotatingFile::FailLocked(const std::string& what) {
  last_error_ = path_ + ": " + what;
  return Error::kIo;
}

Error RotatingFile::OpenLocked(std::string* why) {
  CloseLocked();
  const int fd = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, options_.mode);
  if (fd < 0) {
    const Error e = FailLocked(std::string("cannot open for appending: ") + strerror(errno));
    if (why) *why = last_error_;
    return e;
  }
  struct stat st {};
  size_ = fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  fd_ = fd;
  return Error::kOk;
}

Error RotatingFile::Open(const std::string& path, const RotatingFileOptions& options,
                         std::string* why) {
  std::lock_guard<std::mutex> lock(mu_);
  path_ = path;
  options_ = options;
  return OpenLocked(why);
}

Error RotatingFile::Reopen(std::string* why) {
  std::lock_guard<std::mutex> lock(mu_);
  return OpenLocked(why);
}

Error RotatingFile::RotateLocked() {
  CloseLocked();
  if (options_.keep == 0) {
    if (unlink(path_.c_str()) != 0 && errno != ENOENT)
      return FailLocked(std::string("cannot remove for rotation: ") + strerror(errno));
  } else {
    for (uint32_t k = options_.keep; k >= 2; --k) {
      const std::string from = path_ + "." + std::to_string(k - 1);
      const std::string to = path_ + "." + std::to_string(k);
      if (rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
        return FailLocked("cannot rotate " + from + ": " + strerror(errno));
    }
    const std::string first = path_ + ".1";
    if (rename(path_.c_str(), first.c_str()) != 0 && errno != ENOENT)
      return FailLocked(std::string("cannot rotate: ") + strerror(errno));
  }
  ++rotations_;
  return OpenLocked(nullptr);
}

Error RotatingFile::WriteLine(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf.push_back('\n');
  if (fd_ < 0 && OpenLocked(nullptr) != Error::kOk) {
    ++write_failures_;
    return Error::kIo;
  }
  if (options_.max_bytes > 0 && size_ > 0 && size_ + buf.size() > options_.max_bytes) {
    if (RotateLocked() != Error::kOk) {
      ++write_failures_;
      return Error::kIo;
    }
  }
  size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = write(fd_, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ++write_failures_;
      return FailLocked(std::string("write failed: ") + (n < 0 ? strerror(errno) : "no progress"));
    }
    done += static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
  return Error::kOk;
}

uint64_t RotatingFile::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}
uint64_t RotatingFile::write_failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return write_failures_;
}
uint64_t RotatingFile::rotations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rotations_;
}
std::string RotatingFile::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace vigil
