// The coordinator (CPAN) side of the protocol, sans-IO.
//
// Inputs: HandleFrame(bytes, link, now), HandleTimeout(now), and commands (SendData,
// SendBroadcast, Revoke). Outputs, drained by the driver: PollEvent, PollTransmit,
// NextDeadline. kPersist: write persisted() and every common-function move the
// directory staged to stable storage before sending any frame queued after it, then call
// Persisted() (or PersistFailed()). A driver may run several inputs before it drains
// (group commit: one write for a batch of grants); frames stay queued in order until
// it polls them.
//
// `link` is the driver's opaque token for where a frame came from (a UDP endpoint, a
// radio node): 0 when the transport cannot tell senders apart. Frames the core sends to a
// device carry the link of the request they answer as a hint; the driver also delivers
// them to the device's last authenticated link (see docs/protocol.md, "Reaching the real
// device over UDP"), so that the real device hears requests made in its name, as it
// would on a radio.
//
// Association attempt phases (one table, coordinator_core.cc):
//   ASSOC_REQ -> kWaitAnswer --valid answer--> grant            (v1, v2)
//                            --valid answer--> provisional grant (v3, on-anomaly)
//                            --other first answer--> kCollect    (v3, on-anomaly)
//                            --valid answer--> kConfirm          (policy always)
//   provisional grant: kWatch for answer_window; the device holds the session, but the
//     core keeps the old session, holds the new one's data and announces nothing; a
//     second distinct answer withdraws it (--> kConfirm, anomaly), silence confirms it.
//   kCollect --second distinct answer--> kConfirm (anomaly) --deadline--> verdict
//   kConfirm --valid confirmation, no anomaly--> grant --> kWatch (late duplicates)
// Verdicts on an anomaly are listed in Decide() and in docs/protocol.md.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "common/time.h"
#include "connection/crypto/provider.h"
#include "connection/device_directory.h"
#include "connection/events.h"
#include "connection/out_frame.h"
#include "connection/protocol_config.h"
#include "connection/replay_window.h"
#include "connection/ring_queue.h"
#include "connection/session_crypto.h"
#include "connection/wire/mac_frame.h"

namespace vigil {

struct CoordinatorIdentity {
  uint64_t uid = 0;
  std::array<uint8_t, kEd25519PrivateKeySize> sign_priv{};
  std::array<uint8_t, kEd25519PublicKeySize> sign_pub{};
};

// Kept across restarts: the broadcast key and a counter ceiling (RFC 8613 App. B.1.1), so
// that a restarted CPAN never reuses a broadcast counter (a CCM nonce) under Kb.
struct CoordinatorPersisted {
  uint8_t epoch = 0;
  std::array<uint8_t, 16> kb{};
  bool has_kb = false;
  uint32_t bcast_ceiling = 0;
};

struct SessionInfo {
  uint64_t uid = 0;
  uint16_t short_addr = 0;
  uint64_t link = 0;
  TimeUs since = 0;
  bool authenticated = false;
  uint32_t rx_frames = 0;
};

class CoordinatorCore {
 public:
  // REQUIRES: directory, crypto and random outlive the core. The core writes the
  // directory only to move a device's common function (hardened, docs/protocol.md 9.5).
  CoordinatorCore(const ProtocolConfig& config, const CoordinatorIdentity& identity,
                  DeviceDirectory& directory, CryptoProvider& crypto, RandomSource& random,
                  const CoordinatorPersisted& persisted = {});
  ~CoordinatorCore();
  CoordinatorCore(const CoordinatorCore&) = delete;
  CoordinatorCore& operator=(const CoordinatorCore&) = delete;

  void HandleFrame(ByteSpan frame, uint64_t link, TimeUs now);
  void HandleTimeout(TimeUs now);

