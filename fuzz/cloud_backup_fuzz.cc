// Fuzzes the reader of backup files (docs/backup.md): the header, the chunk layer and the
// dump's records. Nothing may crash or allocate past the format's bounds; a refusal has
// one typed error and a message; what is accepted is exactly what was written.
// Input: byte 0 picks the mode.
//   even: the rest is a backup file, read under a fixed key. A refusal is one of the
//         file's errors (never kOk with a message, never a database or key error); an
//         acceptance (only a seed can be authentic) reads the same a second time.
//   odd:  byte 1 picks a chunk size (1..64), the rest is the dump's content, sealed
//         authentically, so that the record parser is reached. A refusal is kCorrupt; an
//         acceptance re-encodes (DumpWriter) to the same content bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cloud/backup/chunk_cipher.h"
#include "cloud/backup/dump_codec.h"
#include "cloud/backup/verify.h"

namespace {

using vigil::ByteSpan;
using namespace vigil::cloud;
using namespace vigil::cloud::backup;

void Require(bool ok) {
  if (!ok) std::abort();
}

const BackupKey& FuzzKey() {
  static BackupKey* k = [] {
    auto* key = new BackupKey;  // lives for the whole run
    for (size_t i = 0; i < key->key.size(); ++i) key->key[i] = static_cast<uint8_t>(i);
    key->id = BackupKeyId(key->key);
    return key;
  }();
  return *k;
}

struct Table {
  std::string name;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

BackupStatus ReadTables(ByteSpan file, std::vector<Table>* out) {
  MemorySource src(file);
  ChunkReader in;
  if (BackupStatus s = in.Open(FuzzKey(), &src); !s.ok()) return s;
  DumpReader dump(&in);
  for (;;) {
    DumpItem item{};
    if (BackupStatus s = dump.Next(&item); !s.ok()) return s;
    if (item == DumpItem::kTable) out->push_back({dump.table(), dump.columns(), {}});
    if (item == DumpItem::kRow) out->back().rows.push_back(dump.row());
    if (item == DumpItem::kEnd) return BackupStatus::Ok();
  }
}

std::vector<uint8_t> Plaintext(ByteSpan file) {
  MemorySource src(file);
  ChunkReader in;
  std::vector<uint8_t> out;
  Require(in.Open(FuzzKey(), &src).ok());
  while (!in.ExpectEnd().ok()) {
    uint8_t b = 0;
    Require(in.Read(&b, 1).ok());
    out.push_back(b);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  if ((mode & 1) == 0) {
    const ByteSpan file(data + 1, size - 1);
    MemorySource src(file);
    ContentSummary sum;
    const BackupStatus s = VerifyBackup(FuzzKey(), &src, &sum);
    if (!s.ok()) {
      Require(!s.message.empty());
      Require(s.code == BackupError::kNotABackup || s.code == BackupError::kUnsupported ||
              s.code == BackupError::kWrongKey || s.code == BackupError::kCorrupt ||
              s.code == BackupError::kTruncated);
      return 0;
    }
    MemorySource again(file);
    ContentSummary sum2;
    Require(VerifyBackup(FuzzKey(), &again, &sum2).ok());
    Require(sum2.tables == sum.tables && sum2.rows == sum.rows && sum.file_bytes == file.size());
    return 0;
  }
  if (size < 2) return 0;
  const uint32_t chunk_size = 1 + data[1] % 64u;
  const std::vector<uint8_t> content(data + 2, data + size);
  MemorySink sink;
  ChunkWriter w;
  Header h;
  h.chunk_size = chunk_size;
  Require(w.Start(FuzzKey(), h, &sink).ok() && w.Write(content).ok() && w.Finish().ok());
  std::vector<Table> tables;
  const BackupStatus s = ReadTables(sink.bytes, &tables);
  if (!s.ok()) {
    Require(s.code == BackupError::kCorrupt && !s.message.empty());
    return 0;
  }
  MemorySink again_sink;
  ChunkWriter again;
  Require(again.Start(FuzzKey(), h, &again_sink).ok());
  DumpWriter dump(&again);
  for (const Table& t : tables) {
    Require(dump.BeginTable(t.name, t.columns).ok());
    for (const auto& r : t.rows) Require(dump.Row(r).ok());
    Require(dump.EndTable().ok());
  }
  Require(dump.End().ok() && again.Finish().ok());
  Require(Plaintext(again_sink.bytes) == content);
  return 0;
}
