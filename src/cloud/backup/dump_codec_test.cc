#include "cloud/backup/dump_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cloud/backup/backup_test_util.h"

namespace vigil::cloud::backup {
namespace {

using testing::Seal;
using testing::TestKey;

// A dump written by DumpWriter through a real ChunkWriter, as bytes of a backup file.
struct Written {
  MemorySink sink;
  ChunkWriter chunks;
  DumpWriter dump{&chunks};
  explicit Written(uint32_t chunk_size = 16) {
    Header h;
    h.chunk_size = chunk_size;
    EXPECT_TRUE(chunks.Start(TestKey(1), h, &sink).ok());
  }
  std::vector<uint8_t> Finish() {
    EXPECT_TRUE(dump.End().ok());
    EXPECT_TRUE(chunks.Finish().ok());
    return sink.bytes;
  }
};

struct Read {
  std::vector<std::string> tables;
  std::vector<std::vector<Value>> rows;
};

BackupStatus ReadDump(const std::vector<uint8_t>& file, Read* out) {
  MemorySource src(file);
  ChunkReader in;
  if (BackupStatus s = in.Open(TestKey(1), &src); !s.ok()) return s;
  DumpReader dump(&in);
  for (;;) {
    DumpItem item{};
    if (BackupStatus s = dump.Next(&item); !s.ok()) return s;
    if (item == DumpItem::kTable) out->tables.push_back(dump.table());
    if (item == DumpItem::kRow) out->rows.push_back(dump.row());
    if (item == DumpItem::kEnd) return BackupStatus::Ok();
  }
}

TEST(DumpCodec, EveryValueTypeReadsBackBitExactAcrossChunkBoundaries) {
  const std::vector<std::string> cols = {"a", "b", "c", "d", "e"};
  const std::vector<std::vector<Value>> rows = {
      {nullptr, int64_t{0}, 0.0, std::string(), Blob{}},
      {int64_t{std::numeric_limits<int64_t>::min()}, int64_t{std::numeric_limits<int64_t>::max()},
       -0.0, std::string("O'Brien; DROP TABLE x;\t\n\\"), Blob{0, 0xff, '\\', 0}},
      {std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::infinity(), 36.6,
       std::string(1000, 'x'), Blob(300, 0xab)},
  };
  Written w;  // 16-byte chunks: every value longer than a few bytes spans chunks
  ASSERT_TRUE(w.dump.BeginTable("t_1", cols).ok());
  for (const auto& r : rows) ASSERT_TRUE(w.dump.Row(r).ok());
  ASSERT_TRUE(w.dump.EndTable().ok());
  Read got;
  ASSERT_TRUE(ReadDump(w.Finish(), &got).ok());
  ASSERT_EQ(got.rows.size(), rows.size());
  EXPECT_EQ(got.tables, std::vector<std::string>{"t_1"});
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(got.rows[i], rows[i]) << i;
  // -0.0 == 0.0 for operator==: its sign must survive too.
  EXPECT_TRUE(std::signbit(std::get<double>(got.rows[1][2])));
}

TEST(DumpCodec, NamesThatAreNotPlainIdentifiersAreRefusedByTheWriter) {
  Written w;
  const std::vector<std::string> cols = {"a"};
  EXPECT_EQ(w.dump.BeginTable("t; DROP TABLE patients", cols).code, BackupError::kSchema);
  EXPECT_EQ(w.dump.BeginTable("Patients", cols).code, BackupError::kSchema);
  const std::vector<std::string> bad = {"a\"b"};
  EXPECT_EQ(w.dump.BeginTable("t", bad).code, BackupError::kSchema);
  EXPECT_TRUE(IsPlainIdentifier("vitals_minute"));
  EXPECT_FALSE(IsPlainIdentifier("1table"));
  EXPECT_FALSE(IsPlainIdentifier(std::string(64, 'a')));
}

// Hand-made content, sealed authentically: what the reader refuses is the content itself.
std::vector<uint8_t> Bytes(std::initializer_list<int> b) {
  std::vector<uint8_t> v;
  for (int x : b) v.push_back(static_cast<uint8_t>(x));
  return v;
}
std::vector<uint8_t> Table(const std::string& name) {
  std::vector<uint8_t> v = Bytes({'T', 0, static_cast<int>(name.size())});
  v.insert(v.end(), name.begin(), name.end());
  auto rest = Bytes({0, 1, 0, 1, 'a'});
  v.insert(v.end(), rest.begin(), rest.end());
  return v;
}
std::vector<uint8_t> Cat(std::vector<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> v;
  for (auto& p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}
const std::vector<uint8_t> kRowOfNull = Bytes({'R', 0});
std::vector<uint8_t> End(int rows) { return Bytes({'E', 0, 0, 0, 0, 0, 0, 0, rows}); }
std::vector<uint8_t> Final(int tables, int rows) {
  return Bytes({'Z', 0, 0, 0, tables, 0, 0, 0, 0, 0, 0, 0, rows});
}

BackupStatus ReadContent(const std::vector<uint8_t>& content) {
  Read got;
  return ReadDump(Seal(TestKey(1), content, 8), &got);
}

TEST(DumpCodec, HandMadeContentReadsWhenWellFormed) {
  EXPECT_TRUE(ReadContent(Cat({Table("t"), kRowOfNull, End(1), Final(1, 1)})).ok());
}

TEST(DumpCodec, RowCountThatDoesNotMatchIsRefused) {
  const BackupStatus s = ReadContent(Cat({Table("t"), kRowOfNull, End(2), Final(1, 2)}));
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("counts 2 rows, 1 were read"), std::string::npos) << s.message;
}

TEST(DumpCodec, DroppedTableIsCaughtByTheEndRecord) {
  EXPECT_EQ(ReadContent(Cat({Table("t"), End(0), Final(2, 0)})).code, BackupError::kCorrupt);
}

TEST(DumpCodec, ContentAfterTheEndRecordIsRefused) {
  EXPECT_EQ(ReadContent(Cat({Table("t"), End(0), Final(1, 0), Bytes({'Z'})})).code,
            BackupError::kCorrupt);
}

TEST(DumpCodec, ContentEndingInsideARecordIsRefused) {
  const BackupStatus s = ReadContent(Cat({Table("t"), Bytes({'R'})}));
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("ends inside a record"), std::string::npos) << s.message;
}

TEST(DumpCodec, TableTwiceIsRefused) {
  EXPECT_EQ(ReadContent(Cat({Table("t"), End(0), Table("t"), End(0), Final(2, 0)})).code,
            BackupError::kCorrupt);
}

TEST(DumpCodec, TableNameThatIsNotAPlainIdentifierIsRefused) {
  const BackupStatus s = ReadContent(Cat({Table("t;x"), End(0), Final(1, 0)}));
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("plain identifier"), std::string::npos);
}

TEST(DumpCodec, UnknownValueTypeAndRecordTypeAreRefused) {
  EXPECT_EQ(ReadContent(Cat({Table("t"), Bytes({'R', 9}), End(1), Final(1, 1)})).code,
            BackupError::kCorrupt);
  EXPECT_EQ(ReadContent(Bytes({'X'})).code, BackupError::kCorrupt);
}

TEST(DumpCodec, ValueLongerThanTheLimitIsRefusedBeforeAllocating) {
  const BackupStatus s =
      ReadContent(Cat({Table("t"), Bytes({'R', 4, 0xff, 0xff, 0xff, 0xff}), End(1), Final(1, 1)}));
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("a value of 4294967295 bytes"), std::string::npos) << s.message;
}

}  // namespace
}  // namespace vigil::cloud::backup
