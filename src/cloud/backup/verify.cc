#include "cloud/backup/verify.h"

#include "cloud/backup/dump_codec.h"

namespace vigil::cloud::backup {

BackupStatus VerifyBackup(const BackupKey& key, ByteSource* src, ContentSummary* summary) {
  ChunkReader in;
  if (BackupStatus s = in.Open(key, src); !s.ok()) return s;
  DumpReader dump(&in);
  ContentSummary sum;
  sum.header = in.header();
  for (;;) {
    DumpItem item{};
    if (BackupStatus s = dump.Next(&item); !s.ok()) return s;
    if (item == DumpItem::kEndTable) sum.tables.emplace_back(dump.table(), dump.table_rows());
    if (item == DumpItem::kEnd) break;
  }
  sum.rows = dump.rows();
  sum.file_bytes = in.file_bytes();
  sum.chunks = in.chunks();
  if (summary != nullptr) *summary = std::move(sum);
  return BackupStatus::Ok();
}

}  // namespace vigil::cloud::backup
