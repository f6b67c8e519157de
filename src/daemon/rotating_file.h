// An append-only file of lines (the gateway's EVE alert file, the JSON log file) that can
// be reopened on request and, optionally, rotates itself by size.
//
// Reopen: logrotate's default ("create") renames the file away and expects the daemon to
// start a new one at the same path. The daemon calls Reopen() after SIGHUP; until then
// lines still go to the renamed file (the open descriptor follows it), so none is lost.
//
// Size rotation (max_bytes > 0): before a line that would take the file past max_bytes,
// path.{keep-1} -> path.{keep}, ..., path -> path.1 (the oldest, path.{keep}, is
// replaced), and a new path is created. A line is never split across two files; a single
// line longer than max_bytes goes alone into a new file.
//
// Writes: each line (with its '\n') is one write(2) on an O_APPEND descriptor, so
// concurrent writers and readers see whole lines. A failure (disk full, file system gone,
// rotation refused) is returned as kIo with last_error() set and counted in
// write_failures(); it never throws and never ends the process. After a failed Reopen or
// rotation, each later WriteLine() first tries to open the path again.
//
// Thread-safety: every member function may be called from any thread (one mutex guards
// the descriptor); Reopen() is not async-signal-safe: call it from the daemon's loop after
// a signal handler set a flag, not from the handler.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "common/error.h"

namespace vigil {

struct RotatingFileOptions {
  uint64_t max_bytes = 0;  // rotate before the file would exceed this; 0 = never by size
  uint32_t keep = 5;       // rotated files kept (path.1 newest .. path.keep); 0 = none kept
  mode_t mode = 0640;      // permissions of a file it creates (before the umask)
};

class RotatingFile {
 public:
  RotatingFile() = default;
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  // Opens (creating if needed) `path` for appending. Errors: kIo, with `why` (may be
  // null) naming the path and the reason.
  Error Open(const std::string& path, const RotatingFileOptions& options, std::string* why);

  // Appends `line` and a '\n'. REQUIRES: Open() succeeded once. Errors: kIo (see above).
  Error WriteLine(std::string_view line);

  // Closes the descriptor and opens the path again (a new file if it was moved away).
  // Errors: kIo; later writes retry the open.
  Error Reopen(std::string* why = nullptr);

  // Bytes in the current file as far as this writer knows (its size at open plus what
  // it wrote since).
  uint64_t size() const;
  uint64_t write_failures() const;
  uint64_t rotations() const;
  std::string last_error() const;
  const std::string& path() const { return path_; }

 private:
  Error OpenLocked(std::string* why);
  Error RotateLocked();
  void CloseLocked();
  Error FailLocked(const std::string& what);

  mutable std::mutex mu_;
  std::string path_;
  RotatingFileOptions options_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t write_failures_ = 0;
  uint64_t rotations_ = 0;
  std::string last_error_;
};

}  // namespace vigil
