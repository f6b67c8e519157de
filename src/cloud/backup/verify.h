// `vigil backup verify`: decrypts and checks a whole backup without a database: the
// header, every chunk's tag, its place and the last-chunk flag, every record of the dump
// and its counts (chunk_cipher.h, dump_codec.h). Ok means a restore would read exactly
// these tables and rows.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cloud/backup/backup_key.h"
#include "cloud/backup/byte_stream.h"
#include "cloud/backup/chunk_cipher.h"

namespace vigil::cloud::backup {

struct ContentSummary {
  Header header;
  std::vector<std::pair<std::string, uint64_t>> tables;  // in dump order, with row counts
  uint64_t rows = 0;
  uint64_t file_bytes = 0;
  uint32_t chunks = 0;
};

// Errors: those of ChunkReader and DumpReader, naming the chunk and offset.
BackupStatus VerifyBackup(const BackupKey& key, ByteSource* src, ContentSummary* summary);

}  // namespace vigil::cloud::backup
