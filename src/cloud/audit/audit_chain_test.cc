#include "cloud/audit/audit_chain.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "cloud/audit/audit_test_records.h"
#include "common/hex.h"

namespace vigil::audit {
namespace {

constexpr std::array<uint8_t, 32> kSeed = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                           12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                           23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

AuditRecord Numbered(int i) {
  AuditRecord r = i % 3 == 0 ? testing::DoctorSearch() : testing::NurseRead();
  r.time_ms = testing::kT0 + i * 1000;
  r.operation += "#" + std::to_string(i);
  return r;
}

class AuditChain : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(signer_.Init(kSeed), Error::kOk);
    const auto pk = signer_.public_key();
    ASSERT_EQ(verifier_.Init(pk), Error::kOk);
    chain_ = Build(10);
    head_ = SignTail(chain_);
  }

  static std::vector<ChainEntry> Build(int n) {
    std::vector<ChainEntry> c;
    ChainHead tail;
    for (int i = 1; i <= n; ++i) {
      ChainEntry e;
      EXPECT_EQ(Link(tail, Numbered(i), &e), Error::kOk);
      tail = {e.seq, e.hash};
      c.push_back(e);
    }
    return c;
  }

  SignedHead SignTail(const std::vector<ChainEntry>& c) const {
    SignedHead h;
    EXPECT_EQ(signer_.Sign({c.back().seq, c.back().hash}, testing::kT0 + 60000, &h), Error::kOk);
    return h;
  }

  VerifyReport Check(const std::vector<ChainEntry>& c, const SignedHead* head) const {
    VerifyOptions o;
    o.head = head;
    o.verifier = &verifier_;
    return Verify(c, o);
  }

  // Recomputes the hash of entries[i] (what an attacker with write access can do).
  static void Rehash(std::vector<ChainEntry>& c, size_t i) {
    ASSERT_EQ(EntryHash(c[i].prev_hash, c[i].seq, c[i].record, &c[i].hash), Error::kOk);
  }

  HeadSigner signer_;
  HeadVerifier verifier_;
  std::vector<ChainEntry> chain_;
  SignedHead head_;
};

TEST_F(AuditChain, LinkNumbersFromOneAndChainsEachHashIntoTheNext) {
  EXPECT_EQ(chain_[0].seq, 1u);
  EXPECT_EQ(chain_[0].prev_hash, kGenesisHash);
  for (size_t i = 1; i < chain_.size(); ++i) {
    EXPECT_EQ(chain_[i].seq, i + 1);
    EXPECT_EQ(chain_[i].prev_hash, chain_[i - 1].hash);
  }
}

// The hash of record 1 is pinned: a change of the canonical form or of the hash input
// would orphan every stored chain.
TEST_F(AuditChain, HashOfAKnownFirstRecordNeverChanges) {
  AuditRecord r;
  r.time_ms = 1714564800123;
  r.event = Event::kRead;
  r.actor_id = "u-1";
  r.role = "nurse";
  r.operation = "GET /x";
  r.patient_id = 42;
  r.source_address = "192.0.2.7";
  r.decision = Decision::kAllow;
  r.rule = "r";
  ChainEntry e;
  ASSERT_EQ(Link(ChainHead{}, r, &e), Error::kOk);
  // Computed independently: SHA-256(32 zero bytes || the canonical bytes of docs/audit.md).
  EXPECT_EQ(ToHex(e.hash), "89ff8bc12147285b32ffe31040da9aee2cc16fc86b45e540e126e00b2c93acc6");
}

TEST_F(AuditChain, IntactChainVerifiesAgainstItsSignedHead) {
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kIntact) << r.detail;
  EXPECT_TRUE(r.head_checked);
  EXPECT_EQ(r.verified, 10u);
}

TEST_F(AuditChain, EmptyChainWithoutHeadIsIntact) { EXPECT_TRUE(Verify({}).ok()); }

TEST_F(AuditChain, ChangedFieldIsNamedAltered) {
  chain_[3].record.patient_id = 43;
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kAltered);
  EXPECT_EQ(r.seq, 4u);
  EXPECT_EQ(r.position, 3u);
  EXPECT_EQ(r.verified, 3u);
}

TEST_F(AuditChain, ChangedDecisionIsNamedAltered) {
  chain_[6].record.decision = Decision::kDeny;
  EXPECT_EQ(Check(chain_, &head_).seq, 7u);
}

TEST_F(AuditChain, ChangedStoredHashIsNamedAltered) {
  chain_[5].hash[0] ^= 1;
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kAltered);
  EXPECT_EQ(r.seq, 6u);
}

TEST_F(AuditChain, FieldThatNoRecordMayHoldIsNamedAltered) {
  chain_[2].record.client = "\xFF";
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kAltered);
  EXPECT_EQ(r.seq, 3u);
}

