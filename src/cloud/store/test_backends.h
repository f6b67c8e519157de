// For tests only: fresh databases on both back-ends, so that one suite runs on SQLite and
// on PostgreSQL (a value-parameterised test over Backend).
//
// PostgreSQL: one private server per test binary, started on first use with
// scripts/postgres.sh in a temporary directory (installed if missing) and stopped when
// the binary exits, also after a failed test. Each FreshDatabase gets its own database
// (CREATE DATABASE), so tests do not see each other's rows.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cloud/store/database.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud::testing {

class PostgresServer {
 public:
  static PostgresServer& Get() {
    static PostgresServer server;
    return server;
  }
  // "" and `error` set when it could not start.
  const std::string& base_url() const { return url_; }
  const std::string& error() const { return error_; }
  // postgresql://...:port/<name>?host=dir
  std::string UrlOf(const std::string& name) const {
    std::string u = url_;
    const size_t slash = u.find("/postgres?");
    return u.substr(0, slash) + "/" + name + u.substr(slash + 9);
  }

 private:
  PostgresServer() {
    const std::string cmd = std::string("bash ") + VIGIL_SOURCE_DIR +
                            "/scripts/postgres.sh start " + dir_.path() + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    const int rc = p != nullptr ? ::pclose(p) : -1;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    if (rc != 0 || out.rfind("postgresql://", 0) != 0) {
      error_ = "scripts/postgres.sh start failed: " + out;
      return;
    }
    url_ = out.substr(out.rfind("postgresql://"));
    started_ = true;
  }
  ~PostgresServer() {
    if (!started_) return;
    const std::string cmd = std::string("bash ") + VIGIL_SOURCE_DIR + "/scripts/postgres.sh stop " +
                            dir_.path() + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "postgres.sh stop failed\n");
  }

  vigil::testing::TempDir dir_;
  std::string url_, error_;
  bool started_ = false;
};

inline std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// A database of `backend` no other test uses. `url` receives its address (to open a
// second connection: a restart, a second ingester).
inline std::unique_ptr<Database> FreshDatabase(Backend backend, const vigil::testing::TempDir& dir,
                                               std::string* url) {
  static std::atomic<int> counter{0};
  const int n = ++counter;
  std::unique_ptr<Database> db;
  if (backend == Backend::kSqlite) {
    *url = "sqlite://" + dir.File("cloud-" + std::to_string(n) + ".db");
  } else {
    PostgresServer& pg = PostgresServer::Get();
    if (pg.base_url().empty()) {
      ADD_FAILURE() << pg.error();
      return nullptr;
    }
    std::unique_ptr<Database> admin;
    Status s = OpenDatabase(pg.base_url(), {}, &admin);
    if (!s.ok()) {
      ADD_FAILURE() << s.ToString();
      return nullptr;
    }
    const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(n);
    s = admin->ExecScript("CREATE DATABASE " + name);
    if (!s.ok()) {
      ADD_FAILURE() << s.ToString();
      return nullptr;
    }
    *url = pg.UrlOf(name);
  }
  Status s = OpenDatabase(*url, {}, &db);
  if (!s.ok()) {
    ADD_FAILURE() << s.ToString();
    return nullptr;
  }
  return db;
}

}  // namespace vigil::cloud::testing
