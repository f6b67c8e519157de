// Late copies are not evidence (docs/protocol.md, section 10): when a coordinator is slow
// or the medium busy (a ward powering up), devices retransmit, give up and ask again, and
// copies of what they sent arrive after the exchange they belong to has moved on. None of
// that may cost an honest device a block, a failed answer or an out-of-state event; the
// same bytes from anyone else still are one.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "connection/loopback_pan.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil {
namespace {

using wire::MsgType;
using wire::Version;

size_t Count(const std::vector<Event>& evs, EventKind k, uint64_t link = 0) {
  return static_cast<size_t>(std::count_if(evs.begin(), evs.end(), [&](const Event& e) {
    return e.kind == k && (link == 0 || e.link == link);
  }));
}

std::optional<MsgType> TypeOf(const OutFrame& f) {
  Result<wire::MacFrame> mf = wire::DecodeMacFrame(f.span());
  if (!mf.ok()) return std::nullopt;
  Result<wire::Message> m = wire::Decode(mf->payload, {});
  if (!m.ok()) return std::nullopt;
  return m->type;
}

struct Captured {
  std::vector<uint8_t> bytes;
  ByteSpan span() const { return ByteSpan(bytes.data(), bytes.size()); }
};

Captured Copy(const OutFrame& f) {
  return Captured{std::vector<uint8_t>(f.span().begin(), f.span().end())};
}

// Before: a device that gave up on its first request (the answer to it was slow) and asked
// again had its late answer to the first request checked against the second one's
// challenge: a failed answer on its own endpoint, which was then blocked for 600 s.
TEST(LateCopy, AnswerToASupersededRequestNeverBlocksTheDevice) {
  LoopbackPan pan(ProtocolConfig{}, 61);
  const size_t d = pan.AddDevice();
  const uint64_t link = pan.node(d).link;
  std::vector<Captured> first_answers;
  bool hold_answers = true;  // the device's answers to its first request are late
  pan.drop = [&](const OutFrame& f, size_t from, size_t to) {
    if (from != d || to != LoopbackPan::kCpan || TypeOf(f) != MsgType::kAuthResp) return false;
    if (!hold_answers) return false;
    first_answers.push_back(Copy(f));
    return true;
  };
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);  // the device retransmits its answer, then gives up
  ASSERT_EQ(Count(pan.node(d).events, EventKind::kAssociationFailed), 1u);
  ASSERT_FALSE(first_answers.empty());
  // It asks again; its first answer arrives now, behind its new request.
  hold_answers = false;
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(300);  // the new request reached the coordinator
  for (const Captured& c : first_answers) pan.Inject(c.span(), d);
  pan.RunFor(kSeconds);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_FALSE(pan.coordinator().IsBlocked(link, pan.now()));
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kAuthFailed), 0u);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kDuplicateAnswer), 0u);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kBlockedSource), 0u);
  EXPECT_GE(pan.coordinator().retransmissions(), first_answers.size());
}

// The same, when the first answer did arrive and the device gave up waiting for the
// confirmation request instead: its late copies then meet the attempt of its second
// request, which they must neither fail nor make anomalous. The device asks again at once
// (its first attempt still runs at the coordinator), or a second later (it has ended).
class LateCopyAfterGivingUp : public ::testing::TestWithParam<TimeUs> {};
INSTANTIATE_TEST_SUITE_P(Gap, LateCopyAfterGivingUp, ::testing::Values(0, kSeconds),
                         [](const auto& p) { return p.param == 0 ? "at_once" : "a_second_later"; });

