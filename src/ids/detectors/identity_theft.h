// Identity theft (protocol v3): a second party answering for, or proving, an identity.
//
// Evidence, weakest first:
//   kDuplicateAnswer / kUnsolicitedAnswer: two answers for one identity, or the genuine
//     device saying "I did not ask". Both also happen without an attacker (a late answer
//     after a retransmitted request, a device that rebooted mid-association), so they
//     only open a *challenge* that the confirmation round settles: kConfirmationPassed
//     with no failure closes it silently; no verdict within challenge_timeout raises
//     "unresolved" (severity 2).
//   kConfirmationFailed: someone answered the common-function confirmation wrongly or
//     not at all: the decisive impersonation verdict (severity 1).
//   kIdentityConflict: two parties both proved the identity: a fully cloned device while
//     the original is online (severity 1).
// One alert per device per incident window; a more serious signature for the same device
// inside the window is still raised (escalation), a less serious one is not.
#pragma once

#include <cstdint>
#include <set>
#include <utility>

#include "ids/bounded_table.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class IdentityTheftDetector final : public Detector {
 public:
  IdentityTheftDetector(const IdentityTheftConfig& config, size_t max_devices);

  std::string_view name() const override { return "identity_theft"; }
  void OnEvent(const Event& e, AlertOut& out) override;
  TimeUs NextDeadline() const override;
  void OnTime(TimeUs now, AlertOut& out) override;

 private:
  struct Device {
    bool challenge_open = false;
    TimeUs challenge_opened = 0;
    TimeUs challenge_deadline = 0;
    uint32_t challenge_answers = 0;  // duplicate/unsolicited answers merged into it
    uint64_t challenge_observer = 0;
    uint64_t challenge_link = 0;
    Holdoff holdoff;
    int last_rank = 0;
  };

  void OpenChallenge(const Event& e);
  void CloseChallenge(uint64_t uid, Device& d);
  void Report(const Event& e, Device& d, int rank, AlertOut& out);

  IdentityTheftConfig config_;
  BoundedTable<uint64_t, Device> devices_;
  std::set<std::pair<TimeUs, uint64_t>> deadlines_;  // open challenges: (deadline, uid)
};

}  // namespace vigil::ids
