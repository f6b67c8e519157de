#include "daemon/log.h"

#include <cstdio>

#include "daemon/rotating_file.h"
#include "daemon/udp.h"
#include "ids/alert.h"

namespace vigil {

Logger::Logger(std::string component, FILE* out, bool quiet)
    : component_(std::move(component)), out_(out), quiet_(quiet) {}

Logger::Logger(std::string component, RotatingFile* file)
    : component_(std::move(component)), out_(nullptr), quiet_(false), file_(file) {}

void Logger::Write(std::string_view line) {
  if (file_ != nullptr) {
    file_->WriteLine(line);  // thread-safe; a failure is counted by the file
    return;
  }
  if (quiet_ || out_ == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  fwrite(line.data(), 1, line.size(), out_);
  fputc('\n', out_);
  fflush(out_);
}

std::string JsonEscape(std::string_view s) {
  std::string o;
  o.reserve(s.size() + 2);
  for (char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\r':
        o += "\\r";
        break;
      case '\t':
        o += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          o += buf;
        } else {
          o += c;
        }
    }
  }
  return o;
}

LogLine::LogLine(Logger& logger, std::string_view level, std::string_view msg) : logger_(logger) {
  text_ = "{\"timestamp\":\"" + ids::FormatEveTimestamp(UnixUs()) + "\",\"level\":\"" +
          JsonEscape(level) + "\",\"component\":\"" + JsonEscape(logger.component()) +
          "\",\"msg\":\"" + JsonEscape(msg) + "\"";
}

LogLine::~LogLine() {
  text_ += "}";
  logger_.Write(text_);
}

LogLine& LogLine::With(std::string_view key, std::string_view value) {
  text_ += ",\"" + JsonEscape(key) + "\":\"" + JsonEscape(value) + "\"";
  return *this;
}
LogLine& LogLine::With(std::string_view key, int64_t value) {
  text_ += ",\"" + JsonEscape(key) + "\":" + std::to_string(value);
  return *this;
}
LogLine& LogLine::With(std::string_view key, uint64_t value) {
  text_ += ",\"" + JsonEscape(key) + "\":" + std::to_string(value);
  return *this;
}
LogLine& LogLine::With(std::string_view key, double value) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.6g", value);
  text_ += ",\"" + JsonEscape(key) + "\":" + buf;
  return *this;
}
LogLine& LogLine::With(std::string_view key, bool value) {
  text_ += ",\"" + JsonEscape(key) + "\":" + (value ? "true" : "false");
  return *this;
}

}  // namespace vigil
