#include "edge/uplink/outbox_queue.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <utility>

#include "common/private_file.h"
#include "edge/uplink/envelope.h"

namespace vigil::uplink {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE outbox (
  seq         INTEGER PRIMARY KEY,
  class       INTEGER NOT NULL,
  enqueued_ms INTEGER NOT NULL,
  topic       TEXT NOT NULL,
  payload     BLOB NOT NULL
);
)sql";

constexpr std::array<const char*, kMessageClassCount> kEvictedKey = {
    "evicted.telemetry", "evicted.security", "evicted.alarm"};
constexpr std::array<const char*, kMessageClassCount> kRefusedKey = {
    "refused.telemetry", "refused.security", "refused.alarm"};

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

 private:
  sqlite3_stmt* s_;
};

enum class HeaderKind { kEmpty, kOurs, kBlankSqlite, kOther };

// What an existing file is, from its first 100 bytes, before SQLite may touch it.
Error ReadHeader(const std::string& path, HeaderKind* kind, std::string* detail) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *detail = std::string("cannot open: ") + std::strerror(errno);
    return Error::kIo;
  }
  struct stat st {};
  std::array<uint8_t, 100> h{};
  const ssize_t n = ::fstat(fd, &st) == 0 ? ::pread(fd, h.data(), h.size(), 0) : -1;
  ::close(fd);
  if (n < 0) {
    *detail = std::string("cannot read: ") + std::strerror(errno);
    return Error::kIo;
  }
  if (st.st_size == 0) {
    *kind = HeaderKind::kEmpty;
    return Error::kOk;
  }
  if (n < static_cast<ssize_t>(h.size()) || std::memcmp(h.data(), "SQLite format 3", 16) != 0) {
    *kind = HeaderKind::kOther;
    *detail = "not an SQLite database";
    return Error::kOk;
  }
  const uint32_t app = static_cast<uint32_t>(h[68]) << 24 | static_cast<uint32_t>(h[69]) << 16 |
                       static_cast<uint32_t>(h[70]) << 8 | h[71];
  if (app == kOutboxApplicationId) {
    *kind = HeaderKind::kOurs;
  } else if (app == 0) {
    *kind = HeaderKind::kBlankSqlite;
  } else {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", app);
    *kind = HeaderKind::kOther;
    *detail = std::string("an SQLite database of another application (application_id ") + hex + ")";
  }
  return Error::kOk;
}

uint64_t RandomStream() {
  uint64_t v = 0;
  while (v == 0) {
    if (::getrandom(&v, sizeof(v), 0) != static_cast<ssize_t>(sizeof(v))) v = 0;
  }
  return v;
}

}  // namespace

OutboxQueue::~OutboxQueue() { Close(); }

void OutboxQueue::Close() {
  for (sqlite3_stmt** s : {&insert_, &delete_, &select_, &set_meta_}) {
    sqlite3_finalize(*s);
    *s = nullptr;
  }
  if (db_ != nullptr) sqlite3_close(db_);
  db_ = nullptr;
  for (auto& w : waiting_) w.clear();
  waiting_bytes_ = {};
  waiting_count_ = 0;
  in_flight_.clear();
  acked_.clear();
  bytes_ = 0;
  counters_ = {};
  sync_full_now_ = false;
}

Error OutboxQueue::Fail(Error e, const std::string& msg, std::string* why) {
  if (why) *why = "uplink queue " + path_ + ": " + msg;
  return e;
}

Error OutboxQueue::FailSqlite(const std::string& what, std::string* why) {
  const int code = db_ != nullptr ? sqlite3_extended_errcode(db_) : SQLITE_ERROR;
  const std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : "no database";
  const int primary = code & 0xFF;
  Error e = Error::kIo;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) e = Error::kCorrupt;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Fail(Error::kInvalidState,
                what + ": the file is in use by another process (" + detail + ")", why);
  }
  return Fail(e, what + ": " + detail, why);
}

