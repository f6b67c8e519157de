// The byte layout of a backup file (docs/backup.md is the prose of this header; the two
// change together). All integers are big-endian.
//
//   header (64 bytes, in clear, the associated data of every chunk)
//     0  magic "VIGILBKP"           8
//     8  format version (1)         u16
//    10  backend (1 SQLite, 2 PostgreSQL: where the backup came from)   u8
//    11  flags (0)                  u8
//    12  chunk size: plaintext bytes of every chunk but the last        u32
//    16  schema version             i64
//    24  creation time, ms since the epoch (UTC)                        i64
//    32  backup key id              8
//    40  salt of the file key       16
//    56  nonce prefix               7
//    63  reserved (0)               u8
//   chunks, from offset 64: AES-256-GCM ciphertext || tag (16). Every chunk but the last
//   holds exactly `chunk size` plaintext bytes; the last holds 0..chunk size.
//     key   = HKDF-SHA-256(backup key, salt, "vigil backup v1 file key")
//     nonce = nonce prefix (7) || chunk number (u32) || last-chunk flag (1 or 0)
//     AAD   = the 64 header bytes
//
// The nonce makes a chunk valid only at its own position and only as what it was (last
// or not), so a reordered, dropped, duplicated, cut or appended chunk fails to
// authenticate, as does any change to the header.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cloud/backup/backup_error.h"
#include "common/bytes.h"

namespace vigil::cloud::backup {

inline constexpr std::array<uint8_t, 8> kMagic = {'V', 'I', 'G', 'I', 'L', 'B', 'K', 'P'};
inline constexpr uint16_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = 64;
inline constexpr size_t kKeyIdSize = 8;
inline constexpr size_t kSaltSize = 16;
inline constexpr size_t kNoncePrefixSize = 7;
inline constexpr size_t kNonceSize = 12;
inline constexpr size_t kTagSize = 16;
inline constexpr uint32_t kDefaultChunkSize = 64 * 1024;
// Bounds a reader accepts: a chunk is held in memory whole, so its size is capped.
inline constexpr uint32_t kMinChunkSize = 1;
inline constexpr uint32_t kMaxChunkSize = 16 * 1024 * 1024;
inline constexpr std::string_view kFileKeyInfo = "vigil backup v1 file key";

enum class SourceBackend : uint8_t { kSqlite = 1, kPostgres = 2 };
std::string_view SourceBackendName(SourceBackend b);

struct Header {
  uint16_t format_version = kFormatVersion;
  SourceBackend backend = SourceBackend::kSqlite;
  uint32_t chunk_size = kDefaultChunkSize;
  int64_t schema_version = 0;
  int64_t created_ms = 0;
  std::array<uint8_t, kKeyIdSize> key_id{};
  std::array<uint8_t, kSaltSize> salt{};
  std::array<uint8_t, kNoncePrefixSize> nonce_prefix{};
};

void EncodeHeader(const Header& h, std::array<uint8_t, kHeaderSize>* out);

// Errors: kNotABackup (short, or another magic), kUnsupported (format version, backend,
// chunk size or flags this binary does not read). The header is authenticated only by
// the first chunk: a caller trusts it after that chunk opened.
BackupStatus DecodeHeader(ByteSpan in, Header* out);

// The chunk's nonce (docs/backup.md, "Chunks").
std::array<uint8_t, kNonceSize> ChunkNonce(const Header& h, uint32_t chunk, bool last);

// Where chunk `n` starts in the file.
inline uint64_t ChunkOffset(const Header& h, uint64_t n) {
  return kHeaderSize + n * (uint64_t{h.chunk_size} + kTagSize);
}

}  // namespace vigil::cloud::backup
