// The SQLite back-end of Database (database.h): one file, WAL journal, a busy timeout
// for the second process (`vigil cloud admit` while `serve` runs), foreign keys on.
// The file is created with mode 0600; SQLite gives its -wal and -shm files the same mode.
#pragma once

#include <memory>
#include <string>

#include "cloud/store/database.h"

namespace vigil::cloud {

Status OpenSqlite(const std::string& path, const OpenOptions& options,
                  std::unique_ptr<Database>* out);

}  // namespace vigil::cloud
