#include "edge/uplink/outbox_queue.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "common/test_temp_dir.h"

namespace vigil::uplink {
namespace {

using vigil::testing::TempDir;

OutboxItem Item(uint64_t seq, MessageClass c, size_t payload_bytes = 10) {
  OutboxItem it;
  it.seq = seq;
  it.cls = c;
  it.topic = "t";  // 1 byte: message sizes are payload_bytes + 1
  it.payload = std::string(payload_bytes, 'x');
  it.payload[0] = '{';
  return it;
}

// Enqueues `classes` as one batch, numbered from the queue's next_seq().
EnqueueResult Add(OutboxQueue& q, const std::vector<MessageClass>& classes,
                  size_t payload_bytes = 10, int64_t now_ms = 1000) {
  std::vector<OutboxItem> items;
  for (size_t i = 0; i < classes.size(); ++i)
    items.push_back(Item(q.next_seq() + i, classes[i], payload_bytes));
  EnqueueResult r;
  std::string why;
  EXPECT_EQ(q.Enqueue(items, now_ms, &r, &why), Error::kOk) << why;
  return r;
}

std::vector<uint64_t> LeaseSeqs(OutboxQueue& q, size_t max) {
  std::vector<OutboxMessage> out;
  std::string why;
  EXPECT_EQ(q.Lease(max, &out, &why), Error::kOk) << why;
  std::vector<uint64_t> seqs;
  for (const auto& m : out) seqs.push_back(m.seq);
  return seqs;
}

constexpr auto T = MessageClass::kTelemetry;
constexpr auto S = MessageClass::kSecurity;
constexpr auto A = MessageClass::kAlarm;

TEST(OutboxQueue, CommittedMessagesSurviveReopenWithTheirStreamAndNumbers) {
  TempDir dir;
  uint64_t stream = 0;
  {
    OutboxQueue q;
    std::string why;
    ASSERT_EQ(q.Open(dir.File("q.db"), {}, 5, &why), Error::kOk) << why;
    EXPECT_NE(q.stream(), 0u);
    EXPECT_EQ(q.next_seq(), 1u);
    stream = q.stream();
    Add(q, {T, A, S});
  }
  EXPECT_EQ(vigil::testing::FileMode(dir.File("q.db")), 0600u);
  OutboxQueue q;
  std::string why;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 6, &why), Error::kOk) << why;
  EXPECT_EQ(q.stream(), stream);
  EXPECT_EQ(q.next_seq(), 4u);
  EXPECT_EQ(q.depth(), 3u);
  EXPECT_EQ(q.created_ms(), 5);
  std::vector<OutboxMessage> out;
  ASSERT_EQ(q.Lease(10, &out, &why), Error::kOk);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].seq, 2u);  // the alarm first
  EXPECT_EQ(out[0].topic, "t");
  EXPECT_EQ(out[0].payload, Item(2, A).payload);
  EXPECT_EQ(out[0].enqueued_ms, 1000);
}

TEST(OutboxQueue, SequenceNumbersAreNeverReusedAfterTheQueueDrains) {
  TempDir dir;
  {
    OutboxQueue q;
    ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
    Add(q, {T, T, T});
    for (uint64_t s : LeaseSeqs(q, 10)) EXPECT_TRUE(q.Ack(s));
    ASSERT_EQ(q.CommitAcks(nullptr), Error::kOk);
    EXPECT_EQ(q.depth(), 0u);
  }
  OutboxQueue q;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.next_seq(), 4u);  // an empty table must not restart the rowids at 1
  Add(q, {T});
  EXPECT_EQ(LeaseSeqs(q, 10), std::vector<uint64_t>{4});
}

TEST(OutboxQueue, BatchNumberedWronglyIsRefusedAndNothingQueued) {
  TempDir dir;
  OutboxQueue q;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  std::vector<OutboxItem> items = {Item(1, T), Item(3, T)};
  std::string why;
  EXPECT_EQ(q.Enqueue(items, 0, nullptr, &why), Error::kInvalidArgument);
  EXPECT_NE(why.find("expected 2"), std::string::npos) << why;
  items = {Item(1, T)};
  items[0].payload.clear();
  EXPECT_EQ(q.Enqueue(items, 0, nullptr, &why), Error::kInvalidArgument);
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.next_seq(), 1u);
}

TEST(OutboxQueue, DrainsAlarmsThenSecurityThenTelemetryOldestFirst) {
  TempDir dir;
  OutboxQueue q;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  Add(q, {T, S, A, T, A, S});
  EXPECT_EQ(LeaseSeqs(q, 3), (std::vector<uint64_t>{3, 5, 2}));
  EXPECT_EQ(LeaseSeqs(q, 10), (std::vector<uint64_t>{6, 1, 4}));
  EXPECT_EQ(q.in_flight(), 6u);
  EXPECT_EQ(q.waiting(), 0u);
}