Error OutboxQueue::Exec(const char* sql, std::string* why) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return FailSqlite(std::string("cannot run ") + std::string(sql).substr(0, 40), why);
  }
  return Error::kOk;
}

Error OutboxQueue::SetSync(bool full, std::string* why) {
  if (full == sync_full_now_) return Error::kOk;
  Error e = Exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", why);
  if (e == Error::kOk) sync_full_now_ = full;
  return e;
}

Error OutboxQueue::Open(const std::string& path, const OutboxOptions& options, int64_t now_ms,
                        std::string* why) {
  Close();
  path_ = path;
  options_ = options;
  if (options.max_messages == 0 || options.max_bytes == 0)
    return Fail(Error::kInvalidArgument, "max_messages and max_bytes must be at least 1", why);
  bool fresh = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return Fail(Error::kIo, std::string("cannot stat: ") + std::strerror(errno), why);
    int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) return Fail(Error::kIo, std::string("cannot create: ") + std::strerror(errno), why);
    ::close(fd);
    fresh = true;
  } else {
    std::string msg;
    if (Error e = CheckOwnerOnly(path, &msg); e != Error::kOk) {
      if (why) *why = "uplink queue " + msg;
      return e;
    }
    HeaderKind kind = HeaderKind::kOther;
    if (Error e = ReadHeader(path, &kind, &msg); e != Error::kOk) return Fail(e, msg, why);
    if (kind == HeaderKind::kOther)
      return Fail(Error::kCorrupt,
                  msg +
                      ", not a Vigil uplink queue; the file is left as it is: move it aside "
                      "or name another [uplink] queue",
                  why);
    // A file made by a start that died before its schema was committed holds nothing.
    fresh = kind == HeaderKind::kEmpty;
  }
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Error e = FailSqlite("cannot open", why);
    Close();
    return e;
  }
  sqlite3_extended_result_codes(db_, 1);
  auto fail = [&](Error e) {
    Close();
    return e;
  };
  // One process per queue file: its next sequence number lives in this process's memory.
  if (Error e = Exec("PRAGMA locking_mode = EXCLUSIVE", why); e != Error::kOk) return fail(e);
  if (!fresh) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM sqlite_master", -1, &s, nullptr) != SQLITE_OK)
      return fail(FailSqlite("cannot read the schema", why));
    const int rc = sqlite3_step(s);
    const int64_t tables = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    if (tables < 0) return fail(FailSqlite("cannot read the schema", why));
    int32_t app = 0;
    if (sqlite3_prepare_v2(db_, "PRAGMA application_id", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      app = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (static_cast<uint32_t>(app) != kOutboxApplicationId) {
      if (tables != 0)
        return fail(Fail(Error::kCorrupt,
                         "an SQLite database that is not a Vigil uplink queue; the file is left "
                         "as it is: move it aside or name another [uplink] queue",
                         why));
      fresh = true;  // an SQLite file with nothing in it
    }
  }
  if (fresh) {
    if (Error e = Initialize(now_ms, why); e != Error::kOk) return fail(e);
  }
  {
    sqlite3_stmt* s = nullptr;
    int version = -1;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (version != kOutboxSchemaVersion)
      return fail(Fail(Error::kCorrupt,
                       "schema version " + std::to_string(version) + ", this build reads version " +
                           std::to_string(kOutboxSchemaVersion),
                       why));
  }
  {
    sqlite3_stmt* s = nullptr;
    std::string mode;
    if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode = WAL", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      mode = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (mode != "wal") return fail(FailSqlite("cannot switch to the WAL journal", why));
  }
  sync_full_now_ = false;
  if (Error e = Exec("PRAGMA synchronous = NORMAL", why); e != Error::kOk) return fail(e);
  if (Error e = SetSync(options_.sync_full, why); e != Error::kOk) return fail(e);
  if (Error e = PrepareAll(why); e != Error::kOk) return fail(e);
  if (Error e = Load(why); e != Error::kOk) return fail(e);
  // The first write takes the file's exclusive lock for as long as it is open.
  if (Exec("BEGIN IMMEDIATE", why) != Error::kOk || SetMeta("opened_ms", now_ms) != Error::kOk) {
    Error e = FailSqlite("cannot take the queue", why);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(e);
  }
  if (Error e = Exec("COMMIT", why); e != Error::kOk) return fail(e);
  return Error::kOk;
}

