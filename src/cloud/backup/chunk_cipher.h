// The encryption of a backup's content (docs/backup.md, "Chunks"): a plaintext stream cut
// into chunks of the header's chunk size, each sealed with AES-256-GCM (OpenSSL EVP) under
// a key derived for this file, with a nonce bound to its position and to whether it is the
// last chunk, and the header as associated data (the layout is in backup_format.h).
//
// Neither side holds more than one chunk in memory.
//
// ChunkWriter: Start writes the header (drawing the salt and the nonce prefix from
// OpenSSL's RNG), Write buffers plaintext and seals each full chunk once more follows,
// Finish seals what is left (possibly nothing) as the last chunk. A writer that is not
// finished leaves a file every reader refuses as truncated.
//
// ChunkReader: Open reads the header, checks the key id and opens the first chunk, so that
// nothing in the header is acted on before it authenticated. Read hands out plaintext and
// opens the next chunk when needed; a chunk is released only after its tag verified.
// Every refusal names the chunk and its file offset:
//   kNotABackup / kUnsupported  the header (backup_format.h)
//   kWrongKey                   the header's key id is not the key's
//   kTruncated                  the file ends after a chunk that is not the last, or
//                               inside a chunk's tag
//   kCorrupt                    a chunk does not authenticate (a flipped byte, a chunk
//                               moved, duplicated, cut mid-way, or bytes appended); or
//                               the content ends inside a record or goes on past its end
// After an error the reader stays failed: every later call returns the same error.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "cloud/backup/backup_format.h"
#include "cloud/backup/backup_key.h"
#include "cloud/backup/byte_stream.h"

namespace vigil::cloud::backup {

class GcmContext;

class ChunkWriter {
 public:
  ChunkWriter();
  ~ChunkWriter();
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  // `header`'s salt, nonce prefix and key id are filled in here. REQUIRES: chunk_size
  // within kMinChunkSize..kMaxChunkSize; `sink` outlives the writer.
  BackupStatus Start(const BackupKey& key, Header header, ByteSink* sink);
  BackupStatus Write(ByteSpan plain);
  BackupStatus Finish();

  const Header& header() const { return header_; }
  uint64_t plain_bytes() const { return plain_bytes_; }
  uint64_t file_bytes() const { return file_bytes_; }
  uint32_t chunks() const { return chunk_; }

 private:
  BackupStatus Seal(bool last);

  std::unique_ptr<GcmContext> gcm_;
  Header header_;
  std::array<uint8_t, kHeaderSize> aad_{};
  ByteSink* sink_ = nullptr;
  std::vector<uint8_t> buf_, out_;
  uint32_t chunk_ = 0;
  uint64_t plain_bytes_ = 0, file_bytes_ = 0;
  bool finished_ = false;
};

class ChunkReader {
 public:
  ChunkReader();
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // REQUIRES: `src` outlives the reader.
  BackupStatus Open(const BackupKey& key, ByteSource* src);
  const Header& header() const { return header_; }

  // Exactly `n` plaintext bytes into `out`; kCorrupt if the content ends first (the last
  // chunk authenticated: the content itself is short).
  BackupStatus Read(uint8_t* out, size_t n);
  // Ok when every byte was read and the last chunk authenticated (opening it if it is
  // still ahead: an empty last chunk); kCorrupt if content is left (that refusal alone
  // leaves the reader usable, so that a caller may probe for the end).
  BackupStatus ExpectEnd();
  // The number of the chunk the last byte read came from (for messages about content).
  uint64_t chunk() const { return chunk_ == 0 ? 0 : chunk_ - 1; }
  uint64_t file_bytes() const { return file_bytes_; }
  uint32_t chunks() const { return chunk_; }

 private:
  BackupStatus NextChunk();
  BackupStatus Fill(size_t want);

  std::unique_ptr<GcmContext> gcm_;
  Header header_;
  std::array<uint8_t, kHeaderSize> aad_{};
  ByteSource* src_ = nullptr;
  std::vector<uint8_t> raw_, plain_;
  size_t pos_ = 0;
  uint32_t chunk_ = 0;  // chunks opened so far
  uint64_t file_bytes_ = 0;
  bool last_ = false, eof_ = false;
  BackupStatus failed_;
};

}  // namespace vigil::cloud::backup
