// The tables of a database as its own catalogue lists them (sqlite_master and its
// pragmas on SQLite, information_schema on PostgreSQL), so that a backup covers every
// table the migrations made, including ones added after this code was written.
#pragma once

#include <string>
#include <vector>

#include "cloud/store/database.h"

namespace vigil::cloud::backup {

struct TableInfo {
  std::string name;
  std::vector<std::string> columns;  // in the table's order
  std::vector<std::string> key;      // the primary key's columns, in key order (may be empty)
  std::vector<std::string> parents;  // tables its foreign keys reference (not itself)
};

// Every base table of the database (SQLite's own sqlite_* tables excluded), each after the
// tables it references, ties by name; tables in a reference cycle come last, by name.
// Errors: the database's (kQuery ...).
Status ReadCatalogue(Database& db, std::vector<TableInfo>* out);

}  // namespace vigil::cloud::backup