  // Protected unicast to an associated device. Errors: kNotFound (no session),
  // kOversized, kCrypto.
  Error SendData(uint64_t uid, ByteSpan payload, TimeUs now);
  // Broadcast protected with the hidden key Kb (v2+; hardened also signs it).
  Error SendBroadcast(ByteSpan payload, TimeUs now);
  // Ends the device's session and rotates Kb (new epoch, KEY_UPDATE to every other
  // associated device), so that the revoked device's copy of Kb is worthless.
  Error Revoke(uint64_t uid, TimeUs now);
  // A new broadcast key and epoch, without ending any session (KEY_UPDATE to each
  // associated device). A daemon calls it at start, so that a restart never brings back
  // a key that a device revoked before the restart may know. Errors: kInvalidState (v1).
  Error RotateBroadcastKey(TimeUs now);

  bool PollTransmit(OutFrame* out);
  bool PollEvent(Event* out);
  TimeUs NextDeadline() const;

  uint64_t uid() const { return id_.uid; }
  const CoordinatorPersisted& persisted() const { return persisted_; }
  size_t session_count() const { return sessions_.size(); }
  bool HasSession(uint64_t uid) const { return sessions_.count(uid) != 0; }
  std::vector<SessionInfo> Sessions() const;
  bool IsBlocked(uint64_t link, TimeUs now) const;
  // True while `link` carries an authenticated session: the driver must keep its endpoint
  // (link ids are never reused), and the core never blocks it.
  bool IsSessionLink(uint64_t link) const { return session_links_.count(link) != 0; }
  // The driver could not write persisted() after a kPersist event: the frames queued since
  // are dropped, and until Persisted() nothing is sent that depends on the unwritten state
  // (grants carrying Kb, broadcasts, key updates) (fail closed).
  void PersistFailed(TimeUs now);
  // The driver wrote persisted(): what PersistFailed held back resumes.
  void Persisted(TimeUs now);
  bool persist_failed() const { return persist_failed_; }
  size_t open_challenges() const { return challenge_index_.size(); }
  // Input dropped without an event of its own (events are rate-limited per source).
  uint64_t silent_drops() const { return silent_drops_; }
  // Copies of requests and answers already handled (a device that did not hear the
  // answer in time): answered again or dropped, never an event (a ward powering up
  // retransmits a lot, and none of it is out of state).
  uint64_t retransmissions() const { return retransmissions_; }
  size_t max_broadcast_payload() const;

