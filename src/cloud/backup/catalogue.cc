#include "cloud/backup/catalogue.h"

#include <algorithm>
#include <map>
#include <set>

namespace vigil::cloud::backup {
namespace {

Status ReadSqlite(Database& db, std::vector<TableInfo>* out) {
  std::vector<Row> tables;
  if (Status s = db.Execute(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
          "ESCAPE '\\' ORDER BY name",
          {}, &tables);
      !s.ok())
    return s;
  for (const Row& t : tables) {
    TableInfo info;
    info.name = t.Text(0);
    std::vector<Row> cols;
    if (Status s = db.Execute("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", {info.name},
                              &cols);
        !s.ok())
      return s;
    std::vector<std::pair<int64_t, std::string>> key;
    for (const Row& c : cols) {
      info.columns.push_back(c.Text(0));
      if (c.Int(1) > 0) key.emplace_back(c.Int(1), c.Text(0));
    }
    std::sort(key.begin(), key.end());
    for (auto& [_, name] : key) info.key.push_back(name);
    std::vector<Row> fks;
    if (Status s = db.Execute("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)",
                              {info.name}, &fks);
        !s.ok())
      return s;
    for (const Row& f : fks) info.parents.push_back(f.Text(0));
    out->push_back(std::move(info));
  }
  return Status::Ok();
}

Status ReadPostgres(Database& db, std::vector<TableInfo>* out) {
  std::vector<Row> tables;
  if (Status s = db.Execute("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                            "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
                            {}, &tables);
      !s.ok())
    return s;
  for (const Row& t : tables) {
    TableInfo info;
    info.name = t.Text(0);
    std::vector<Row> rows;
    if (Status s =
            db.Execute("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                       "current_schema() AND table_name = ? ORDER BY ordinal_position",
                       {info.name}, &rows);
        !s.ok())
      return s;
    for (const Row& c : rows) info.columns.push_back(c.Text(0));
    rows.clear();
    if (Status s = db.Execute(
            "SELECT k.column_name FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k ON k.constraint_schema = "
            "c.constraint_schema AND k.constraint_name = c.constraint_name AND k.table_name = "
            "c.table_name WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = "
            "current_schema() AND c.table_name = ? ORDER BY k.ordinal_position",
            {info.name}, &rows);
        !s.ok())
      return s;
    for (const Row& c : rows) info.key.push_back(c.Text(0));
    rows.clear();
    if (Status s = db.Execute(
            "SELECT DISTINCT u.table_name FROM information_schema.table_constraints c "
            "JOIN information_schema.constraint_table_usage u ON u.constraint_schema = "
            "c.constraint_schema AND u.constraint_name = c.constraint_name WHERE "
            "c.constraint_type = 'FOREIGN KEY' AND c.table_schema = current_schema() AND "
            "c.table_name = ?",
            {info.name}, &rows);
        !s.ok())
      return s;
    for (const Row& f : rows) info.parents.push_back(f.Text(0));
    out->push_back(std::move(info));
  }
  return Status::Ok();
}

}  // namespace

Status ReadCatalogue(Database& db, std::vector<TableInfo>* out) {
  std::vector<TableInfo> all;
  Status s = db.backend() == Backend::kSqlite ? ReadSqlite(db, &all) : ReadPostgres(db, &all);
  if (!s.ok()) return s;
  // Kahn's order over the references, ties by name (`all` is sorted by name).
  std::set<std::string> placed, names;
  for (const TableInfo& t : all) names.insert(t.name);
  out->clear();
  bool progress = true;
  while (progress) {
    progress = false;
    for (TableInfo& t : all) {
      if (t.name.empty() || placed.count(t.name)) continue;
      const bool ready = std::all_of(t.parents.begin(), t.parents.end(), [&](const std::string& p) {
        return p == t.name || placed.count(p) || !names.count(p);
      });
      if (!ready) continue;
      placed.insert(t.name);
      out->push_back(std::move(t));
      t.name.clear();
      progress = true;
      break;  // restart from the first name, so that ties stay in name order
    }
  }
  for (TableInfo& t : all)
    if (!t.name.empty()) out->push_back(std::move(t));
  return Status::Ok();
}

}  // namespace vigil::cloud::backup
