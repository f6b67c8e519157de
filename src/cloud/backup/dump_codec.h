// The content of a backup (docs/backup.md, "Content"): a logical dump, the same for both
// back-ends, so that a backup of SQLite restores into PostgreSQL and the other way round.
// It is the plaintext that the chunk cipher (chunk_cipher.h) seals; records may span
// chunks. Integers are big-endian.
//
//   'T' u16 n, table name (n bytes), u16 k, k x (u16 n, column name)   a table starts
//   'R' k values                                                        one row
//        value: u8 type: 0 NULL | 1 INTEGER i64 | 2 REAL (IEEE 754 binary64 bits, u64)
//                        | 3 TEXT u32 n, n bytes | 4 BLOB u32 n, n bytes
//   'E' u64 rows                                   the table ends, with its row count
//   'Z' u32 tables, u64 rows                       the dump ends; nothing may follow
//
// Names are plain identifiers ([a-z_][a-z0-9_]*, at most 63 bytes): they are spliced
// into the restore's SQL, so the reader refuses anything else. Tables come in an order in
// which each follows the tables its foreign keys name.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/backup/chunk_cipher.h"
#include "cloud/store/database.h"

namespace vigil::cloud::backup {

inline constexpr size_t kMaxNameSize = 63;
inline constexpr size_t kMaxColumns = 1000;
inline constexpr uint32_t kMaxValueSize = 64u * 1024 * 1024;

bool IsPlainIdentifier(std::string_view s);

// Writes records to a started ChunkWriter, which must outlive it. REQUIRES: the calls in
// the order of the grammar above (kCorrupt-free by construction; a misuse returns
// kSchema naming it), names plain identifiers, values at most kMaxValueSize.
class DumpWriter {
 public:
  explicit DumpWriter(ChunkWriter* out) : out_(out) {}
  BackupStatus BeginTable(std::string_view name, std::span<const std::string> columns);
  BackupStatus Row(std::span<const Value> values);
  BackupStatus EndTable();
  BackupStatus End();  // the 'Z' record; then ChunkWriter::Finish

  uint32_t tables() const { return tables_; }
  uint64_t rows() const { return rows_; }

 private:
  ChunkWriter* out_;
  std::vector<uint8_t> rec_;
  size_t columns_ = 0;
  bool in_table_ = false;
  uint32_t tables_ = 0;
  uint64_t rows_ = 0, table_rows_ = 0;
};

enum class DumpItem : uint8_t { kTable, kRow, kEndTable, kEnd };

// Reads records from an opened ChunkReader, which must outlive it. Next refuses (kCorrupt,
// naming the chunk) a record out of order, an unknown tag or value type, a bad name, a
// table twice, a count that does not match, or content after 'Z'; any error of the chunk
// reader passes through. After kEnd the whole file authenticated.
class DumpReader {
 public:
  explicit DumpReader(ChunkReader* in) : in_(in) {}
  BackupStatus Next(DumpItem* item);

  // The current table (after kTable, until the next one).
  const std::string& table() const { return table_; }
  const std::vector<std::string>& columns() const { return columns_; }
  // The row after kRow; the caller may move its values out.
  std::vector<Value>& row() { return row_; }
  uint64_t table_rows() const { return table_rows_; }
  uint32_t tables() const { return tables_; }
  uint64_t rows() const { return rows_; }

 private:
  BackupStatus Bytes(void* out, size_t n) { return in_->Read(static_cast<uint8_t*>(out), n); }
  BackupStatus Uint(size_t n, uint64_t* v);
  BackupStatus Name(std::string_view what, std::string* out);
  BackupStatus Bad(const std::string& what) const;

  ChunkReader* in_;
  std::string table_;
  std::vector<std::string> columns_, seen_;
  std::vector<Value> row_;
  bool in_table_ = false, ended_ = false;
  uint32_t tables_ = 0;
  uint64_t rows_ = 0, table_rows_ = 0;
};

}  // namespace vigil::cloud::backup