TEST(OutboxQueue, FullQueueEvictsTheOldestTelemetryToAdmitAnAlarm) {
  TempDir dir;
  OutboxQueue q;
  OutboxOptions o;
  o.max_messages = 3;
  ASSERT_EQ(q.Open(dir.File("q.db"), o, 0, nullptr), Error::kOk);
  Add(q, {T, S, T});
  EnqueueResult r = Add(q, {A});
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.evicted, 1u);
  EXPECT_EQ(q.counters().evicted[Index(T)], 1u);
  EXPECT_EQ(LeaseSeqs(q, 10), (std::vector<uint64_t>{4, 2, 3}));  // 1 gave way
}

TEST(OutboxQueue, TelemetryNeverDisplacesAlarmsOrSecurityAndIsCountedWhenRefused) {
  TempDir dir;
  OutboxQueue q;
  OutboxOptions o;
  o.max_messages = 2;
  ASSERT_EQ(q.Open(dir.File("q.db"), o, 0, nullptr), Error::kOk);
  Add(q, {A, S});
  EnqueueResult r = Add(q, {T, T});
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_EQ(r.refused, 2u);
  EXPECT_EQ(q.counters().refused[Index(T)], 2u);
  EXPECT_EQ(q.next_seq(), 5u);  // the refused keep their numbers: a visible gap
  // A security alert displaces nothing above it either.
  r = Add(q, {S});
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.evicted, 1u);
  EXPECT_EQ(q.counters().evicted[Index(S)], 1u);
  EXPECT_EQ(LeaseSeqs(q, 10), (std::vector<uint64_t>{1, 5}));
}

TEST(OutboxQueue, TelemetryGivesWayToNewerTelemetryOldestFirst) {
  TempDir dir;
  OutboxQueue q;
  OutboxOptions o;
  o.max_messages = 3;
  ASSERT_EQ(q.Open(dir.File("q.db"), o, 0, nullptr), Error::kOk);
  Add(q, {T, T, T, T, T});  // 1 and 2 give way within the batch's own commit
  EXPECT_EQ(q.counters().evicted[Index(T)], 2u);
  EXPECT_EQ(LeaseSeqs(q, 10), (std::vector<uint64_t>{3, 4, 5}));
}

TEST(OutboxQueue, MessagesInFlightAreNeverEvicted) {
  TempDir dir;
  OutboxQueue q;
  OutboxOptions o;
  o.max_messages = 2;
  ASSERT_EQ(q.Open(dir.File("q.db"), o, 0, nullptr), Error::kOk);
  Add(q, {T, T});
  EXPECT_EQ(LeaseSeqs(q, 2).size(), 2u);
  EnqueueResult r = Add(q, {A});
  EXPECT_EQ(r.refused, 1u);  // nothing it may displace is waiting
  EXPECT_EQ(q.counters().refused[Index(A)], 1u);
  EXPECT_TRUE(q.Ack(1));
  r = Add(q, {A});
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.evicted, 0u);
}

TEST(OutboxQueue, ByteBoundEvictsUntilTheNewMessageFits) {
  TempDir dir;
  OutboxQueue q;
  OutboxOptions o;
  o.max_bytes = 100;  // each message below is 30 + 1 bytes
  ASSERT_EQ(q.Open(dir.File("q.db"), o, 0, nullptr), Error::kOk);
  Add(q, {T, T, T}, 30);
  EXPECT_EQ(q.bytes(), 93u);
  EnqueueResult r = Add(q, {A}, 60);  // 61 bytes: two telemetry messages must go
  EXPECT_EQ(r.evicted, 2u);
  EXPECT_EQ(q.bytes(), 31u + 61u);
  r = Add(q, {T}, 200);  // larger than the whole bound
  EXPECT_EQ(r.refused, 1u);
  EXPECT_EQ(q.depth(), 2u);
}

TEST(OutboxQueue, DropCountersSurviveReopen) {
  TempDir dir;
  OutboxOptions o;
  o.max_messages = 1;
  {
    OutboxQueue q;
    ASSERT_EQ(q.Open(dir.File("q.db"), o, 0, nullptr), Error::kOk);
    Add(q, {A, T, S, A});
  }
  OutboxQueue q;
  ASSERT_EQ(q.Open(dir.File("q.db"), o, 0, nullptr), Error::kOk);
  EXPECT_EQ(q.counters().refused[Index(T)], 1u);
  EXPECT_EQ(q.counters().refused[Index(S)], 1u);
  EXPECT_EQ(q.counters().evicted[Index(A)], 1u);
  EXPECT_EQ(q.counters().dropped(A), 1u);
  EXPECT_EQ(LeaseSeqs(q, 10), std::vector<uint64_t>{4});
}

