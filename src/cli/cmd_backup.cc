// vigil backup / vigil restore: encrypted, consistent backups of the cloud's database
// (docs/backup.md).
//
//   vigil backup --db URL --key FILE --out FILE   a backup while ingest runs; prints a
//                                                 JSON summary (tables, rows, bytes, sha256)
//   vigil backup verify --key FILE --in FILE      decrypt and check all of it, no database
//   vigil backup keygen --out FILE                a new backup key file (mode 0600)
//   vigil restore --db URL --key FILE --in FILE   into an empty database of either back-end
//
// --key may be left out when VIGIL_BACKUP_KEY holds the key. Exit status: 0 done, 1 the
// backup was refused (damaged, truncated, wrong key, target not empty), 2 a usage,
// database or file error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cloud/backup/backup_file.h"
#include "cloud/backup/backup_key.h"
#include "cloud/backup/backup_writer.h"
#include "cloud/backup/restore.h"
#include "cloud/backup/verify.h"
#include "cloud/store/database.h"
#include "cloud/store/schema.h"

namespace vigil::cli {
namespace {

using namespace vigil::cloud;
using namespace vigil::cloud::backup;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void Die(const char* cmd, const BackupStatus& s) {
  std::fprintf(stderr, "vigil %s: %s\n", cmd, s.ToString().c_str());
  const bool refused = s.code == BackupError::kNotABackup || s.code == BackupError::kUnsupported ||
                       s.code == BackupError::kWrongKey || s.code == BackupError::kCorrupt ||
                       s.code == BackupError::kTruncated || s.code == BackupError::kNotEmpty ||
                       s.code == BackupError::kSchema;
  throw CLI::RuntimeError(refused ? 1 : 2);
}

BackupKey LoadKey(const char* cmd, const std::string& file) {
  BackupKey k;
  if (BackupStatus s = LoadBackupKey(file, &k); !s.ok()) Die(cmd, s);
  return k;
}

std::unique_ptr<Database> Open(const char* cmd, const std::string& url) {
  std::unique_ptr<Database> db;
  if (Status s = OpenDatabase(url, {}, &db); !s.ok())
    Die(cmd, BackupFail(BackupError::kDatabase, s.ToString()));
  return db;
}

nlohmann::json Tables(const std::vector<std::pair<std::string, uint64_t>>& tables) {
  nlohmann::json t = nlohmann::json::object();
  for (const auto& [name, rows] : tables) t[name] = rows;
  return t;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Options {
  std::string db, key, file;
};

void SetupBackup(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("backup", "An encrypted, consistent backup of the cloud's database");
  cmd->require_subcommand(0, 1);
  auto o = std::make_shared<Options>();
  cmd->add_option("--db", o->db, "sqlite:///path, a path, or postgresql://... (libpq URI)");
  cmd->add_option("--key", o->key, "backup key file, mode 0600 (or VIGIL_BACKUP_KEY)");
  cmd->add_option("--out", o->file, "the backup file to create (never replaced)");

  auto* verify = cmd->add_subcommand("verify", "Decrypt and check a whole backup, no database");
  auto v = std::make_shared<Options>();
  verify->add_option("--key", v->key, "backup key file, mode 0600 (or VIGIL_BACKUP_KEY)");
  verify->add_option("--in", v->file, "the backup file")->required();
  verify->callback([v] {
    const BackupKey key = LoadKey("backup verify", v->key);
    BackupFileSource src;
    if (BackupStatus s = src.Open(v->file); !s.ok()) Die("backup verify", s);
    ContentSummary sum;
    if (BackupStatus s = VerifyBackup(key, &src, &sum); !s.ok()) Die("backup verify", s);
    std::printf("%s\n", nlohmann::json{{"ok", true},
                                       {"backend", SourceBackendName(sum.header.backend)},
                                       {"schema_version", sum.header.schema_version},
                                       {"created_ms", sum.header.created_ms},
                                       {"key_id", KeyIdHex(sum.header.key_id)},
                                       {"tables", Tables(sum.tables)},
                                       {"rows", sum.rows},
                                       {"chunks", sum.chunks},
                                       {"bytes", sum.file_bytes}}
                            .dump()
                            .c_str());
  });

  auto* keygen = cmd->add_subcommand("keygen", "Write a new backup key file (mode 0600)");
  auto kout = std::make_shared<std::string>();
  keygen->add_option("--out", *kout, "the key file to create (never replaced)")->required();
  keygen->callback([kout] {
    BackupKey k;
    if (BackupStatus s = CreateBackupKeyFile(*kout, &k); !s.ok()) Die("backup keygen", s);
    std::printf("%s\n",
                nlohmann::json{{"key_file", *kout}, {"key_id", KeyIdHex(k.id)}}.dump().c_str());
  });

  cmd->callback([cmd, o] {
    if (!cmd->get_subcommands().empty()) return;  // verify or keygen ran
    if (o->db.empty() || o->file.empty())
      Die("backup", BackupFail(BackupError::kIo, "--db and --out are required"));
    const BackupKey key = LoadKey("backup", o->key);
    // Opening a SQLite path that does not exist would create an empty database there.
    if (!o->db.starts_with("postgres")) {
      const std::string path = o->db.starts_with("sqlite://") ? o->db.substr(9) : o->db;
      if (::access(path.c_str(), F_OK) != 0)
        Die("backup", BackupFail(BackupError::kDatabase, path + ": no such database file"));
    }
    std::unique_ptr<Database> db = Open("backup", o->db);
    BackupFileSink sink;
    if (BackupStatus s = sink.Open(o->file); !s.ok()) Die("backup", s);
    const auto start = std::chrono::steady_clock::now();
    BackupSummary sum;
    if (BackupStatus s = WriteBackup(*db, key, WallMs(), &sink, &sum); !s.ok()) Die("backup", s);
    if (BackupStatus s = sink.Commit(); !s.ok()) Die("backup", s);
    const double secs = Seconds(start);
    std::printf("%s\n",
                nlohmann::json{
                    {"file", o->file},
                    {"backend", sum.backend},
                    {"schema_version", sum.schema_version},
                    {"key_id", KeyIdHex(key.id)},
                    {"tables", Tables(sum.tables)},
                    {"rows", sum.rows},
                    {"content_bytes", sum.content_bytes},
                    {"bytes", sum.file_bytes},
                    {"chunks", sum.chunks},
                    {"sha256", sink.sha256()},
                    {"seconds", secs},
                    {"rows_per_s", secs > 0 ? static_cast<double>(sum.rows) / secs : 0},
                    {"mb_per_s", secs > 0 ? static_cast<double>(sum.file_bytes) / 1e6 / secs : 0}}
                    .dump()
                    .c_str());
  });
}

void SetupRestore(CLI::App& app) {
  auto* cmd = app.add_subcommand("restore", "Restore a backup into an empty database");
  auto o = std::make_shared<Options>();
  cmd->add_option("--db", o->db, "sqlite:///path, a path, or postgresql://... (libpq URI)")
      ->required();
  cmd->add_option("--key", o->key, "backup key file, mode 0600 (or VIGIL_BACKUP_KEY)");
  cmd->add_option("--in", o->file, "the backup file")->required();
  cmd->callback([o] {
    const BackupKey key = LoadKey("restore", o->key);
    BackupFileSource src;
    if (BackupStatus s = src.Open(o->file); !s.ok()) Die("restore", s);
    std::unique_ptr<Database> db = Open("restore", o->db);
    const auto start = std::chrono::steady_clock::now();
    ContentSummary sum;
    if (BackupStatus s = RestoreBackup(*db, key, &src, CloudMigrations(), WallMs(), &sum); !s.ok())
      Die("restore", s);
    const double secs = Seconds(start);
    std::printf("%s\n",
                nlohmann::json{
                    {"restored", true},
                    {"from_backend", SourceBackendName(sum.header.backend)},
                    {"to_backend", BackendName(db->backend())},
                    {"schema_version", sum.header.schema_version},
                    {"tables", Tables(sum.tables)},
                    {"rows", sum.rows},
                    {"bytes", sum.file_bytes},
                    {"seconds", secs},
                    {"rows_per_s", secs > 0 ? static_cast<double>(sum.rows) / secs : 0},
                    {"mb_per_s", secs > 0 ? static_cast<double>(sum.file_bytes) / 1e6 / secs : 0},
                    {"note", "sealed values open only with the source's master key file"}}
                    .dump()
                    .c_str());
  });
}

Registrar reg_backup("backup", &SetupBackup);
Registrar reg_restore("restore", &SetupRestore);

}  // namespace
}  // namespace vigil::cli
