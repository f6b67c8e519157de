#include "cloud/store/notes_store.h"

#include <gtest/gtest.h>

#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;

MasterKey Key(uint8_t fill) {
  MasterKey k;
  k.key.fill(fill);
  k.id = MasterKeyId(k.key);
  return k;
}

class NotesStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
    ASSERT_TRUE(keys_.Open(*db_, {Key(1)}, 1).ok());
    notes_ = std::make_unique<NotesStore>(*db_, keys_);
    a_ = Patient("ps-a");
    b_ = Patient("ps-b");
  }
  int64_t Patient(std::string pseudonym) {
    AdmitRequest req;
    req.identity.name = "Pat";
    req.pseudonym = std::move(pseudonym);
    req.device_kind = "monitor";
    req.ward = "icu";
    req.bed = "1";
    AdmitResult r;
    EXPECT_TRUE(Admit(*db_, keys_, req, 1, &r).ok());
    return r.patient_id;
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
  std::unique_ptr<NotesStore> notes_;
  int64_t a_ = 0, b_ = 0;
};

TEST_P(NotesStoreSuite, NotesReadBackInTimeOrderForTheirPatientOnly) {
  ASSERT_TRUE(notes_->Add(a_, "d-1", kNow + 2, "second", nullptr).ok());
  ASSERT_TRUE(notes_->Add(a_, "d-1", kNow + 1, "first: BP 180/110, recheck", nullptr).ok());
  ASSERT_TRUE(notes_->Add(b_, "d-2", kNow, "other patient", nullptr).ok());
  std::vector<Note> got;
  ASSERT_TRUE(notes_->ForPatient(a_, kNow, kNow + 10, 10, &got).ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text, "first: BP 180/110, recheck");
  EXPECT_EQ(got[0].author, "d-1");
  EXPECT_EQ(got[1].text, "second");
  got.clear();
  ASSERT_TRUE(notes_->ForPatient(a_, kNow + 2, kNow + 10, 10, &got).ok());
  EXPECT_EQ(got.size(), 1u);
}

TEST_P(NotesStoreSuite, TableHoldsNoNoteTextInClear) {
  ASSERT_TRUE(notes_->Add(a_, "d-1", kNow, "suspected sepsis", nullptr).ok());
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT body FROM notes", {}, &rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0).find("sepsis"), std::string::npos);
}

TEST_P(NotesStoreSuite, NoteMovedToAnotherPatientOrRowFailsToOpen) {
  int64_t first = 0, second = 0;
  ASSERT_TRUE(notes_->Add(a_, "d-1", kNow, "for patient a", &first).ok());
  ASSERT_TRUE(notes_->Add(a_, "d-1", kNow + 1, "also a", &second).ok());
  ASSERT_TRUE(
      db_->Execute("UPDATE notes SET patient_id = ? WHERE note_id = ?", {Value{b_}, Value{first}})
          .ok());
  std::vector<Note> got;
  const Status moved = notes_->ForPatient(b_, 0, kNow + 10, 10, &got);
  EXPECT_EQ(moved.code, StoreError::kCrypto);
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(
      db_->Execute("UPDATE notes SET patient_id = ? WHERE note_id = ?", {Value{a_}, Value{first}})
          .ok());
  ASSERT_TRUE(db_->Execute("UPDATE notes SET body = (SELECT body FROM notes WHERE note_id = ?) "
                           "WHERE note_id = ?",
                           {Value{first}, Value{second}})
                  .ok());
  EXPECT_EQ(notes_->ForPatient(a_, 0, kNow + 10, 10, &got).code, StoreError::kCrypto);
  EXPECT_TRUE(got.empty()) << "nothing partial";
}

TEST_P(NotesStoreSuite, EmptyTextOrAuthorOrUnknownPatientWritesNothing) {
  EXPECT_EQ(notes_->Add(a_, "d-1", kNow, "", nullptr).code, StoreError::kMisuse);
  EXPECT_EQ(notes_->Add(a_, "", kNow, "x", nullptr).code, StoreError::kMisuse);
  EXPECT_EQ(notes_->Add(a_, "d", kNow, std::string(kMaxNoteBytes + 1, 'x'), nullptr).code,
            StoreError::kMisuse);
  EXPECT_EQ(notes_->Add(b_ + 100, "d-1", kNow, "x", nullptr).code, StoreError::kConstraint);
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT COUNT(*) FROM notes", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, NotesStoreSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
