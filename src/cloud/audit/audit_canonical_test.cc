#include "cloud/audit/audit_canonical.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cloud/audit/audit_test_records.h"
#include "common/hex.h"

namespace vigil::audit {
namespace {

using testing::BreakGlass;
using testing::FailedLogin;
using testing::NurseRead;

std::vector<AuditRecord> Samples() {
  AuditRecord unicode = NurseRead();
  unicode.reason = "Zugriff für Ärztin Łukasiewicz — 患者";
  AuditRecord bounds = FailedLogin();
  bounds.actor_id = std::string(kMaxIdBytes, 'a');
  bounds.operation = std::string(kMaxOperationBytes, 'o');
  bounds.source_address = std::string(kMaxAddressBytes, '1');
  bounds.client = std::string(kMaxClientBytes, 'c');
  bounds.reason = std::string(kMaxReasonBytes, 'r');
  AuditRecord control = FailedLogin();
  control.client = std::string("evil\r\n\x01\x7f", 8);  // kept as evidence
  return {NurseRead(), FailedLogin(), BreakGlass(), unicode, bounds, control};
}

// The canonical form is what the chain hashes: a change to it changes every hash of every
// stored chain. This pins version 1 byte for byte.
TEST(AuditCanonical, VersionOneBytesOfAKnownRecordNeverChange) {
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
  const std::string c = Canonical(7, r);
  EXPECT_EQ(ToHex(ByteSpan(reinterpret_cast<const uint8_t*>(c.data()), c.size())),
            "5647415201"                    // "VGAR", version 1
            "01000000080000000000000007"    // seq 7
            "02000000080000018f34069e7b"    // time_ms
            "030000000101"                  // event read
            "040000000101"                  // actor user
            "0500000003752d31"              // actor_id "u-1"
            "06000000056e75727365"          // role "nurse"
            "0700000006474554202f78"        // operation "GET /x"
            "080000000101"                  // outcome success
            "0900000008000000000000002a"    // patient 42
            "0a000000093139322e302e322e37"  // source "192.0.2.7"
            "0b00000000"                    // client ""
            "0c0000000102"                  // decision allow
            "0d0000000172"                  // rule "r"
            "0e0000000100"                  // not emergency
            "0f00000000");                  // reason ""
}

TEST(AuditCanonical, ParseGivesBackTheRecordAndExactlyItsBytes) {
  uint64_t seq = 1;
  for (const AuditRecord& r : Samples()) {
    ASSERT_EQ(CheckRecord(r), RecordError::kOk);
    const std::string bytes = Canonical(seq, r);
    EXPECT_LE(bytes.size(), kMaxCanonicalBytes);
    uint64_t got_seq = 0;
    AuditRecord got;
    ASSERT_EQ(ParseCanonical(bytes, &got_seq, &got), RecordError::kOk);
    EXPECT_EQ(got_seq, seq);
    EXPECT_EQ(got, r);
    EXPECT_EQ(Canonical(got_seq, got), bytes);
    seq += 1000;
  }
}

TEST(AuditCanonical, NoPatientAndPatientZeroAreDifferentRecords) {
  AuditRecord a = FailedLogin();
  ASSERT_FALSE(a.patient_id.has_value());
  const std::string none = Canonical(1, a);
  std::string zero = none;
  // Rewrite the empty patient field as an 8-byte zero: a record may not name patient 0.
  const std::string empty_patient("\x09\x00\x00\x00\x00", 5);
  const size_t at = zero.find(empty_patient);
  ASSERT_NE(at, std::string::npos);
  zero.replace(at, 5, std::string("\x09\x00\x00\x00\x08", 5) + std::string(8, '\0'));
  uint64_t seq = 0;
  AuditRecord out;
  EXPECT_EQ(ParseCanonical(zero, &seq, &out), RecordError::kBadPatient);
}

TEST(AuditCanonical, EveryTruncationIsRefusedAsTruncated) {
  const std::string bytes = Canonical(3, BreakGlass());
  for (size_t n = 0; n < bytes.size(); ++n) {
    uint64_t seq = 99;
    AuditRecord out = FailedLogin();
    size_t offset = 0;
    EXPECT_EQ(ParseCanonical(std::string_view(bytes).substr(0, n), &seq, &out, &offset),
              RecordError::kTruncated)
        << "cut at " << n;
    EXPECT_EQ(seq, 99u);  // nothing partial leaks
    EXPECT_EQ(out, FailedLogin());
    EXPECT_LE(offset, n);
  }
}

TEST(AuditCanonical, FlippingAnyByteNeverReadsBackTheSameRecord) {
  const AuditRecord r = NurseRead();
  const std::string bytes = Canonical(5, r);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int mask : {0x01, 0x80, 0xFF}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      uint64_t seq = 0;
      AuditRecord out;
      if (ParseCanonical(bad, &seq, &out) == RecordError::kOk) {
        // A flip inside a value may read as another valid record, never as this one.
        EXPECT_FALSE(seq == 5 && out == r) << "byte " << i;
        EXPECT_EQ(Canonical(seq, out), bad);
      }
    }
  }
}

TEST(AuditCanonical, TrailingBytesAreRefused) {
  uint64_t seq = 0;
  AuditRecord out;
  EXPECT_EQ(ParseCanonical(Canonical(1, NurseRead()) + '\0', &seq, &out), RecordError::kBadLayout);
}

TEST(AuditCanonical, UnknownVersionIsRefused) {
  std::string bytes = Canonical(1, NurseRead());
  bytes[4] = 2;
  uint64_t seq = 0;
  AuditRecord out;
  EXPECT_EQ(ParseCanonical(bytes, &seq, &out), RecordError::kUnknownVersion);
}

