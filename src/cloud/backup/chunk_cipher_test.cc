#include "cloud/backup/chunk_cipher.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cloud/backup/backup_test_util.h"

namespace vigil::cloud::backup {
namespace {

using testing::OpenAll;
using testing::Seal;
using testing::TestKey;

std::vector<uint8_t> Content(size_t n) {
  std::vector<uint8_t> c(n);
  for (size_t i = 0; i < n; ++i) c[i] = static_cast<uint8_t>(i * 7 + 3);
  return c;
}

// A small backup of four chunks: 3 full ones of 32 bytes and a last one of 4.
constexpr uint32_t kChunk = 32;
constexpr size_t kSealedChunk = kChunk + kTagSize;

TEST(ChunkCipher, ContentOfEveryLengthRoundTripsThroughChunks) {
  const BackupKey key = TestKey(1);
  for (size_t n : {size_t{0}, size_t{1}, size_t{31}, size_t{32}, size_t{33}, size_t{64},
                   size_t{100}, size_t{1000}}) {
    const std::vector<uint8_t> file = Seal(key, Content(n), kChunk);
    // Full chunks, then a last one of 0..32 bytes (an empty one only for empty content).
    const size_t chunks = n == 0 ? 1 : (n + kChunk - 1) / kChunk;
    EXPECT_EQ(file.size(), kHeaderSize + n + chunks * kTagSize) << n;
    std::vector<uint8_t> out;
    ASSERT_TRUE(OpenAll(key, file, &out).ok()) << n;
    EXPECT_EQ(out, Content(n)) << n;
  }
}

TEST(ChunkCipher, TwoBackupsOfTheSameContentShareNoCiphertext) {
  const BackupKey key = TestKey(1);
  const auto a = Seal(key, Content(64), kChunk), b = Seal(key, Content(64), kChunk);
  ASSERT_EQ(a.size(), b.size());
  // Fresh salt and nonce prefix per file: a different file key, so different bytes.
  EXPECT_FALSE(
      std::equal(a.begin() + kHeaderSize, a.begin() + kHeaderSize + 16, b.begin() + kHeaderSize));
}

TEST(ChunkCipher, EveryFlippedByteIsRefusedAndNothingOfItsChunkIsHandedOut) {
  const BackupKey key = TestKey(1);
  const std::vector<uint8_t> good = Seal(key, Content(100), kChunk);
  ASSERT_EQ(good.size(), kHeaderSize + 3 * kSealedChunk + 4 + kTagSize);
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (uint8_t bit : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::vector<uint8_t> bad = good;
      bad[pos] ^= bit;
      std::vector<uint8_t> out;
      const BackupStatus s = OpenAll(key, bad, &out);
      ASSERT_FALSE(s.ok()) << "byte " << pos;
      EXPECT_FALSE(s.message.empty());
      // Only whole chunks before the damaged one were released.
      if (pos >= kHeaderSize) {
        const size_t damaged = (pos - kHeaderSize) / kSealedChunk;
        EXPECT_LE(out.size(), damaged * kChunk) << "byte " << pos;
      } else {
        EXPECT_TRUE(out.empty()) << "byte " << pos;
      }
    }
  }
}

TEST(ChunkCipher, FlippedByteIsNamedByChunkAndOffset) {
  const BackupKey key = TestKey(1);
  std::vector<uint8_t> bad = Seal(key, Content(100), kChunk);
  const size_t off = kHeaderSize + 2 * kSealedChunk;
  bad[off + 5] ^= 1;
  std::vector<uint8_t> out;
  const BackupStatus s = OpenAll(key, bad, &out);
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("chunk 2 at offset " + std::to_string(off)), std::string::npos)
      << s.message;
}

TEST(ChunkCipher, FileCutAtEveryLengthIsRefused) {
  const BackupKey key = TestKey(1);
  const std::vector<uint8_t> good = Seal(key, Content(100), kChunk);
  for (size_t len = 0; len < good.size(); ++len) {
    const std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
    std::vector<uint8_t> out;
    const BackupStatus s = OpenAll(key, cut, &out);
    ASSERT_FALSE(s.ok()) << "length " << len;
    if (len < kHeaderSize) {
      EXPECT_EQ(s.code, BackupError::kNotABackup) << len;
    } else if ((len - kHeaderSize) % kSealedChunk == 0) {
      // Cut at a chunk boundary: every chunk present is whole and authentic, but none is
      // the last one.
      EXPECT_EQ(s.code, BackupError::kTruncated) << len << ": " << s.ToString();
      EXPECT_NE(s.message.find("cut short"), std::string::npos) << s.message;
    } else {
      EXPECT_TRUE(s.code == BackupError::kTruncated || s.code == BackupError::kCorrupt)
          << len << ": " << s.ToString();
    }
  }
}