TEST_F(AuditChain, RecordRewrittenWithItsHashRecomputedIsNamedAltered) {
  chain_[4].record.reason = "nothing to see";
  Rehash(chain_, 4);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kAltered);
  EXPECT_EQ(r.seq, 5u);  // not 6, whose link exposes it
  EXPECT_EQ(r.position, 4u);
}

TEST_F(AuditChain, FirstRecordRewrittenWithItsHashRecomputedIsNamedAltered) {
  chain_[0].record.actor_id = "u-9999";
  Rehash(chain_, 0);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kAltered);
  EXPECT_EQ(r.seq, 1u);
}

TEST_F(AuditChain, ForgedRecordBeforeTheGenuineOneIsNamedInserted) {
  // A forgery that takes seq 5 and links correctly to 4, slipped in before the real 5.
  ChainEntry forged;
  AuditRecord fake = testing::NurseRead();
  fake.actor_id = "u-alibi";
  ASSERT_EQ(Link({chain_[3].seq, chain_[3].hash}, fake, &forged), Error::kOk);
  chain_.insert(chain_.begin() + 4, forged);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kInserted) << r.detail;
  EXPECT_EQ(r.seq, 5u);
  EXPECT_EQ(r.position, 4u);  // the forgery, not the genuine record after it
  EXPECT_EQ(r.verified, 4u);
}

TEST_F(AuditChain, ForgedRecordAfterTheGenuineOneIsNamedInserted) {
  ChainEntry forged;
  ASSERT_EQ(Link({chain_[3].seq, chain_[3].hash}, testing::FailedLogin(), &forged), Error::kOk);
  chain_.insert(chain_.begin() + 5, forged);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kInserted);
  EXPECT_EQ(r.seq, 5u);
  EXPECT_EQ(r.position, 5u);
}

TEST_F(AuditChain, CopyOfAnEarlierRecordIsNamedInserted) {
  chain_.insert(chain_.begin() + 7, chain_[2]);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kInserted);
  EXPECT_EQ(r.seq, 3u);
  EXPECT_EQ(r.position, 7u);
}

TEST_F(AuditChain, DeletedRecordIsNamedDeleted) {
  chain_.erase(chain_.begin() + 4);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kDeleted);
  EXPECT_EQ(r.seq, 5u);
  EXPECT_EQ(r.count, 1u);
}

TEST_F(AuditChain, DeletedRangeNamesItsFirstRecordAndCount) {
  chain_.erase(chain_.begin() + 2, chain_.begin() + 6);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kDeleted);
  EXPECT_EQ(r.seq, 3u);
  EXPECT_EQ(r.count, 4u);
}

TEST_F(AuditChain, DeletedFirstRecordIsNamedDeleted) {
  chain_.erase(chain_.begin());
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kDeleted);
  EXPECT_EQ(r.seq, 1u);
}

TEST_F(AuditChain, SwappedRecordsAreNamedReordered) {
  std::swap(chain_[5], chain_[6]);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kReordered);
  EXPECT_EQ(r.seq, 6u);
  EXPECT_EQ(r.position, 6u);
}

TEST_F(AuditChain, RecordMovedToTheEndIsNamedReordered) {
  const ChainEntry moved = chain_[1];
  chain_.erase(chain_.begin() + 1);
  chain_.push_back(moved);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kReordered);
  EXPECT_EQ(r.seq, 2u);
  EXPECT_EQ(r.position, 9u);
}

TEST_F(AuditChain, CutTailIsCaughtByTheSignedHead) {
  chain_.resize(8);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kTruncated);
  EXPECT_EQ(r.seq, 9u);
  EXPECT_EQ(r.count, 2u);
}

TEST_F(AuditChain, CutTailWithoutASignedHeadGoesUnseen) {
  // The documented limit: without a head, a prefix of a chain is a valid chain.
  chain_.resize(8);
  const VerifyReport r = Check(chain_, nullptr);
  EXPECT_EQ(r.finding, Finding::kIntact);
  EXPECT_FALSE(r.head_checked);
}

TEST_F(AuditChain, HeadSignedWithAnotherKeyIsForged) {
  chain_.resize(8);
  HeadSigner other;
  std::array<uint8_t, 32> seed = kSeed;
  seed[0] ^= 0x55;
  ASSERT_EQ(other.Init(seed), Error::kOk);
  SignedHead forged;
  ASSERT_EQ(other.Sign({chain_.back().seq, chain_.back().hash}, head_.time_ms, &forged),
            Error::kOk);
  const VerifyReport r = Check(chain_, &forged);
  EXPECT_EQ(r.finding, Finding::kHeadForged);
  EXPECT_EQ(r.seq, 8u);
}

TEST_F(AuditChain, HeadWithItsSeqMovedBackIsForged) {
  chain_.resize(8);
  SignedHead moved = head_;
  moved.head = {chain_.back().seq, chain_.back().hash};  // signature still over (10, h10)
  EXPECT_EQ(Check(chain_, &moved).finding, Finding::kHeadForged);
}

