// Databases for the cloud's benchmarks: SQLite files in one temporary directory, and one
// private PostgreSQL for the whole vigil_bench run (scripts/postgres.sh), started on first
// use and stopped at exit. Inline with function-local statics, so that every benchmark
// file of the program shares the same server instead of starting its own.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cloud/store/database.h"
#include "common/test_temp_dir.h"

namespace vigil::bench {

inline vigil::testing::TempDir& BenchDir() {
  static auto* d = new vigil::testing::TempDir();
  return *d;
}

struct BenchPostgres {
  std::string url;
  std::string dir;
  vigil::testing::TempDir own;  // its own directory: the server's user must enter it
  BenchPostgres() {
    dir = own.path();
    const std::string cmd = "bash '" VIGIL_SOURCE_DIR "/scripts/postgres.sh' start '" + dir + "'";
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[512];
    while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) url = buf;
    if (p != nullptr) ::pclose(p);
    while (!url.empty() && url.back() == '\n') url.pop_back();
  }
  ~BenchPostgres() {
    const std::string cmd =
        "bash '" VIGIL_SOURCE_DIR "/scripts/postgres.sh' stop '" + dir + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "postgres.sh stop failed\n");
  }
};

// A fresh database called `name` on back-end `b`; "" when PostgreSQL could not start.
inline std::string BenchDatabaseUrl(cloud::Backend b, const std::string& name) {
  if (b == cloud::Backend::kSqlite) return BenchDir().File(name + ".db");
  static BenchPostgres pg;
  if (pg.url.empty()) return "";
  std::unique_ptr<cloud::Database> admin;
  if (!cloud::OpenDatabase(pg.url, {}, &admin).ok()) return "";
  admin->ExecScript("CREATE DATABASE " + name);
  const size_t slash = pg.url.find("/postgres?");
  return pg.url.substr(0, slash) + "/" + name + pg.url.substr(slash + 9);
}

}  // namespace vigil::bench
