// The gateway's durable store-and-forward queue of uplink messages (docs/uplink.md,
// "The queue"), over SQLite.
//
// A message is committed before Enqueue returns, so that what the edge handed over
// survives a crash of the gateway; it leaves the file only once the broker acknowledged
// it (Ack after PUBACK, QoS 1). Delivery is at least once: a message in flight when the
// connection or the process dies is sent again, with the same id, which the consumer
// uses to remove the copy.
//
// Order: Lease hands out the highest class first (alarms, then security alerts, then
// telemetry) and, within a class, the oldest first.
//
// Bounds: at most `max_messages` messages and `max_bytes` bytes (topic + payload) are
// kept. When a new message does not fit, the oldest waiting message of the lowest class
// that is not above the new one's gives way (telemetry first, then security alerts, then
// alarms); when none may (everything waiting is of a higher class, or in flight), the new
// message is refused. Nothing is lost silently: every evicted or refused message is
// counted by class, in the file, and keeps its sequence number, so that it shows as a gap
// in `seq` at the consumer. Messages in flight are never evicted.
//
// Storage: one table keyed by the sequence number (the rowid: no secondary index, so an
// insert touches one B-tree), a small meta table (stream id, next sequence number, drop
// counters), WAL journal. The file is created with mode 0600 (payloads name patients'
// pseudonyms) and an existing file that group or others can access is refused. The file
// is held with an exclusive lock: a second process opening it gets kInvalidState.
// Durability: Enqueue commits with synchronous=FULL by default (the WAL is fsynced:
// what was committed survives a power cut, not only a SIGKILL) or NORMAL (`sync_full`
// false: a SIGKILL or a crash of the gateway loses nothing, a power cut may lose the
// last commits). Acks are committed without a sync of their own: losing one only
// resends a message, which the consumer removes by id; the next Enqueue syncs them.
// The in-memory index (24 bytes per message) is rebuilt from the table at Open.
//
// Errors: kIo when the file cannot be created, read or written (nothing changed in
// memory: the batch that failed is not queued); kCorrupt when the file is not a Vigil
// uplink queue or is damaged (left as it is); kInvalidState when it is too open or in use;
// kInvalidArgument for a batch that breaks the contract below. Each sets `why`.
//
// Not thread-safe: the caller serialises calls (the uplink holds a mutex).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "edge/uplink/message_class.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vigil::uplink {

// "VGUQ" in the SQLite header.
inline constexpr uint32_t kOutboxApplicationId = 0x56475551;
inline constexpr int kOutboxSchemaVersion = 1;

struct OutboxOptions {
  uint64_t max_messages = 1000000;
  uint64_t max_bytes = uint64_t{512} << 20;
  bool sync_full = true;
};

// One message to enqueue. `seq` must be the number the queue will give it (see Enqueue),
// because the payload carries it.
struct OutboxItem {
  uint64_t seq = 0;
  MessageClass cls = MessageClass::kTelemetry;
  std::string topic;
  std::string payload;
};

// One message handed out by Lease.
struct OutboxMessage {
  uint64_t seq = 0;
  MessageClass cls = MessageClass::kTelemetry;
  std::string topic;
  std::string payload;
  int64_t enqueued_ms = 0;
};

struct EnqueueResult {
  size_t accepted = 0;
  size_t refused = 0;  // of this batch, refused under the bound
  size_t evicted = 0;  // queued messages (or earlier ones of this batch) that gave way
};

// Counted since the file was created (persisted) or since Open (delivered).
struct OutboxCounters {
  std::array<uint64_t, kMessageClassCount> evicted{};
  std::array<uint64_t, kMessageClassCount> refused{};
  uint64_t delivered = 0;  // acknowledged since Open
  uint64_t dropped(MessageClass c) const { return evicted[Index(c)] + refused[Index(c)]; }
};

class OutboxQueue {
 public:
  OutboxQueue() = default;
  ~OutboxQueue();
  OutboxQueue(const OutboxQueue&) = delete;
  OutboxQueue& operator=(const OutboxQueue&) = delete;

