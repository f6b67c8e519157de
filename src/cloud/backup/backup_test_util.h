// For tests only: backups made and read in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/backup/backup_key.h"
#include "cloud/backup/chunk_cipher.h"

namespace vigil::cloud::backup::testing {

inline BackupKey TestKey(uint8_t seed) {
  BackupKey k;
  for (size_t i = 0; i < k.key.size(); ++i) k.key[i] = static_cast<uint8_t>(seed + i);
  k.id = BackupKeyId(k.key);
  return k;
}

// `content` sealed as a backup file under `key` with `chunk_size`.
inline std::vector<uint8_t> Seal(const BackupKey& key, const std::vector<uint8_t>& content,
                                 uint32_t chunk_size, int64_t schema_version = 1) {
  MemorySink sink;
  ChunkWriter w;
  Header h;
  h.chunk_size = chunk_size;
  h.schema_version = schema_version;
  h.created_ms = 1764633600000;
  if (!w.Start(key, h, &sink).ok() || !w.Write(content).ok() || !w.Finish().ok()) return {};
  return sink.bytes;
}

// Every plaintext byte of a backup file, or the first refusal.
inline BackupStatus OpenAll(const BackupKey& key, const std::vector<uint8_t>& file,
                            std::vector<uint8_t>* content) {
  MemorySource src(file);
  ChunkReader r;
  content->clear();
  if (BackupStatus s = r.Open(key, &src); !s.ok()) return s;
  for (;;) {
    if (r.ExpectEnd().ok()) return BackupStatus::Ok();
    uint8_t b = 0;
    if (BackupStatus s = r.Read(&b, 1); !s.ok()) return s;
    content->push_back(b);
  }
}

}  // namespace vigil::cloud::backup::testing