Error OutboxQueue::Initialize(int64_t now_ms, std::string* why) {
  // Created in rollback-journal mode, so that the header (application_id) is in the main
  // file from the first commit; Open switches to WAL afterwards.
  if (Error e = Exec("BEGIN IMMEDIATE", why); e != Error::kOk) return e;
  stream_ = RandomStream();
  const std::string sql =
      std::string(kSchema) + "INSERT INTO meta (key, value) VALUES ('stream', " +
      std::to_string(static_cast<int64_t>(stream_)) + "), ('next_seq', 1), ('created_ms', " +
      std::to_string(now_ms) + "), ('opened_ms', " + std::to_string(now_ms) +
      ");\nPRAGMA application_id = " + std::to_string(static_cast<int32_t>(kOutboxApplicationId)) +
      ";\nPRAGMA user_version = " + std::to_string(kOutboxSchemaVersion) + ";";
  if (Error e = Exec(sql.c_str(), why); e != Error::kOk) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return Exec("COMMIT", why);
}

Error OutboxQueue::PrepareAll(std::string* why) {
  struct {
    const char* sql;
    sqlite3_stmt** out;
  } const stmts[] = {
      {"INSERT INTO outbox (seq, class, enqueued_ms, topic, payload) VALUES (?1, ?2, ?3, ?4, ?5)",
       &insert_},
      {"DELETE FROM outbox WHERE seq = ?1", &delete_},
      {"SELECT topic, payload FROM outbox WHERE seq = ?1", &select_},
      {"INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", &set_meta_},
  };
  for (const auto& s : stmts) {
    if (sqlite3_prepare_v3(db_, s.sql, -1, SQLITE_PREPARE_PERSISTENT, s.out, nullptr) != SQLITE_OK)
      return FailSqlite("cannot prepare a statement (damaged schema?)", why);
  }
  return Error::kOk;
}

Error OutboxQueue::SetMeta(const char* key, int64_t value) {
  Stmt g(set_meta_);
  sqlite3_bind_text(set_meta_, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64(set_meta_, 2, value);
  return sqlite3_step(set_meta_) == SQLITE_DONE ? Error::kOk : Error::kIo;
}

Error OutboxQueue::Load(std::string* why) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT key, value FROM meta", -1, &s, nullptr) != SQLITE_OK)
    return FailSqlite("cannot read the meta table", why);
  bool have_stream = false, have_next = false;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const std::string key = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    const int64_t v = sqlite3_column_int64(s, 1);
    if (key == "stream") {
      stream_ = static_cast<uint64_t>(v);
      have_stream = stream_ != 0;
    } else if (key == "next_seq") {
      next_seq_ = static_cast<uint64_t>(v);
      have_next = v >= 1;
    } else if (key == "created_ms") {
      created_ms_ = v;
    }
    for (size_t c = 0; c < kMessageClassCount; ++c) {
      if (key == kEvictedKey[c]) counters_.evicted[c] = static_cast<uint64_t>(v);
      if (key == kRefusedKey[c]) counters_.refused[c] = static_cast<uint64_t>(v);
    }
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return FailSqlite("cannot read the meta table", why);
  if (!have_stream || !have_next)
    return Fail(Error::kCorrupt, "the meta table lacks its stream id or next sequence number", why);
  if (sqlite3_prepare_v2(db_,
                         "SELECT seq, class, enqueued_ms, length(topic) + length(payload) "
                         "FROM outbox ORDER BY seq",
                         -1, &s, nullptr) != SQLITE_OK)
    return FailSqlite("cannot read the queue", why);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const int64_t seq = sqlite3_column_int64(s, 0);
    const auto cls = MessageClassFromByte(sqlite3_column_int64(s, 1));
    const int64_t size = sqlite3_column_int64(s, 3);
    if (!cls || seq < 1 || static_cast<uint64_t>(seq) >= next_seq_ || size < 0 ||
        size > static_cast<int64_t>(2 * kMaxPayloadBytes)) {
      sqlite3_finalize(s);
      return Fail(Error::kCorrupt,
                  "message " + std::to_string(seq) +
                      " is damaged (class, size or sequence number out of range)",
                  why);
    }
    Entry e{static_cast<uint64_t>(seq), sqlite3_column_int64(s, 2), static_cast<uint32_t>(size)};
    waiting_[Index(*cls)].push_back(e);
    waiting_bytes_[Index(*cls)] += e.bytes;
    bytes_ += e.bytes;
    ++waiting_count_;
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return FailSqlite("cannot read the queue", why);
  return Error::kOk;
}

