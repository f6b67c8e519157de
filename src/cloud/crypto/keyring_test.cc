#include "cloud/crypto/keyring.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "cloud/store/schema.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

MasterKey Key(uint8_t fill) {
  MasterKey k;
  k.key.fill(fill);
  k.id = MasterKeyId(k.key);
  return k;
}

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(OpenDatabase(dir_.File("c.db"), {}, &db_).ok());
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
    ASSERT_TRUE(keys_.Open(*db_, {Key(1)}, 1).ok());
  }
  Blob SealText(const FieldContext& c, std::string_view text) {
    Blob b;
    EXPECT_TRUE(keys_.Seal(c, text, &b).ok());
    return b;
  }
  vigil::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
};

const FieldContext kCtx = {"patients", "identity", "patient:7", "7"};

TEST_F(KeyringTest, SealedValueOpensInItsOwnPlace) {
  const Blob b = SealText(kCtx, "Ada Lovelace");
  EXPECT_EQ(b.size(), 12 + kFieldBlobOverhead);
  std::vector<uint8_t> plain;
  ASSERT_TRUE(keys_.Unseal(kCtx, b, &plain).ok());
  EXPECT_EQ(std::string(plain.begin(), plain.end()), "Ada Lovelace");
}

TEST_F(KeyringTest, ValueMovedToAnotherPatientRowColumnOrTableFailsToOpen) {
  const Blob b = SealText(kCtx, "Ada Lovelace");
  std::vector<uint8_t> plain;
  for (const FieldContext& moved : {
           FieldContext{"patients", "identity", "patient:8", "7"},  // another patient
           FieldContext{"patients", "identity", "patient:7", "8"},  // another row
           FieldContext{"patients", "notes", "patient:7", "7"},     // another column
           FieldContext{"alarms", "identity", "patient:7", "7"},    // another table
           FieldContext{"patients", "identity", "patient:", "77"},  // shifted boundary
       }) {
    const Status s = keys_.Unseal(moved, b, &plain);
    EXPECT_EQ(s.code, StoreError::kCrypto) << moved.owner << " " << moved.row;
    EXPECT_TRUE(plain.empty());
  }
}

TEST_F(KeyringTest, EveryFlippedByteIsRefused) {
  const Blob b = SealText(kCtx, "1987-02-03");
  for (size_t i = 0; i < b.size(); ++i) {
    Blob t = b;
    t[i] ^= 0x01;
    std::vector<uint8_t> plain;
    const Status s = keys_.Unseal(kCtx, t, &plain);
    EXPECT_FALSE(s.ok()) << "byte " << i;
    EXPECT_TRUE(plain.empty());
  }
}

TEST_F(KeyringTest, EveryTruncationIsRefused) {
  const Blob b = SealText(kCtx, "MRN-0001");
  for (size_t n = 0; n < b.size(); ++n) {
    std::vector<uint8_t> plain;
    EXPECT_EQ(keys_.Unseal(kCtx, ByteSpan(b.data(), n), &plain).code, StoreError::kCrypto) << n;
  }
}

TEST_F(KeyringTest, WrongMasterKeyIsRefusedAtOpen) {
  Keyring other;
  const Status s = other.Open(*db_, {Key(2)}, 1);
  EXPECT_EQ(s.code, StoreError::kCrypto);
}

TEST_F(KeyringTest, WrappedKeyCopiedToAnotherIdDoesNotUnwrap) {
  ASSERT_TRUE(db_->Execute("UPDATE data_keys SET wrapped = (SELECT wrapped FROM data_keys "
                           "WHERE key_id = 1) WHERE key_id = 2",
                           {})
                  .ok());
  Keyring again;
  EXPECT_EQ(again.Open(*db_, {Key(1)}, 1).code, StoreError::kCrypto);
}

TEST_F(KeyringTest, RewrapUnderNewMasterKeepsEveryValueReadable) {
  const Blob before = SealText(kCtx, "Ada Lovelace");
  // Rotation: the new key first, the old one still given while it runs.
  Keyring rotating;
  ASSERT_TRUE(rotating.Open(*db_, {Key(9), Key(1)}, 2).ok());
  size_t n = 0;
  ASSERT_TRUE(rotating.RewrapAll(*db_, &n).ok());
  EXPECT_EQ(n, 2u);  // the index key and the field key
  // A reader still holding only the old generation's unwrapped keys keeps reading.
  std::vector<uint8_t> plain;
  ASSERT_TRUE(keys_.Unseal(kCtx, before, &plain).ok());
  // After: the new master alone opens everything; the old one alone does not.
  Keyring after;
  ASSERT_TRUE(after.Open(*db_, {Key(9)}, 3).ok());
  ASSERT_TRUE(after.Unseal(kCtx, before, &plain).ok());
  EXPECT_EQ(std::string(plain.begin(), plain.end()), "Ada Lovelace");
  EXPECT_EQ(after.PseudonymHash("p-1"), keys_.PseudonymHash("p-1"));
  Keyring old_only;
  EXPECT_EQ(old_only.Open(*db_, {Key(1)}, 3).code, StoreError::kCrypto);
}

TEST_F(KeyringTest, DataKeyRotationSealsNewWritesUnderTheNewKeyAndReadsOldOnes) {
  const Blob old_value = SealText(kCtx, "old");
  uint32_t id = 0;
  ASSERT_TRUE(keys_.RotateDataKey(*db_, 5, &id).ok());
  EXPECT_EQ(keys_.active_key(), id);
  const Blob new_value = SealText(kCtx, "new");
  EXPECT_NE(old_value[4], new_value[4]);  // the key id in the header
  std::vector<uint8_t> plain;
  ASSERT_TRUE(keys_.Unseal(kCtx, old_value, &plain).ok());
  EXPECT_EQ(std::string(plain.begin(), plain.end()), "old");
  // A reader opened before the rotation learns the new key by Reload.
  Keyring reader;
  ASSERT_TRUE(reader.Open(*db_, {Key(1)}, 6).ok());
  ASSERT_TRUE(reader.Unseal(kCtx, new_value, &plain).ok());
}

TEST(MasterKeys, KeyFileOpenToOthersIsRefused) {
  vigil::testing::TempDir dir;
  const std::string path = dir.File("master.key");
  ASSERT_EQ(CreateMasterKeyFile(path, nullptr, nullptr), Error::kOk);
  EXPECT_EQ(vigil::testing::FileMode(path), 0600u);
  std::vector<MasterKey> keys;
  std::string why;
  ASSERT_EQ(LoadMasterKeys(path, &keys, &why), Error::kOk) << why;
  EXPECT_EQ(keys.size(), 1u);
  ::chmod(path.c_str(), 0640);
  EXPECT_EQ(LoadMasterKeys(path, &keys, &why), Error::kInvalidState);
}

TEST(MasterKeys, EnvironmentVariableHoldsOneOrMoreGenerations) {
  const std::string a(64, 'a'), b(64, '0');
  ::setenv(kMasterKeyEnv, (a + "," + b).c_str(), 1);
  std::vector<MasterKey> keys;
  std::string why;
  EXPECT_EQ(LoadMasterKeys("/nonexistent", &keys, &why), Error::kOk) << why;
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].key[0], 0xaa);
  ::setenv(kMasterKeyEnv, "abcd", 1);
  EXPECT_EQ(LoadMasterKeys("/nonexistent", &keys, &why), Error::kMalformed);
  EXPECT_EQ(why.find("abcd"), std::string::npos);  // the key is never echoed
  ::unsetenv(kMasterKeyEnv);
}

}  // namespace
}  // namespace vigil::cloud
