#include "cloud/backup/backup_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/hex.h"

namespace vigil::cloud::backup {
namespace {

BackupStatus IoFail(const std::string& what, const std::string& path) {
  return BackupFail(BackupError::kIo, what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

struct BackupFileSink::Digest {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Digest() { EVP_MD_CTX_free(ctx); }
};

BackupFileSink::BackupFileSink() = default;

BackupFileSink::~BackupFileSink() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(partial_.c_str());
  }
}

BackupStatus BackupFileSink::Open(const std::string& path) {
  path_ = path;
  partial_ = path + ".partial";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0)
    return BackupFail(BackupError::kIo, path + " exists: a backup never replaces a file");
  fd_ = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) return IoFail("cannot create", partial_);
  digest_ = std::make_unique<Digest>();
  if (digest_->ctx == nullptr || EVP_DigestInit_ex(digest_->ctx, EVP_sha256(), nullptr) != 1)
    return BackupFail(BackupError::kCrypto, "SHA-256 unavailable");
  return BackupStatus::Ok();
}

BackupStatus BackupFileSink::Write(ByteSpan data) {
  if (fd_ < 0) return BackupFail(BackupError::kIo, "write to a backup file not open");
  EVP_DigestUpdate(digest_->ctx, data.data(), data.size());
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoFail("cannot write", partial_);
    data = data.subspan(static_cast<size_t>(n));
  }
  return BackupStatus::Ok();
}

BackupStatus BackupFileSink::Commit() {
  if (fd_ < 0) return BackupFail(BackupError::kIo, "commit of a backup file not open");
  if (::fsync(fd_) != 0) return IoFail("cannot sync", partial_);
  ::close(fd_);
  fd_ = -1;
  // link() refuses an existing name, where rename() would replace it.
  if (::link(partial_.c_str(), path_.c_str()) != 0) {
    BackupStatus s = IoFail("cannot create", path_);
    ::unlink(partial_.c_str());
    return s;
  }
  ::unlink(partial_.c_str());
  const std::string dir = path_.find('/') == std::string::npos
                              ? std::string(".")
                              : path_.substr(0, path_.rfind('/') + 1);
  if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(digest_->ctx, md, &len);
  sha256_ = ToHex(ByteSpan(md, len));
  return BackupStatus::Ok();
}

BackupFileSource::~BackupFileSource() {
  if (f_ != nullptr) std::fclose(f_);
}

BackupStatus BackupFileSource::Open(const std::string& path) {
  path_ = path;
  f_ = std::fopen(path.c_str(), "rb");
  if (f_ == nullptr) return IoFail("cannot open", path);
  return BackupStatus::Ok();
}

BackupStatus BackupFileSource::Read(uint8_t* buf, size_t n, size_t* got) {
  *got = std::fread(buf, 1, n, f_);
  if (*got < n && std::ferror(f_)) return IoFail("cannot read", path_);
  return BackupStatus::Ok();
}

}  // namespace vigil::cloud::backup