TEST(AuditCanonical, SeqZeroIsRefused) {
  std::string bytes = Canonical(1, NurseRead());
  bytes[5 + 5 + 7] = 0;  // the last byte of seq
  uint64_t seq = 0;
  AuditRecord out;
  EXPECT_EQ(ParseCanonical(bytes, &seq, &out), RecordError::kBadLayout);
}

TEST(AuditCanonical, AFieldLongerThanItsBoundIsRefusedBeforeReadingIt) {
  std::string bytes = Canonical(1, NurseRead());
  // actor_id's length field: header 5 + seq 13 + time 13 + event 6 + actor kind 6 = 43.
  ASSERT_EQ(bytes[43], 5);
  bytes[44] = 0x7F;  // 2 GB
  uint64_t seq = 0;
  AuditRecord out;
  EXPECT_EQ(ParseCanonical(bytes, &seq, &out), RecordError::kBadLayout);
}

TEST(AuditRecordCheck, RefusesWhatNoRecordMayHold) {
  std::string_view field;
  AuditRecord r = BreakGlass();
  r.reason.clear();
  EXPECT_EQ(CheckRecord(r, &field), RecordError::kNoReason);
  EXPECT_EQ(field, "reason");

  r = FailedLogin();
  r.rule = "x";
  EXPECT_EQ(CheckRecord(r, &field), RecordError::kRuleWithoutDecision);

  r = NurseRead();
  r.client = "\xC3\x28";
  EXPECT_EQ(CheckRecord(r, &field), RecordError::kNotText);
  EXPECT_EQ(field, "client");

  r = NurseRead();
  r.operation = std::string(kMaxOperationBytes + 1, 'x');
  EXPECT_EQ(CheckRecord(r, &field), RecordError::kTooLong);
  EXPECT_EQ(field, "operation");

  r = NurseRead();
  r.actor_id.clear();
  EXPECT_EQ(CheckRecord(r), RecordError::kEmptyActor);
  r = NurseRead();
  r.patient_id = -3;
  EXPECT_EQ(CheckRecord(r), RecordError::kBadPatient);
  r = NurseRead();
  r.time_ms = -1;
  EXPECT_EQ(CheckRecord(r), RecordError::kBadTime);
  r = NurseRead();
  r.event = static_cast<Event>(0);
  EXPECT_EQ(CheckRecord(r), RecordError::kBadEnum);
  r.event = static_cast<Event>(kMaxEvent + 1);
  EXPECT_EQ(CheckRecord(r), RecordError::kBadEnum);
}

TEST(AuditRecordCheck, ClampTextKeepsHostileInputAsValidBoundedText) {
  const std::string hostile = std::string("ab\xFF\xC3(\xE2\x82", 7) + "é";
  const std::string clamped = ClampText(hostile, 64);
  EXPECT_EQ(clamped,
            "ab\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD"
            "é");
  AuditRecord r = NurseRead();
  r.client = ClampText(hostile, kMaxClientBytes);
  EXPECT_EQ(CheckRecord(r), RecordError::kOk);
  // Cut on a character boundary: "é" is two bytes and does not fit in the last one.
  EXPECT_EQ(ClampText("abé", 3), "ab");
  EXPECT_EQ(ClampText(std::string(5000, 'x'), kMaxReasonBytes).size(), kMaxReasonBytes);
}

TEST(AuditRecordCheck, ClampTextOfAnyBytesIsAcceptedInARecord) {
  uint32_t x = 12345;
  auto next = [&] {
    x = x * 1103515245u + 12345u;
    return static_cast<uint8_t>(x >> 24);
  };
  for (int round = 0; round < 2000; ++round) {
    std::string junk(static_cast<size_t>(next()) * 4, '\0');
    for (char& c : junk) c = static_cast<char>(next());
    AuditRecord r = NurseRead();
    r.client = ClampText(junk, kMaxClientBytes);
    r.source_address = ClampText(junk, kMaxAddressBytes);
    ASSERT_EQ(CheckRecord(r), RecordError::kOk) << "round " << round;
    uint64_t seq = 0;
    AuditRecord back;
    ASSERT_EQ(ParseCanonical(Canonical(9, r), &seq, &back), RecordError::kOk);
    EXPECT_EQ(back, r);
  }
}

// testdata/audit/record-*.bin are canonical records as the code writes them: test vectors
// for another implementation of the format, and the seeds of cloud_audit_record_fuzz.
// With VIGIL_WRITE_TESTDATA=1 the test writes them instead of comparing.
TEST(AuditCanonical, RecordVectorsAreWrittenByTheCode) {
  const std::pair<std::string, AuditRecord> vectors[] = {
      {"record-read.bin", testing::NurseRead()},
      {"record-search.bin", testing::DoctorSearch()},
      {"record-login-failed.bin", testing::FailedLogin()},
      {"record-break-glass.bin", testing::BreakGlass()},
      {"record-export.bin", testing::ServiceExport()},
      {"record-alert.bin", testing::Alert()},
  };
  const char* write = std::getenv("VIGIL_WRITE_TESTDATA");
  uint64_t seq = 1;
  for (const auto& [name, r] : vectors) {
    const std::string path = std::string(VIGIL_SOURCE_DIR) + "/testdata/audit/" + name;
    const std::string bytes = Canonical(seq++, r);
    if (write != nullptr && std::string(write) == "1") {
      std::ofstream(path, std::ios::binary) << bytes;
      continue;
    }
    std::ifstream f(path, std::ios::binary);
    ASSERT_TRUE(f.good()) << path << " is missing (VIGIL_WRITE_TESTDATA=1 writes it)";
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_EQ(ss.str(), bytes) << name;
  }
}

}  // namespace
}  // namespace vigil::audit