Error OutboxQueue::DeleteAcked() {
  for (uint64_t seq : acked_) {
    Stmt g(delete_);
    sqlite3_bind_int64(delete_, 1, static_cast<int64_t>(seq));
    if (sqlite3_step(delete_) != SQLITE_DONE) return Error::kIo;
  }
  return Error::kOk;
}

Error OutboxQueue::Enqueue(std::span<const OutboxItem> items, int64_t now_ms, EnqueueResult* out,
                           std::string* why) {
  EnqueueResult res;
  if (out) *out = res;
  if (db_ == nullptr) return Fail(Error::kInvalidState, "not open", why);
  if (items.empty()) return Error::kOk;
  for (size_t i = 0; i < items.size(); ++i) {
    const OutboxItem& it = items[i];
    if (it.seq != next_seq_ + i)
      return Fail(Error::kInvalidArgument,
                  "item " + std::to_string(i) + " has seq " + std::to_string(it.seq) +
                      ", expected " + std::to_string(next_seq_ + i),
                  why);
    if (it.topic.empty() || it.payload.empty() || it.payload.size() > kMaxPayloadBytes)
      return Fail(Error::kInvalidArgument,
                  "message " + std::to_string(it.seq) +
                      ": empty topic or payload, or payload "
                      "over " +
                      std::to_string(kMaxPayloadBytes) + " bytes",
                  why);
  }

  // Plan first, on counters only, so that a failed commit leaves memory as it was.
  std::array<size_t, kMessageClassCount> cursor{};            // waiting entries evicted, per class
  std::array<std::vector<size_t>, kMessageClassCount> fresh;  // batch items kept, per class
  std::array<size_t, kMessageClassCount> fresh_cursor{};      // of those, evicted again
  std::array<uint64_t, kMessageClassCount> rem_count{}, rem_bytes{};  // still evictable
  for (size_t c = 0; c < kMessageClassCount; ++c) {
    rem_count[c] = waiting_[c].size();
    rem_bytes[c] = waiting_bytes_[c];
  }
  std::vector<uint64_t> evict;
  std::vector<char> keep(items.size(), 0);
  std::array<uint64_t, kMessageClassCount> evicted{}, refused{};
  uint64_t count = depth();
  uint64_t bytes = bytes_;
  for (size_t i = 0; i < items.size(); ++i) {
    const size_t c = Index(items[i].cls);
    const uint64_t b = items[i].topic.size() + items[i].payload.size();
    // Would it fit if everything it may displace gave way?
    uint64_t free_count = 0, free_bytes = 0;
    for (size_t v = 0; v <= c; ++v) {
      free_count += rem_count[v];
      free_bytes += rem_bytes[v];
    }
    if (count - free_count + 1 > options_.max_messages ||
        bytes - free_bytes + b > options_.max_bytes) {
      ++refused[c];
      continue;
    }
    while (count + 1 > options_.max_messages || bytes + b > options_.max_bytes) {
      size_t v = 0;
      while (rem_count[v] == 0) ++v;  // the lowest class with something to give (v <= c)
      uint64_t vb = 0;
      if (cursor[v] < waiting_[v].size()) {
        const Entry& e = waiting_[v][cursor[v]++];
        evict.push_back(e.seq);
        vb = e.bytes;
      } else {
        const size_t j = fresh[v][fresh_cursor[v]++];
        keep[j] = 0;
        vb = items[j].topic.size() + items[j].payload.size();
      }
      --rem_count[v];
      rem_bytes[v] -= vb;
      --count;
      bytes -= vb;
      ++evicted[v];
    }
    keep[i] = 1;
    fresh[c].push_back(i);
    ++rem_count[c];
    rem_bytes[c] += b;
    ++count;
    bytes += b;
  }

  // Commit: evictions, inserts, acks waiting for a commit, the counters; one sync.
  if (Error e = SetSync(options_.sync_full, why); e != Error::kOk) return e;
  if (Error e = Exec("BEGIN IMMEDIATE", why); e != Error::kOk) return e;
  bool ok = DeleteAcked() == Error::kOk;
  for (size_t k = 0; ok && k < evict.size(); ++k) {
    Stmt g(delete_);
    sqlite3_bind_int64(delete_, 1, static_cast<int64_t>(evict[k]));
    ok = sqlite3_step(delete_) == SQLITE_DONE;
  }
  for (size_t i = 0; ok && i < items.size(); ++i) {
    if (!keep[i]) continue;
    const OutboxItem& it = items[i];
    Stmt g(insert_);
    sqlite3_bind_int64(insert_, 1, static_cast<int64_t>(it.seq));
    sqlite3_bind_int(insert_, 2, static_cast<int>(it.cls));
    sqlite3_bind_int64(insert_, 3, now_ms);
    sqlite3_bind_text(insert_, 4, it.topic.data(), static_cast<int>(it.topic.size()),
                      SQLITE_STATIC);
    sqlite3_bind_blob(insert_, 5, it.payload.data(), static_cast<int>(it.payload.size()),
                      SQLITE_STATIC);
    ok = sqlite3_step(insert_) == SQLITE_DONE;
  }
  ok = ok && SetMeta("next_seq", static_cast<int64_t>(next_seq_ + items.size())) == Error::kOk;
  for (size_t c = 0; ok && c < kMessageClassCount; ++c) {
    if (evicted[c] != 0)
      ok = SetMeta(kEvictedKey[c], static_cast<int64_t>(counters_.evicted[c] + evicted[c])) ==
           Error::kOk;
    if (ok && refused[c] != 0)
      ok = SetMeta(kRefusedKey[c], static_cast<int64_t>(counters_.refused[c] + refused[c])) ==
           Error::kOk;
  }
  if (ok) ok = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!ok) {
    Error e = FailSqlite("cannot commit " + std::to_string(items.size()) + " message(s)", why);
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e == Error::kOk ? Error::kIo : e;
  }

  // Committed: now memory follows.
  acked_.clear();
  for (size_t c = 0; c < kMessageClassCount; ++c) {
    for (size_t k = 0; k < cursor[c]; ++k) {
      const Entry& e = waiting_[c].front();
      waiting_bytes_[c] -= e.bytes;
      bytes_ -= e.bytes;
      --waiting_count_;
      waiting_[c].pop_front();
    }
    counters_.evicted[c] += evicted[c];
    counters_.refused[c] += refused[c];
    res.evicted += evicted[c];
    res.refused += refused[c];
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (!keep[i]) continue;
    const size_t c = Index(items[i].cls);
    const auto b = static_cast<uint32_t>(items[i].topic.size() + items[i].payload.size());
    waiting_[c].push_back(Entry{items[i].seq, now_ms, b});
    waiting_bytes_[c] += b;
    bytes_ += b;
    ++waiting_count_;
    ++res.accepted;
  }
  next_seq_ += items.size();
  if (out) *out = res;
  return Error::kOk;
}