TEST_P(LateCopyAfterGivingUp, AnswerToAReplacedAttemptIsNotASecondAnswer) {
  LoopbackPan pan(ProtocolConfig{}, 62);
  const size_t d = pan.AddDevice();
  const uint64_t link = pan.node(d).link;
  std::optional<Captured> first_answer;
  bool lose_confirm_requests = true;
  pan.tap = [&](const OutFrame& f, size_t from) {
    if (from == d && !first_answer && TypeOf(f) == MsgType::kAuthResp) first_answer = Copy(f);
  };
  pan.drop = [&](const OutFrame& f, size_t from, size_t to) {
    return lose_confirm_requests && from == LoopbackPan::kCpan && to == d &&
           TypeOf(f) == MsgType::kConfirmReq;
  };
  pan.node(d).core->StartAssociation(pan.now());
  for (int i = 0; i < 1000 && Count(pan.node(d).events, EventKind::kAssociationFailed) == 0; ++i)
    pan.RunFor(kMillis);
  ASSERT_EQ(Count(pan.node(d).events, EventKind::kAssociationFailed), 1u);
  ASSERT_TRUE(first_answer.has_value());
  if (GetParam() > 0) pan.RunFor(GetParam());
  lose_confirm_requests = false;
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(700);  // the second answer verified: the attempt of the second request runs
  for (int i = 0; i < 3; ++i) pan.Inject(first_answer->span(), d);
  pan.RunFor(kSeconds);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_FALSE(pan.coordinator().IsBlocked(link, pan.now()));
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kAuthFailed), 0u);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kDuplicateAnswer), 0u);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), 0u);
}

// Before: every copy of a device's answers that arrived after its exchange had ended was
// an out-of-state message, and a ward powering up produced enough of them for a "burst of
// out-of-state messages" alert.
TEST(LateCopy, RetriesOfAnEndedExchangeAreNotOutOfStateButTheSameBytesFromElsewhereAre) {
  LoopbackPan pan(ProtocolConfig{}, 63);
  const size_t d = pan.AddDevice();
  const size_t other = pan.AddNode(DeviceSecrets{});
  std::vector<Captured> sent;
  pan.tap = [&](const OutFrame& f, size_t from) {
    const auto t = TypeOf(f);
    if (from == d && (t == MsgType::kAuthResp || t == MsgType::kConfirmResp))
      sent.push_back(Copy(f));
  };
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);  // associated, and the attempt's watch period is over
  pan.tap = nullptr;
  ASSERT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  ASSERT_EQ(sent.size(), 2u);
  const size_t before = Count(pan.coordinator_events(), EventKind::kUnexpectedMessage);
  for (const Captured& c : sent) pan.Inject(c.span(), d);
  pan.RunFor(10 * kMillis);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kUnexpectedMessage), before);
  EXPECT_EQ(pan.coordinator().retransmissions(), sent.size());
  for (const Captured& c : sent) pan.Inject(c.span(), other);  // a replay from elsewhere
  pan.RunFor(10 * kMillis);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kUnexpectedMessage, pan.node(other).link),
            sent.size());
  // Long after the exchange, a copy from the device itself is out of state again.
  pan.RunFor(ProtocolConfig{}.pending_timeout + kSeconds);
  pan.Inject(sent.back().span(), d);
  pan.RunFor(10 * kMillis);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kUnexpectedMessage, pan.node(d).link), 1u);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
}

// Before: every retransmitted request was a new association attempt to the IDS, so a ward
// powering up (each device resending its request a few times) looked like a flood.
TEST(LateCopy, RetransmittedRequestIsAnsweredAgainButIsNotANewAttempt) {
  LoopbackPan pan(ProtocolConfig{}, 64);
  const size_t d = pan.AddDevice();
  std::optional<Captured> request;
  pan.tap = [&](const OutFrame& f, size_t from) {
    if (from == d && !request && TypeOf(f) == MsgType::kAssocReq) request = Copy(f);
  };
  pan.drop = [&](const OutFrame&, size_t from, size_t to) {
    return from == LoopbackPan::kCpan && to == d;  // the device hears nothing: it resends
  };
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(150 * kMillis);
  ASSERT_TRUE(request.has_value());
  pan.Inject(request->span(), d);
  pan.RunFor(10 * kMillis);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kAssociationAttempt), 1u);
  EXPECT_GE(pan.coordinator().retransmissions(), 2u);
}

}  // namespace
}  // namespace vigil
