#include "ids/detectors/identity_theft.h"

#include <gtest/gtest.h>

#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using namespace testing;  // NOLINT: test helpers

std::unique_ptr<Detector> Make(IdentityTheftConfig c = {}) {
  return std::make_unique<IdentityTheftDetector>(c, 1024);
}

Event Kind(EventKind k, TimeUs t, uint64_t uid = kPump, uint64_t link = kAttackerLink) {
  return Ev(k, t, uid, kWardA, link,
            k == EventKind::kConfirmationFailed ? Error::kBadTag : Error::kOk);
}

TEST(IdentityTheft, ConfirmationFailureRaisesHighSeverityAlert) {
  Harness h(Make());
  h.Feed(Kind(EventKind::kDuplicateAnswer, 0));
  h.Feed(Kind(EventKind::kConfirmationPassed, 40 * kMillis, kPump, kPumpLink));
  h.Feed(Kind(EventKind::kConfirmationFailed, 60 * kMillis));
  h.Tick(kSeconds * 60);  // the challenge was settled: no "unresolved" alert follows
  ASSERT_EQ(h.alerts.size(), 1u);
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.signature_id, sig::kConfirmationFailed.id);
  EXPECT_EQ(a.severity, 1);
  EXPECT_EQ(a.uid, kPump);
  EXPECT_EQ(a.link, kAttackerLink);
  EXPECT_EQ(a.time, 60 * kMillis);
  EXPECT_EQ(a.detector, "identity_theft");
  EXPECT_NE(a.detail.find("00124b0000aa0001"), std::string::npos) << a.detail;
}

TEST(IdentityTheft, RetransmissionDoesNotLookLikeIntruder) {
  // The core saw the genuine device's answer twice (a retransmission that differed at the
  // link layer) and ran the confirmation round, which the device passed.
  Harness h(Make());
  h.Feed(Kind(EventKind::kDuplicateAnswer, 0, kPump, kPumpLink));
  h.Feed(Kind(EventKind::kDuplicateAnswer, 2 * kMillis, kPump, kPumpLink));
  h.Feed(Kind(EventKind::kConfirmationPassed, 50 * kMillis, kPump, kPumpLink));
  h.Tick(kSeconds * 600);
  EXPECT_TRUE(h.alerts.empty());
}

TEST(IdentityTheft, UnresolvedDuplicateAnswerRaisesMediumAlertAtDeadline) {
  Harness h(Make());
  h.Feed(Kind(EventKind::kUnsolicitedAnswer, kSeconds));
  h.Tick(3 * kSeconds);
  EXPECT_TRUE(h.alerts.empty()) << "must wait for the confirmation round";
  h.Tick(60 * kSeconds);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kUnresolvedChallenge.id);
  EXPECT_EQ(h.alerts[0].severity, 2);
  EXPECT_EQ(h.alerts[0].time, 6 * kSeconds) << "stamped with the deadline, not the tick";
}

TEST(IdentityTheft, ExpiredChallengeIsSettledBeforeALaterEventWithoutTick) {
  Harness h(Make());
  h.Feed(Kind(EventKind::kDuplicateAnswer, 0));
  h.Feed(Kind(EventKind::kConfirmationPassed, 7 * kSeconds));  // too late to settle it
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kUnresolvedChallenge.id);
}

TEST(IdentityTheft, IdentityConflictRaisesClonedDeviceAlert) {
  Harness h(Make());
  h.Feed(Kind(EventKind::kIdentityConflict, kSeconds));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kIdentityConflict.id);
  EXPECT_EQ(h.alerts[0].severity, 1);
}

TEST(IdentityTheft, RepeatedFailuresRaiseOneAlertPerIncidentWindow) {
  Harness h(Make());
  for (int i = 0; i < 5; ++i) h.Feed(Kind(EventKind::kConfirmationFailed, i * kSeconds));
  EXPECT_EQ(h.alerts.size(), 1u);
  h.Feed(Kind(EventKind::kConfirmationFailed, 10 * kSeconds));  // window over: still going
  EXPECT_EQ(h.alerts.size(), 2u);
}

TEST(IdentityTheft, MoreSeriousVerdictEscalatesInsideWindow) {
  Harness h(Make());
  h.Feed(Kind(EventKind::kConfirmationFailed, 0));
  h.Feed(Kind(EventKind::kIdentityConflict, kSeconds));
  h.Feed(Kind(EventKind::kConfirmationFailed, 2 * kSeconds));  // less serious: suppressed
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].signature_id, sig::kIdentityConflict.id);
}

TEST(IdentityTheft, IncidentOnOneDeviceDoesNotSilenceAnother) {
  Harness h(Make());
  h.Feed(Kind(EventKind::kConfirmationFailed, 0, kPump));
  h.Feed(Kind(EventKind::kConfirmationFailed, kMillis, kMonitor));
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].uid, kMonitor);
}

}  // namespace
}  // namespace vigil::ids
