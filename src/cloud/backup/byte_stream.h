// Where a backup's bytes go and come from: the chunk cipher (chunk_cipher.h) writes to a
// ByteSink and reads from a ByteSource, so that it is the same code over a file
// (backup_file.h), a buffer in a test and the fuzzer's input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cloud/backup/backup_error.h"
#include "common/bytes.h"

namespace vigil::cloud::backup {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // All of `data`, or an error (kIo).
  virtual BackupStatus Write(ByteSpan data) = 0;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `n` bytes into `buf`; `*got` < n only at the end of the input.
  virtual BackupStatus Read(uint8_t* buf, size_t n, size_t* got) = 0;
};

class MemorySink final : public ByteSink {
 public:
  BackupStatus Write(ByteSpan data) override {
    bytes.insert(bytes.end(), data.begin(), data.end());
    return BackupStatus::Ok();
  }
  std::vector<uint8_t> bytes;
};

// Reads a caller-owned buffer, which must outlive it.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(ByteSpan data) : data_(data) {}
  BackupStatus Read(uint8_t* buf, size_t n, size_t* got) override {
    const size_t k = n < data_.size() - pos_ ? n : data_.size() - pos_;
    for (size_t i = 0; i < k; ++i) buf[i] = data_[pos_ + i];
    pos_ += k;
    *got = k;
    return BackupStatus::Ok();
  }

 private:
  ByteSpan data_;
  size_t pos_ = 0;
};

}  // namespace vigil::cloud::backup