 private:
  enum class Phase : uint8_t { kWaitAnswer, kCollect, kConfirm, kWatch };
  struct Answer {
    std::array<uint8_t, 48> bytes{};  // the message as received: equal bytes = retransmission
    uint8_t size = 0;
    uint64_t link = 0;
    bool valid = false;
    bool unsolicited = false;
    bool prev_r3 = false;  // a confirmation that verified with the device's previous R3
  };
  struct Session {
    Session();  // out of line: Attempt holds one, inside this class
    SessionInfo info;
    SessionKeys keys;
    uint32_t tx_counter = 0;
    ReplayWindow rx;
    // The grant moved the common function and the device has not yet sent an
    // authenticated frame in this session: the directory still accepts its previous R3.
    bool r3_unproven = false;
    // Frames in this session's name from another source: dropped before any tag check
    // (a forger's flood must not cost a MAC per frame); reported once per second.
    TimeUs foreign_reported = -kSeconds;
  };
  // The transcript of the request a source's current one superseded (OnAuthResp: a late
  // copy of the answer to it is a retransmission, not a failure).
  struct Earlier {  // no member initializers: used inside this class (value-initialised)
    wire::Nonce nd;
    wire::Nonce nc;
    wire::Nonce ncf;  // with has_ncf: it reached the confirmation round
    bool set;
    bool has_ncf;
  };
  static Earlier EarlierOf(const Transcript& t, bool confirmed_round);
  struct Attempt {
    Transcript t;
    Earlier earlier{};  // of its initiator
    EnrolledDevice dev;
    Phase phase = Phase::kWaitAnswer;
    uint64_t initiator_link = 0;
    TimeUs started = 0;
    TimeUs deadline = 0;
    bool anomaly = false;
    bool granted = false;          // kWatch after a grant (else after a refusal)
    bool rolled = false;           // the grant moved the common function (9.5)
    std::vector<Answer> answers;   // distinct AUTH_RESPs
    std::vector<Answer> confirms;  // distinct CONFIRM_RESPs
    OutFrame last_sent;            // resent when a retransmitted request/answer arrives
    bool have_last = false;
    // Provisional grant (v3, on-anomaly): the session the device was given, and the data
    // it sent in it, held until the answer window closes without a second answer.
    bool provisional = false;
    Session pending;
    std::array<Event, 4> held{};  // a device cannot send more within answer_window
    uint8_t held_count = 0;
  };
  // An AUTH_REQ that no answer has validated yet: the cheap, bounded state an attacker
  // without a key can create (docs/protocol.md 9.2, "Open challenges"). Keyed by uid and
  // the link the request came from, so that forged requests for an enrolled uid never
  // replace the real device's own; kept in a ring, the oldest forgotten first. It becomes
  // an Attempt only when an answer verifies against its transcript.
  struct Challenge {
    Transcript t;
    Earlier earlier{};
    uint64_t link = 0;
    TimeUs started = 0;
    // The AUTH_REQ as sent (an MPDU of at most 48 bytes, MAC sequence number included): a
    // resend, and the attempt it becomes, reuse it instead of computing the proof again.
    std::array<uint8_t, 48> frame{};
    uint8_t frame_size = 0;
    bool live = false;
    bool has_first = false;     // the initiator's answer, which failed
    bool has_disowned = false;  // the real device's valid "I did not ask"
    Answer first;
    Answer disowned;
  };
  struct ChallengeKey {
    uint64_t uid = 0;
    uint64_t link = 0;
    bool operator==(const ChallengeKey&) const = default;
  };
  struct ChallengeKeyHash {
    size_t operator()(const ChallengeKey& k) const {
      return std::hash<uint64_t>()(k.uid * 0x9E3779B97F4A7C15ull ^ k.link);
    }
  };
  // Requests made in a device's name: the only challenges an unsolicited answer is checked
  // against are the newest one (a radio delivers every request to the device) and the last
  // two that were also delivered to the device itself (OutFrame::relay), at most one per
  // relay_interval per uid.
  struct Relay {
    struct Sent {
      uint64_t link = 0;
      wire::Nonce nc{};
    };
    double tokens = 1.0;
    TimeUs at = 0;
    std::array<Sent, 3> sent{};  // [0] the newest request; [1], [2] the last two relayed
    uint8_t next = 0;            // which of [1], [2] the next relay overwrites
  };
  struct Peer {
    std::deque<TimeUs> failures;
    TimeUs lockout_until = 0;
  };
  struct Bucket {
    double tokens = 0;
    TimeUs at = 0;
    TimeUs reported = -kSeconds;  // last kRateLimited event for this source
  };

  Challenge* FindChallenge(uint64_t uid, uint64_t link, TimeUs now);
  void PutChallenge(Challenge&& c);
  // Doubles the ring (up to `cap`), keeping the oldest challenge first.
  void GrowChallenges(size_t cap);
  void DropChallenge(Challenge& c);
  bool TakeRelay(Relay& r, TimeUs now);
  bool TakeGlobalToken(TimeUs now);
  // The AUTH_REQ challenge `c` was sent as, addressed to `link` (not queued).
  OutFrame ChallengeFrame(const Challenge& c, uint64_t link) const;
  // Builds the AUTH_REQ of transcript `t` (not queued).
  Error BuildAuthReq(const Transcript& t, const EnrolledDevice& dev, uint64_t link, uint8_t seq,
                     OutFrame* out);
  // Checks an AUTH_RESP against transcript `t`.
  bool AnswerVerifies(const Transcript& t, const EnrolledDevice& dev, const wire::Message& m);
  // Turns a challenge whose answer verified into an association attempt (the answers it
  // kept come along). Returns null if the device is no longer enrolled.
  Attempt* Promote(Challenge& c);
  // Runs an answer (already checked) through the attempt's phases (docs/protocol.md 9.2).
  void ProcessAnswer(Attempt& a, const Answer& ans, const wire::Message& m, uint64_t link,
                     TimeUs now);
  // A valid "I did not ask" after a grant: the session went to someone holding the keys.
  void WithdrawGrant(uint64_t uid, Attempt& a, uint64_t link, const wire::Message& m, TimeUs now);
  static Answer MakeAnswer(ByteSpan payload, uint64_t link, const wire::Message& m);
  void OnAssocReq(const wire::MacFrame& f, const wire::Message& m, uint64_t link, TimeUs now);
  void OnAuthResp(const wire::MacFrame& f, const wire::Message& m, uint64_t link, TimeUs now);
  void OnConfirmResp(const wire::MacFrame& f, const wire::Message& m, uint64_t link, TimeUs now);
  void OnData(const wire::MacFrame& f, const wire::Message& m, uint64_t link, TimeUs now);