TEST_F(AuditChain, SuffixRewrittenWithRecomputedHashesIsCaughtAsHeadMismatch) {
  // Record 8 changed, then 8, 9, 10 rehashed and relinked: a self-consistent chain that
  // only the signed head refutes.
  chain_[7].record.outcome = Outcome::kDenied;
  for (size_t i = 7; i < chain_.size(); ++i) {
    if (i > 7) chain_[i].prev_hash = chain_[i - 1].hash;
    Rehash(chain_, i);
  }
  EXPECT_EQ(Check(chain_, nullptr).finding, Finding::kIntact);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kHeadMismatch);
  EXPECT_EQ(r.seq, 10u);
}

TEST_F(AuditChain, LastRecordRewrittenIsCaughtAgainstTheHead) {
  chain_[9].record.reason = "edited";
  Rehash(chain_, 9);
  const VerifyReport r = Check(chain_, &head_);
  EXPECT_EQ(r.finding, Finding::kHeadMismatch);
  EXPECT_EQ(r.seq, 10u);
}

TEST_F(AuditChain, RecordsAppendedAfterTheHeadAreCheckedByTheirLinks) {
  const SignedHead older = SignTail(std::vector<ChainEntry>(chain_.begin(), chain_.begin() + 8));
  EXPECT_TRUE(Check(chain_, &older).ok());
  chain_[9].record.reason = "edited";
  const VerifyReport r = Check(chain_, &older);
  EXPECT_EQ(r.finding, Finding::kAltered);
  EXPECT_EQ(r.seq, 10u);
}

TEST_F(AuditChain, VerifiesThePartAfterAnArchivedPrefix) {
  const std::vector<ChainEntry> rest(chain_.begin() + 5, chain_.end());
  VerifyOptions o;
  o.start = {chain_[4].seq, chain_[4].hash};
  o.head = &head_;
  o.verifier = &verifier_;
  EXPECT_TRUE(Verify(rest, o).ok()) << Verify(rest, o).detail;
  o.start.hash[3] ^= 1;  // an archive that does not end where the rest begins
  const VerifyReport r = Verify(rest, o);
  EXPECT_EQ(r.finding, Finding::kAltered);
  EXPECT_EQ(r.seq, 6u);
}

// What the append contract (audit_chain.h) prevents: two replicas that read the same
// tail without a lock both link to it. Without the UNIQUE seq the chain forks, and Verify
// names the record that the rest of the chain does not follow.
TEST_F(AuditChain, ForkFromTwoAppendersOnTheSameTailIsNamedInserted) {
  std::vector<ChainEntry> c = Build(4);
  const ChainHead tail{c.back().seq, c.back().hash};
  ChainEntry a, b;
  ASSERT_EQ(Link(tail, testing::NurseRead(), &a), Error::kOk);
  ASSERT_EQ(Link(tail, testing::FailedLogin(), &b), Error::kOk);
  EXPECT_EQ(a.seq, b.seq);  // the conflict a UNIQUE seq refuses
  c.push_back(a);
  c.push_back(b);
  ChainEntry next;
  ASSERT_EQ(Link({b.seq, b.hash}, testing::DoctorSearch(), &next), Error::kOk);
  c.push_back(next);  // replica B went on from its own record
  const VerifyReport r = Check(c, nullptr);
  EXPECT_EQ(r.finding, Finding::kInserted);
  EXPECT_EQ(r.seq, 5u);
  EXPECT_EQ(r.position, 4u);  // A's record: the chain goes on from B's
}

// docs/audit.md: segments overlap by two entries, so that a record rewritten at the end
// of one segment is named by the next.
TEST_F(AuditChain, OverlappingSegmentsNameARewriteAtTheirBoundary) {
  chain_[4].record.reason = "edited";  // entry 5 of 10, the end of the first segment
  Rehash(chain_, 4);
  const std::vector<ChainEntry> first(chain_.begin(), chain_.begin() + 5);
  EXPECT_TRUE(Verify(first).ok());  // alone, the segment cannot see it
  const std::vector<ChainEntry> second(chain_.begin() + 3, chain_.end());
  VerifyOptions o;
  o.start = {chain_[2].seq, chain_[2].hash};  // two entries before the first's end
  o.head = &head_;
  o.verifier = &verifier_;
  const VerifyReport r = Verify(second, o);
  EXPECT_EQ(r.finding, Finding::kAltered);
  EXPECT_EQ(r.seq, 5u);
}

TEST_F(AuditChain, LinkRefusesARecordThatFailsItsCheck) {
  AuditRecord bad = testing::BreakGlass();
  bad.reason.clear();
  ChainEntry e;
  e.seq = 77;
  std::string why;
  EXPECT_EQ(Link({}, bad, &e, &why), Error::kInvalidArgument);
  EXPECT_EQ(why, "reason: no_reason");
  EXPECT_EQ(e.seq, 77u);
}

}  // namespace
}  // namespace vigil::audit