  // Opens the queue at `path`, creating it (with a new random stream id) when it does not
  // exist or is an empty file. An existing queue keeps its stream id, sequence numbers,
  // counters and messages; messages that were in flight are waiting again. `now_ms` is the
  // wall-clock time, stored as the file's creation time when it is created.
  // REQUIRES: options.max_messages >= 1 and options.max_bytes >= 1.
  Error Open(const std::string& path, const OutboxOptions& options, int64_t now_ms,
             std::string* why);
  void Close();
  bool is_open() const { return db_ != nullptr; }

  // The random id of this queue file (never 0), and the number the next message gets.
  uint64_t stream() const { return stream_; }
  uint64_t next_seq() const { return next_seq_; }

  // Commits `items` in one transaction: each is queued, or refused under the bound (see
  // the top of this file), and queued messages evicted to make room are deleted in the
  // same transaction. `now_ms` is the enqueue time (wall clock), for OldestEnqueuedMs.
  // REQUIRES (else kInvalidArgument, nothing queued): items[i].seq == next_seq() + i, and
  // every topic and payload non-empty and payload at most kMaxPayloadBytes.
  // Refused items still use up their sequence number. On kIo nothing changed: next_seq()
  // is as before and the caller may retry the batch.
  Error Enqueue(std::span<const OutboxItem> items, int64_t now_ms, EnqueueResult* out,
                std::string* why);

  // Moves up to `max` waiting messages in flight and appends them to `out` (highest class
  // first, oldest first). kIo if the table cannot be read (the messages stay waiting).
  Error Lease(size_t max, std::vector<OutboxMessage>* out, std::string* why);
  // The broker acknowledged `seq`: it is no longer in flight, and is deleted at the next
  // CommitAcks or Enqueue. False (and nothing done) if `seq` was not in flight.
  bool Ack(uint64_t seq);
  // Deletes the acknowledged messages (one transaction, no sync of its own).
  Error CommitAcks(std::string* why);
  // Every message in flight is waiting again, in its place (the connection was lost).
  void ReleaseAll();

  size_t waiting() const { return waiting_count_; }
  size_t in_flight() const { return in_flight_.size(); }
  size_t depth() const { return waiting_count_ + in_flight_.size(); }  // acked: not counted
  uint64_t bytes() const { return bytes_; }
  size_t waiting(MessageClass c) const { return waiting_[Index(c)].size(); }
  // Enqueue time of the oldest message still queued (waiting or in flight); 0 when empty.
  int64_t OldestEnqueuedMs() const;
  const OutboxCounters& counters() const { return counters_; }
  int64_t created_ms() const { return created_ms_; }
  const std::string& path() const { return path_; }

 private:
  struct Entry {
    uint64_t seq = 0;
    int64_t enqueued_ms = 0;
    uint32_t bytes = 0;
  };
  struct Flight {
    Entry entry;
    MessageClass cls;
  };

  Error Fail(Error e, const std::string& msg, std::string* why);
  Error FailSqlite(const std::string& what, std::string* why);
  Error Exec(const char* sql, std::string* why);
  Error Initialize(int64_t now_ms, std::string* why);
  Error Load(std::string* why);
  Error PrepareAll(std::string* why);
  Error SetMeta(const char* key, int64_t value);
  Error SetSync(bool full, std::string* why);
  Error DeleteAcked();

  std::string path_;
  OutboxOptions options_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* set_meta_ = nullptr;
  uint64_t stream_ = 0;
  uint64_t next_seq_ = 1;
  int64_t created_ms_ = 0;
  // Waiting messages per class, by sequence number.
  std::array<std::deque<Entry>, kMessageClassCount> waiting_;
  std::array<uint64_t, kMessageClassCount> waiting_bytes_{};
  size_t waiting_count_ = 0;
  std::unordered_map<uint64_t, Flight> in_flight_;
  std::vector<uint64_t> acked_;  // deleted at the next commit
  uint64_t bytes_ = 0;           // waiting + in flight
  OutboxCounters counters_;
  bool sync_full_now_ = false;  // the connection's PRAGMA synchronous
};

}  // namespace vigil::uplink