  void SendConfirmReq(Attempt& a, TimeUs now);
  // `provisional`: the first valid answer of an on-anomaly attempt (see the table above).
  void Grant(Attempt& a, TimeUs now, bool provisional = false);
  void ConfirmProvisional(uint64_t uid, Attempt& a, TimeUs now);
  void WithdrawProvisional(Attempt& a);
  // Checks and opens one data frame of session `s`; on success marks its counter and
  // fills `ev`. Returns the event to report on failure (kDataReceived on success).
  EventKind OpenData(Session& s, const wire::Message& m, uint64_t uid, Event& ev, Error* why);
  // `of_attempt`: the refusal ends the uid's attempt in progress (kept for retransmissions);
  // false for a refusal of a request that never became an attempt, which must not touch
  // the attempt another source may have in progress.
  void Refuse(uint64_t uid, wire::AssocStatus status, uint64_t link, Error why, TimeUs now,
              bool of_attempt = true);
  void UnlinkSession(const Session& s);
  void Decide(uint64_t uid, Attempt& a, TimeUs now);
  // Ends the uid's attempt; `now` starts the window in which late copies from its
  // initiator are retransmissions (LateCopy).
  void EndAttempt(uint64_t uid, TimeUs now);
  // True for an answer from the initiator of the uid's attempt that ended less than
  // pending_timeout ago: a late copy of what the device sent in it.
  bool LateCopy(uint64_t uid, uint64_t link, TimeUs now) const;
  // The uid's attempt, new or emptied for reuse (answers' storage kept).
  Attempt& FreshAttempt(uint64_t uid);
  void PutSession(uint64_t uid, Session&& s);
  TimeUs WatchPeriod() const;
  void RecordFailure(uint64_t uid, TimeUs now);
  static constexpr size_t kMaxBuckets = 16384;
  void Block(uint64_t link, TimeUs now);
  // False when the source's bucket is empty; `*report` then says whether this drop is
  // the one per second that is reported as an event.
  bool TakeToken(uint64_t link, TimeUs now, bool* report = nullptr);
  void EndSession(uint64_t uid, Error why, TimeUs now);
  Error EnsureBroadcastKey(TimeUs now);
  Error SendKeyUpdate(uint64_t uid, Session& s, TimeUs now);
  Error SendKeyUpdates(TimeUs now);  // to every authenticated session

