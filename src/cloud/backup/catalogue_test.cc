#include "cloud/backup/catalogue.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"

namespace vigil::cloud::backup {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

class Catalogue : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    MigrateReport r;
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, &r).ok());
    ASSERT_TRUE(ReadCatalogue(*db_, &tables_).ok());
  }
  const TableInfo* Find(const std::string& name) const {
    auto it = std::find_if(tables_.begin(), tables_.end(),
                           [&](const TableInfo& t) { return t.name == name; });
    return it == tables_.end() ? nullptr : &*it;
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  std::vector<TableInfo> tables_;
};

TEST_P(Catalogue, EveryTableComesAfterTheTablesItReferences) {
  for (size_t i = 0; i < tables_.size(); ++i)
    for (const std::string& p : tables_[i].parents) {
      const auto at = std::find_if(tables_.begin(), tables_.end(),
                                   [&](const TableInfo& t) { return t.name == p; });
      ASSERT_NE(at, tables_.end()) << p;
      EXPECT_LT(static_cast<size_t>(at - tables_.begin()), i) << tables_[i].name << " -> " << p;
    }
  const TableInfo* admissions = Find("admissions");
  ASSERT_NE(admissions, nullptr);
  auto parents = admissions->parents;
  std::sort(parents.begin(), parents.end());
  EXPECT_EQ(parents, (std::vector<std::string>{"patients", "pseudonyms"}));
}

TEST_P(Catalogue, ColumnsAndCompositePrimaryKeysAreInTheTablesOrder) {
  const TableInfo* minute = Find("vitals_minute");
  ASSERT_NE(minute, nullptr);
  EXPECT_EQ(minute->columns,
            (std::vector<std::string>{"patient_id", "vital", "minute_ms", "stats"}));
  EXPECT_EQ(minute->key, (std::vector<std::string>{"patient_id", "vital", "minute_ms"}));
  ASSERT_NE(Find("vitals"), nullptr);
  EXPECT_EQ(Find("vitals")->key, std::vector<std::string>{"vital_row"});
  EXPECT_NE(Find("schema_migrations"), nullptr);
}

TEST_P(Catalogue, TableAddedOutsideTheMigrationsIsListed) {
  ASSERT_TRUE(db_->ExecScript("CREATE TABLE later_table (a BIGINT, b TEXT)").ok());
  ASSERT_TRUE(ReadCatalogue(*db_, &tables_).ok());
  const TableInfo* t = Find("later_table");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->key.empty());  // paged by OFFSET in a backup
  EXPECT_EQ(t->columns, (std::vector<std::string>{"a", "b"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, Catalogue,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud::backup