Error OutboxQueue::Lease(size_t max, std::vector<OutboxMessage>* out, std::string* why) {
  if (db_ == nullptr) return Fail(Error::kInvalidState, "not open", why);
  size_t n = 0;
  for (MessageClass cls : kDrainOrder) {
    auto& q = waiting_[Index(cls)];
    while (n < max && !q.empty()) {
      const Entry e = q.front();
      OutboxMessage m;
      {
        Stmt g(select_);
        sqlite3_bind_int64(select_, 1, static_cast<int64_t>(e.seq));
        const int rc = sqlite3_step(select_);
        if (rc != SQLITE_ROW) {
          return rc == SQLITE_DONE
                     ? Fail(Error::kCorrupt, "message " + std::to_string(e.seq) + " is missing",
                            why)
                     : FailSqlite("cannot read message " + std::to_string(e.seq), why);
        }
        m.topic.assign(reinterpret_cast<const char*>(sqlite3_column_text(select_, 0)),
                       static_cast<size_t>(sqlite3_column_bytes(select_, 0)));
        const void* p = sqlite3_column_blob(select_, 1);
        m.payload.assign(static_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(select_, 1)));
      }
      m.seq = e.seq;
      m.cls = cls;
      m.enqueued_ms = e.enqueued_ms;
      q.pop_front();
      waiting_bytes_[Index(cls)] -= e.bytes;
      --waiting_count_;
      in_flight_.emplace(e.seq, Flight{e, cls});
      out->push_back(std::move(m));
      ++n;
    }
  }
  return Error::kOk;
}

