#include "cloud/backup/backup_format.h"

#include <algorithm>
#include <string>

namespace vigil::cloud::backup {
namespace {

void Put(uint8_t* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}
uint64_t Get(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace

std::string_view SourceBackendName(SourceBackend b) {
  return b == SourceBackend::kSqlite ? "sqlite" : "postgresql";
}

void EncodeHeader(const Header& h, std::array<uint8_t, kHeaderSize>* out) {
  uint8_t* p = out->data();
  out->fill(0);
  std::copy(kMagic.begin(), kMagic.end(), p);
  Put(p + 8, h.format_version, 2);
  p[10] = static_cast<uint8_t>(h.backend);
  p[11] = 0;
  Put(p + 12, h.chunk_size, 4);
  Put(p + 16, static_cast<uint64_t>(h.schema_version), 8);
  Put(p + 24, static_cast<uint64_t>(h.created_ms), 8);
  std::copy(h.key_id.begin(), h.key_id.end(), p + 32);
  std::copy(h.salt.begin(), h.salt.end(), p + 40);
  std::copy(h.nonce_prefix.begin(), h.nonce_prefix.end(), p + 56);
  p[63] = 0;
}

BackupStatus DecodeHeader(ByteSpan in, Header* out) {
  if (in.size() < kHeaderSize || !std::equal(kMagic.begin(), kMagic.end(), in.begin()))
    return BackupFail(BackupError::kNotABackup,
                      in.size() < kHeaderSize
                          ? "the file is " + std::to_string(in.size()) +
                                " bytes, shorter than a backup header (64)"
                          : "the file does not start with a Vigil backup header");
  const uint8_t* p = in.data();
  Header h;
  h.format_version = static_cast<uint16_t>(Get(p + 8, 2));
  if (h.format_version != kFormatVersion)
    return BackupFail(BackupError::kUnsupported,
                      "backup format version " + std::to_string(h.format_version) +
                          " (this binary reads version " + std::to_string(kFormatVersion) + ")");
  if (p[10] != static_cast<uint8_t>(SourceBackend::kSqlite) &&
      p[10] != static_cast<uint8_t>(SourceBackend::kPostgres))
    return BackupFail(BackupError::kUnsupported,
                      "header offset 10: unknown back-end " + std::to_string(p[10]));
  h.backend = static_cast<SourceBackend>(p[10]);
  if (p[11] != 0 || p[63] != 0)
    return BackupFail(BackupError::kUnsupported, "header: unknown flags or reserved bits set");
  h.chunk_size = static_cast<uint32_t>(Get(p + 12, 4));
  if (h.chunk_size < kMinChunkSize || h.chunk_size > kMaxChunkSize)
    return BackupFail(
        BackupError::kUnsupported,
        "header offset 12: chunk size " + std::to_string(h.chunk_size) + " outside 1..16 MiB");
  h.schema_version = static_cast<int64_t>(Get(p + 16, 8));
  h.created_ms = static_cast<int64_t>(Get(p + 24, 8));
  std::copy(p + 32, p + 40, h.key_id.begin());
  std::copy(p + 40, p + 56, h.salt.begin());
  std::copy(p + 56, p + 63, h.nonce_prefix.begin());
  *out = h;
  return BackupStatus::Ok();
}

std::array<uint8_t, kNonceSize> ChunkNonce(const Header& h, uint32_t chunk, bool last) {
  std::array<uint8_t, kNonceSize> n{};
  std::copy(h.nonce_prefix.begin(), h.nonce_prefix.end(), n.begin());
  Put(n.data() + kNoncePrefixSize, chunk, 4);
  n[11] = last ? 1 : 0;
  return n;
}

}  // namespace vigil::cloud::backup
