// Backup files on disk: a sink that writes a new file (mode 0600) and a source that
// reads one, for the chunk cipher's streams (byte_stream.h).
//
// BackupFileSink writes to "<path>.partial" (created with O_EXCL) and, at Commit, fsyncs
// it and renames it to `path`, refusing to replace an existing file; so a backup that
// did not finish never sits under the name of a good one. The SHA-256 of every byte
// written is kept for the summary, so that an operator can note it apart from the file.
// A sink destroyed without Commit removes its partial file.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "cloud/backup/byte_stream.h"

namespace vigil::cloud::backup {

class BackupFileSink final : public ByteSink {
 public:
  BackupFileSink();
  ~BackupFileSink() override;
  BackupFileSink(const BackupFileSink&) = delete;
  BackupFileSink& operator=(const BackupFileSink&) = delete;

  // kIo naming the path (it exists, or cannot be created).
  BackupStatus Open(const std::string& path);
  BackupStatus Write(ByteSpan data) override;
  BackupStatus Commit();
  // Hex SHA-256 of the file, after Commit.
  const std::string& sha256() const { return sha256_; }

 private:
  struct Digest;
  std::string path_, partial_, sha256_;
  int fd_ = -1;
  std::unique_ptr<Digest> digest_;
};

class BackupFileSource final : public ByteSource {
 public:
  ~BackupFileSource() override;
  BackupStatus Open(const std::string& path);  // kIo naming the path
  BackupStatus Read(uint8_t* buf, size_t n, size_t* got) override;

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

}  // namespace vigil::cloud::backup