  Error QueuePayload(ByteSpan payload, uint64_t dst, uint64_t link, OutFrame* keep = nullptr);
  Event MakeEvent(EventKind k, Error e, uint64_t uid, uint64_t link, TimeUs now,
                  const wire::Message* m = nullptr) const;
  void Emit(EventKind k, Error e, uint64_t uid, uint64_t link, TimeUs now,
            const wire::Message* m = nullptr);
  ByteSpan AssocSecret(const EnrolledDevice& d) const;
  // The long-term keys of the devices that associated most recently, prepared in the
  // provider: every association tags with them five times, and a prepared key skips
  // HMAC's key set-up. The bytes are kept to notice a re-enrollment (new keys). Without
  // an entry the formulas fall back to one-shot HMAC over the directory's bytes.
  struct Prepared {
    std::array<uint8_t, kKdSize> kd{};
    std::array<uint8_t, 32> r1{};
    std::array<uint8_t, 32> r3{};
    KeyHandle assoc;   // AssocSecret(): Kd (hardened) or R1
    KeyHandle r3_key;  // hardened only
    uint64_t used = 0;
  };
  static constexpr size_t kPreparedDevices = 256;
  void Prepare(const EnrolledDevice& d);
  void Unprepare(uint64_t uid);
  MacKey AssocKey(const EnrolledDevice& d) const;
  MacKey KdKey(const EnrolledDevice& d) const;
  MacKey R3Key(const EnrolledDevice& d) const;
  bool RollsCommonFunction() const;
  // Moves the device's common function on after a confirmed grant (9.5). False if the
  // directory could not store it.
  bool RollCommonFunction(Attempt& a);
  // The device proved it holds the new R3: its previous one stops being accepted.
  void CommitCommonFunction(uint64_t uid, Session& s);

  ProtocolConfig config_;
  CoordinatorIdentity id_;
  DeviceDirectory& directory_;
  CryptoProvider& crypto_;
  RandomSource& random_;
  CoordinatorPersisted persisted_;
  SessionKeys bcast_keys_;
  uint32_t bcast_counter_ = 0;

  std::vector<Challenge> challenges_;  // ring of max_open_challenges
  size_t challenge_next_ = 0;
  std::unordered_map<ChallengeKey, uint32_t, ChallengeKeyHash> challenge_index_;
  std::unordered_map<uint64_t, Relay> relays_;  // enrolled uids only
  Bucket global_{};
  std::unordered_map<uint64_t, uint32_t> session_links_;  // link -> sessions on it
  // Nodes of the last entries erased from the two maps above, reused by the next inserts:
  // an association at a time (a device re-associating) then allocates nothing there.
  std::unordered_map<ChallengeKey, uint32_t, ChallengeKeyHash>::node_type spare_index_;
  std::unordered_map<uint64_t, uint32_t>::node_type spare_link_;
  bool persist_failed_ = false;
  uint64_t silent_drops_ = 0;
  uint64_t retransmissions_ = 0;
  struct Ended {
    uint64_t link = 0;  // the initiator
    TimeUs until = 0;
    Earlier request{};  // its transcript: a new request from the same source supersedes it
  };
  std::unordered_map<uint64_t, Ended> ended_;  // uid -> its last ended attempt
  TimeUs ended_sweep_ = 0;
  bool key_update_owed_ = false;  // a Kb rotation's KEY_UPDATEs may not have gone out
  std::unordered_map<uint64_t, Attempt> attempts_;
  size_t provisional_grants_ = 0;  // attempts with `provisional` set
  std::unordered_map<uint64_t, Session> sessions_;
  std::unordered_map<uint64_t, Peer> peers_;
  std::unordered_map<uint64_t, TimeUs> blocked_;
  // The storage of the last ended attempt and session (map node, answer lists), reused
  // by the next ones: an association then allocates nothing once the core is warm.
  std::unordered_map<uint64_t, Attempt>::node_type spare_attempt_;
  std::unordered_map<uint64_t, Session>::node_type spare_session_;
  std::unordered_map<uint64_t, Bucket> buckets_;      // this generation (TakeToken)
  std::unordered_map<uint64_t, Bucket> buckets_old_;  // the previous one
  std::unordered_map<uint64_t, Prepared> prepared_;   // at most kPreparedDevices
  uint64_t prepared_clock_ = 0;
  uint16_t next_short_ = 1;
  uint8_t mac_seq_ = 0;
  RingQueue<OutFrame> tx_;  // not std::deque: no allocation per few frames (ring_queue.h)
  RingQueue<Event> events_;
};

}  // namespace vigil