bool OutboxQueue::Ack(uint64_t seq) {
  auto it = in_flight_.find(seq);
  if (it == in_flight_.end()) return false;
  bytes_ -= it->second.entry.bytes;
  in_flight_.erase(it);
  acked_.push_back(seq);
  ++counters_.delivered;
  return true;
}

Error OutboxQueue::CommitAcks(std::string* why) {
  if (acked_.empty() || db_ == nullptr) return Error::kOk;
  if (Error e = SetSync(false, why); e != Error::kOk) return e;
  if (Error e = Exec("BEGIN IMMEDIATE", why); e != Error::kOk) return e;
  if (DeleteAcked() != Error::kOk ||
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error e = FailSqlite("cannot delete delivered messages", why);
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  acked_.clear();
  return Error::kOk;
}

void OutboxQueue::ReleaseAll() {
  std::array<std::vector<Entry>, kMessageClassCount> back;
  for (const auto& [seq, f] : in_flight_) back[Index(f.cls)].push_back(f.entry);
  in_flight_.clear();
  auto by_seq = [](const Entry& a, const Entry& b) { return a.seq < b.seq; };
  for (size_t c = 0; c < kMessageClassCount; ++c) {
    if (back[c].empty()) continue;
    std::sort(back[c].begin(), back[c].end(), by_seq);
    std::deque<Entry> merged;
    std::merge(back[c].begin(), back[c].end(), waiting_[c].begin(), waiting_[c].end(),
               std::back_inserter(merged), by_seq);
    waiting_[c].swap(merged);
    for (const Entry& e : back[c]) waiting_bytes_[c] += e.bytes;
    waiting_count_ += back[c].size();
  }
}

int64_t OutboxQueue::OldestEnqueuedMs() const {
  int64_t oldest = 0;
  auto consider = [&](int64_t t) {
    if (oldest == 0 || t < oldest) oldest = t;
  };
  for (const auto& q : waiting_)
    if (!q.empty()) consider(q.front().enqueued_ms);
  for (const auto& [seq, f] : in_flight_) consider(f.entry.enqueued_ms);
  return oldest;
}

}  // namespace vigil::uplink