TEST(OutboxQueue, UnacknowledgedMessagesWaitAgainInTheirPlace) {
  TempDir dir;
  OutboxQueue q;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  Add(q, {T, T, T, T});
  EXPECT_EQ(LeaseSeqs(q, 3), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE(q.Ack(2));
  EXPECT_FALSE(q.Ack(2));
  EXPECT_FALSE(q.Ack(4));  // waiting, never leased
  q.ReleaseAll();
  EXPECT_EQ(q.in_flight(), 0u);
  EXPECT_EQ(LeaseSeqs(q, 10), (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_EQ(q.counters().delivered, 1u);
}

TEST(OutboxQueue, AckNotYetCommittedMeansTheMessageIsSentAgainAfterACrash) {
  TempDir dir;
  {
    OutboxQueue q;
    ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
    Add(q, {T, T});
    LeaseSeqs(q, 2);
    q.Ack(1);
    ASSERT_EQ(q.CommitAcks(nullptr), Error::kOk);
    q.Ack(2);  // the process dies before this delete is committed
  }
  OutboxQueue q;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  EXPECT_EQ(LeaseSeqs(q, 10), std::vector<uint64_t>{2});
}

TEST(OutboxQueue, AcksRideOnTheNextEnqueueCommit) {
  TempDir dir;
  {
    OutboxQueue q;
    ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
    Add(q, {T});
    LeaseSeqs(q, 1);
    q.Ack(1);
    Add(q, {T});
  }
  OutboxQueue q;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  EXPECT_EQ(LeaseSeqs(q, 10), std::vector<uint64_t>{2});
}

TEST(OutboxQueue, OldestAgeCountsMessagesInFlight) {
  TempDir dir;
  OutboxQueue q;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  EXPECT_EQ(q.OldestEnqueuedMs(), 0);
  Add(q, {T}, 10, 500);
  Add(q, {A}, 10, 900);
  LeaseSeqs(q, 2);
  EXPECT_EQ(q.OldestEnqueuedMs(), 500);
  q.Ack(1);
  EXPECT_EQ(q.OldestEnqueuedMs(), 900);
}

TEST(OutboxQueue, AnotherApplicationsDatabaseIsRefusedAndLeftAsItIs) {
  TempDir dir;
  const std::string path = dir.File("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE patients (name TEXT); PRAGMA application_id = 7;", nullptr,
               nullptr, nullptr);
  sqlite3_close(db);
  ::chmod(path.c_str(), 0600);
  const auto before = vigil::testing::ReadAll(path);
  OutboxQueue q;
  std::string why;
  EXPECT_EQ(q.Open(path, {}, 0, &why), Error::kCorrupt);
  EXPECT_NE(why.find("another application"), std::string::npos) << why;
  EXPECT_EQ(vigil::testing::ReadAll(path), before);

  // The same without an application id: tables of its own, so not a blank file either.
  const std::string plain = dir.File("plain.db");
  ASSERT_EQ(sqlite3_open(plain.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE patients (name TEXT);", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ::chmod(plain.c_str(), 0600);
  EXPECT_EQ(q.Open(plain, {}, 0, &why), Error::kCorrupt);
  EXPECT_NE(why.find("not a Vigil uplink queue"), std::string::npos) << why;
}

TEST(OutboxQueue, FileThatIsNotSqliteIsRefusedAndLeftAsItIs) {
  TempDir dir;
  const std::string path = dir.File("q.db");
  std::vector<uint8_t> junk(4096, 0x5a);
  vigil::testing::WriteAll(path, junk);
  OutboxQueue q;
  std::string why;
  EXPECT_EQ(q.Open(path, {}, 0, &why), Error::kCorrupt);
  EXPECT_NE(why.find("not an SQLite database"), std::string::npos) << why;
  EXPECT_EQ(vigil::testing::ReadAll(path), junk);
}

TEST(OutboxQueue, EmptyFileLeftByADeadStartBecomesANewQueue) {
  TempDir dir;
  vigil::testing::WriteAll(dir.File("q.db"), {});
  OutboxQueue q;
  std::string why;
  ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, &why), Error::kOk) << why;
  EXPECT_EQ(q.next_seq(), 1u);
}

TEST(OutboxQueue, QueueReadableByOthersIsRefused) {
  TempDir dir;
  {
    OutboxQueue q;
    ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  }
  ::chmod(dir.File("q.db").c_str(), 0644);
  OutboxQueue q;
  std::string why;
  EXPECT_EQ(q.Open(dir.File("q.db"), {}, 0, &why), Error::kInvalidState);
  EXPECT_NE(why.find("chmod"), std::string::npos) << why;
}

TEST(OutboxQueue, SecondOpenOfAQueueInUseIsRefused) {
  TempDir dir;
  OutboxQueue a;
  ASSERT_EQ(a.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
  OutboxQueue b;
  std::string why;
  EXPECT_EQ(b.Open(dir.File("q.db"), {}, 0, &why), Error::kInvalidState);
  EXPECT_NE(why.find("in use"), std::string::npos) << why;
  Add(a, {T});  // the first one still works
  EXPECT_EQ(a.depth(), 1u);
}

TEST(OutboxQueue, DamagedRowIsReportedWithItsNumber) {
  TempDir dir;
  {
    OutboxQueue q;
    ASSERT_EQ(q.Open(dir.File("q.db"), {}, 0, nullptr), Error::kOk);
    Add(q, {T, T});
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("q.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "UPDATE outbox SET class = 9 WHERE seq = 2", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  OutboxQueue q;
  std::string why;
  EXPECT_EQ(q.Open(dir.File("q.db"), {}, 0, &why), Error::kCorrupt);
  EXPECT_NE(why.find("message 2"), std::string::npos) << why;
}

TEST(OutboxQueue, TruncatedQueueIsRefusedAndNotStartedAfresh) {
  TempDir dir;
  const std::string path = dir.File("q.db");
  {
    OutboxQueue q;
    ASSERT_EQ(q.Open(path, {}, 0, nullptr), Error::kOk);
    for (int k = 0; k < 20; ++k) Add(q, std::vector<MessageClass>(100, T), 300);
  }
  ASSERT_FALSE(std::filesystem::exists(path + "-wal") &&
               std::filesystem::file_size(path + "-wal") > 0);  // checkpointed at close
  std::vector<uint8_t> bytes = vigil::testing::ReadAll(path);
  ASSERT_GT(bytes.size(), 100000u);
  bytes.resize(bytes.size() / 2);
  vigil::testing::WriteAll(path, bytes);
  OutboxQueue q;
  std::string why;
  EXPECT_EQ(q.Open(path, {}, 0, &why), Error::kCorrupt) << why;
  EXPECT_EQ(vigil::testing::ReadAll(path), bytes);  // left as it was, for an inquiry
}

// The writer reports each batch after Enqueue returned; whatever it reported must be in
// the file after a SIGKILL at an arbitrary point, in both durability modes.
void SigkillWhileWriting(bool sync_full) {
  TempDir dir;
  const std::string path = dir.File("q.db");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    OutboxQueue q;
    OutboxOptions o;
    o.sync_full = sync_full;
    if (q.Open(path, o, 0, nullptr) != Error::kOk) ::_exit(2);
    for (;;) {
      std::vector<OutboxItem> items;
      for (int i = 0; i < 50; ++i) items.push_back(Item(q.next_seq() + i, T, 200));
      if (q.Enqueue(items, 0, nullptr, nullptr) != Error::kOk) ::_exit(3);
      const uint64_t last = q.next_seq() - 1;
      if (::write(fds[1], &last, sizeof(last)) != sizeof(last)) ::_exit(4);
    }
  }
  ::close(fds[1]);
  uint64_t committed = 0, v = 0;
  for (int k = 0; k < 40 && ::read(fds[0], &v, sizeof(v)) == sizeof(v); ++k) committed = v;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (::read(fds[0], &v, sizeof(v)) == sizeof(v)) committed = v;  // reported before death
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GE(committed, 50u);
  OutboxQueue q;
  std::string why;
  ASSERT_EQ(q.Open(path, {}, 0, &why), Error::kOk) << why;
  std::vector<OutboxMessage> out;
  ASSERT_EQ(q.Lease(1000000, &out, &why), Error::kOk);
  std::set<uint64_t> seqs;
  for (const auto& m : out) seqs.insert(m.seq);
  for (uint64_t s = 1; s <= committed; ++s) ASSERT_TRUE(seqs.count(s)) << "lost " << s;
  EXPECT_EQ(seqs.size(), q.next_seq() - 1);  // and nothing half-written
}

TEST(OutboxQueue, CommittedBatchesSurviveSigkillOfTheWriterSyncFull) { SigkillWhileWriting(true); }
TEST(OutboxQueue, CommittedBatchesSurviveSigkillOfTheWriterSyncNormal) {
  SigkillWhileWriting(false);
}

}  // namespace
}  // namespace vigil::uplink
