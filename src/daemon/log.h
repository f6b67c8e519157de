// Structured logs: one JSON object per line, so that operators can grep and machines
// can parse. Fields are added with With(); the line is written when the LogLine dies.
//
//   Log(logger, "info", "associated").With("uid", "00124b...").With("short", 3);
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace vigil {

class RotatingFile;

class Logger {
 public:
  // Writes to `out` (not owned; stderr by default). `component` names the daemon.
  Logger(std::string component, FILE* out = stderr, bool quiet = false);
  // Writes to a rotating file instead (not owned; must outlive the logger).
  Logger(std::string component, RotatingFile* file);
  void Write(std::string_view line);
  const std::string& component() const { return component_; }
  bool quiet() const { return quiet_; }

 private:
  std::string component_;
  FILE* out_;
  bool quiet_;
  RotatingFile* file_ = nullptr;
  std::mutex mu_;
};

class LogLine {
 public:
  LogLine(Logger& logger, std::string_view level, std::string_view msg);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  LogLine& With(std::string_view key, std::string_view value);
  LogLine& With(std::string_view key, const char* value) {
    return With(key, std::string_view(value));
  }
  LogLine& With(std::string_view key, int64_t value);
  LogLine& With(std::string_view key, uint64_t value);
  LogLine& With(std::string_view key, int value) { return With(key, static_cast<int64_t>(value)); }
  LogLine& With(std::string_view key, unsigned value) {
    return With(key, static_cast<uint64_t>(value));
  }
  LogLine& With(std::string_view key, double value);
  LogLine& With(std::string_view key, bool value);

 private:
  Logger& logger_;
  std::string text_;
};

inline LogLine Log(Logger& l, std::string_view level, std::string_view msg) {
  return LogLine(l, level, msg);
}

// JSON string escaping (RFC 8259).
std::string JsonEscape(std::string_view s);

}  // namespace vigil
