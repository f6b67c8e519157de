#include "common/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace vigil {
namespace {

void Say(std::string* why, std::string msg) {
  if (why != nullptr) *why = std::move(msg);
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

FileFault g_fault = FileFault::kNone;
int g_fault_times = 0;

// The injected fault of this write, if any (consumes one).
FileFault TakeFault() {
  if (g_fault_times <= 0) return FileFault::kNone;
  if (--g_fault_times == 0) {
    const FileFault f = g_fault;
    g_fault = FileFault::kNone;
    return f;
  }
  return g_fault;
}

bool WriteAll(int fd, ByteSpan data) {
  switch (TakeFault()) {
    case FileFault::kNone:
      break;
    case FileFault::kNoSpace:
      errno = ENOSPC;
      return false;
    case FileFault::kIo:
      errno = EIO;
      return false;
    case FileFault::kShortWrite:
      if (::write(fd, data.data(), data.size() / 2) < 0) return false;
      errno = ENOSPC;
      return false;
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Makes a completed rename durable: the directory entry is what changed.
void SyncDir(const std::string& path) {
  int dfd = ::open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

void InjectFileFault(FileFault fault, int times) {
  g_fault = fault;
  g_fault_times = fault == FileFault::kNone ? 0 : times;
}

Error WritePrivateFileAtomic(const std::string& path, ByteSpan data, bool overwrite,
                             std::string* why) {
  std::string tmp = path + ".tmp.XXXXXX";
  // mkstemp opens with O_CREAT|O_EXCL|O_RDWR and mode 0600 regardless of umask.
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    Say(why, Errno("cannot create temporary file for", path));
    return Error::kIo;
  }
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0 && WriteAll(fd, data) && ::fsync(fd) == 0;
  if (!ok) {
    Say(why, Errno("cannot write", tmp));
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error::kIo;
  }
  if (::close(fd) != 0) {
    Say(why, Errno("cannot close", tmp));
    ::unlink(tmp.c_str());
    return Error::kIo;
  }
  if (overwrite) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      Say(why, Errno("cannot move into place", path));
      ::unlink(tmp.c_str());
      return Error::kIo;
    }
  } else {
    // link() fails with EEXIST instead of replacing: the no-overwrite check and the
    // publication are one atomic step.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      int e = errno;
      ::unlink(tmp.c_str());
      if (e == EEXIST) {
        Say(why, path + " already exists (refusing to overwrite)");
        return Error::kInvalidState;
      }
      errno = e;
      Say(why, Errno("cannot create", path));
      return Error::kIo;
    }
    ::unlink(tmp.c_str());
  }
  SyncDir(path);
  return Error::kOk;
}

Error CheckOwnerOnly(const std::string& path, std::string* why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      Say(why, path + ": no such file");
      return Error::kNotFound;
    }
    Say(why, Errno("cannot stat", path));
    return Error::kIo;
  }
  if (!S_ISREG(st.st_mode)) {
    Say(why, path + " is not a regular file");
    return Error::kIo;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    Say(why, "permissions " + std::string(mode) + " for " + path +
                 " are too open: it holds secrets and must be accessible by its owner "
                 "only (chmod 600 " +
                 path + ")");
    return Error::kInvalidState;
  }
  return Error::kOk;
}

Error ReadPrivateFile(const std::string& path, size_t max_size, std::vector<uint8_t>* out,
                      std::string* why) {
  out->clear();
  if (Error e = CheckOwnerOnly(path, why); e != Error::kOk) return e;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Error e = errno == ENOENT ? Error::kNotFound : Error::kIo;
    Say(why, Errno("cannot open", path));
    return e;
  }
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Say(why, Errno("cannot read", path));
      ::close(fd);
      return Error::kIo;
    }
    if (n == 0) break;
    if (out->size() + static_cast<size_t>(n) > max_size) {
      Say(why, path + " is larger than " + std::to_string(max_size) +
                   " bytes: not a file of the expected kind");
      ::close(fd);
      return Error::kCorrupt;
    }
    out->insert(out->end(), buf, buf + n);
  }
  ::close(fd);
  return Error::kOk;
}

Error ShredFile(const std::string& path, std::string* why) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error::kOk;
    Say(why, Errno("cannot open for erasure", path));
    // Still remove the name, so the secret is at least not reachable by path.
    ::unlink(path.c_str());
    return Error::kIo;
  }
  struct stat st {};
  Error result = Error::kOk;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    static const uint8_t kZeros[4096] = {};
    size_t left = static_cast<size_t>(st.st_size);
    while (left > 0) {
      size_t n = left < sizeof kZeros ? left : sizeof kZeros;
      if (!WriteAll(fd, ByteSpan(kZeros, n))) {
        Say(why, Errno("cannot overwrite", path));
        result = Error::kIo;
        break;
      }
      left -= n;
    }
    ::fsync(fd);
  }
  ::close(fd);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    Say(why, Errno("cannot remove", path));
    return Error::kIo;
  }
  SyncDir(path);
  return result;
}

}  // namespace vigil