TEST(ChunkCipher, WrongKeyIsNamedBeforeAnyDecryption) {
  const std::vector<uint8_t> file = Seal(TestKey(1), Content(100), kChunk);
  std::vector<uint8_t> out;
  const BackupStatus s = OpenAll(TestKey(2), file, &out);
  EXPECT_EQ(s.code, BackupError::kWrongKey);
  EXPECT_NE(s.message.find(KeyIdHex(TestKey(1).id)), std::string::npos) << s.message;
  EXPECT_TRUE(out.empty());
}

TEST(ChunkCipher, KeyIdCopiedOntoAnotherKeysBackupStillDoesNotOpen) {
  // A header edited to carry the right key id: the file key is still another's.
  std::vector<uint8_t> file = Seal(TestKey(2), Content(100), kChunk);
  const auto id = TestKey(1).id;
  std::copy(id.begin(), id.end(), file.begin() + 32);
  std::vector<uint8_t> out;
  EXPECT_EQ(OpenAll(TestKey(1), file, &out).code, BackupError::kCorrupt);
}

std::vector<uint8_t> ChunkAt(const std::vector<uint8_t>& f, size_t i) {
  const auto b = f.begin() + static_cast<std::ptrdiff_t>(kHeaderSize + i * kSealedChunk);
  return {b, b + static_cast<std::ptrdiff_t>(kSealedChunk)};
}

TEST(ChunkCipher, SwappedChunksAreRefused) {
  const BackupKey key = TestKey(1);
  const std::vector<uint8_t> good = Seal(key, Content(100), kChunk);
  std::vector<uint8_t> bad = good;
  const auto c0 = ChunkAt(good, 0), c1 = ChunkAt(good, 1);
  std::copy(c1.begin(), c1.end(), bad.begin() + kHeaderSize);
  std::copy(c0.begin(), c0.end(), bad.begin() + kHeaderSize + kSealedChunk);
  std::vector<uint8_t> out;
  const BackupStatus s = OpenAll(key, bad, &out);
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("chunk 0 at offset 64"), std::string::npos) << s.message;
}

TEST(ChunkCipher, DuplicatedChunkIsRefused) {
  const BackupKey key = TestKey(1);
  const std::vector<uint8_t> good = Seal(key, Content(100), kChunk);
  std::vector<uint8_t> bad = good;
  const auto c1 = ChunkAt(good, 1);
  bad.insert(bad.begin() + kHeaderSize + 2 * kSealedChunk, c1.begin(), c1.end());
  std::vector<uint8_t> out;
  const BackupStatus s = OpenAll(key, bad, &out);
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("chunk 2 "), std::string::npos) << s.message;
}

TEST(ChunkCipher, DroppedChunkIsRefused) {
  const BackupKey key = TestKey(1);
  std::vector<uint8_t> bad = Seal(key, Content(100), kChunk);
  bad.erase(bad.begin() + kHeaderSize + kSealedChunk, bad.begin() + kHeaderSize + 2 * kSealedChunk);
  std::vector<uint8_t> out;
  const BackupStatus s = OpenAll(key, bad, &out);
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("chunk 1 "), std::string::npos) << s.message;
}

TEST(ChunkCipher, BytesAppendedAfterTheLastChunkAreRefused) {
  const BackupKey key = TestKey(1);
  // Content of exactly three chunks: the last one is full-sized, so appended bytes make
  // it look like a middle chunk.
  std::vector<uint8_t> bad = Seal(key, Content(96), kChunk);
  bad.push_back(0);
  std::vector<uint8_t> out;
  const BackupStatus s = OpenAll(key, bad, &out);
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("is the last chunk"), std::string::npos) << s.message;
}

TEST(ChunkCipher, HeaderFieldsAreBoundToEveryChunk) {
  const BackupKey key = TestKey(1);
  std::vector<uint8_t> bad = Seal(key, Content(100), kChunk, /*schema_version=*/1);
  bad[23] = 2;  // schema version 1 -> 2: a restore would migrate to the wrong version
  std::vector<uint8_t> out;
  const BackupStatus s = OpenAll(key, bad, &out);
  EXPECT_EQ(s.code, BackupError::kCorrupt);
  EXPECT_NE(s.message.find("chunk 0"), std::string::npos);
}

TEST(ChunkCipher, UnknownFormatVersionIsRefusedAsUnsupported) {
  const BackupKey key = TestKey(1);
  std::vector<uint8_t> bad = Seal(key, Content(10), kChunk);
  bad[9] = 2;
  std::vector<uint8_t> out;
  EXPECT_EQ(OpenAll(key, bad, &out).code, BackupError::kUnsupported);
}

TEST(ChunkCipher, AnotherFileIsNotABackup) {
  std::vector<uint8_t> sqlite(100, 0);
  const std::string magic = "SQLite format 3";
  std::copy(magic.begin(), magic.end(), sqlite.begin());
  std::vector<uint8_t> out;
  EXPECT_EQ(OpenAll(TestKey(1), sqlite, &out).code, BackupError::kNotABackup);
}

}  // namespace
}  // namespace vigil::cloud::backup
