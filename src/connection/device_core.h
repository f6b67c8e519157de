// The device side of the protocol, sans-IO.
//
// Inputs: HandleFrame(bytes, now), HandleTimeout(now), and the commands StartAssociation,
// SendData. Outputs, to be drained by the driver after every input, in this order:
// PollEvent (a kPersist event must be written to stable storage before the frames that
// follow it are sent), PollTransmit, then NextDeadline.
//
// Embeddable: no exceptions, no RTTI, no heap (fixed queues; keys live in the crypto
// provider's slots). Memory: sizeof(DeviceCore) is the RAM of one device's protocol state
// (see docs/protocol.md, "Device footprint").
//
// States (one table, device_core.cc):
//   kIdle --StartAssociation--> kWaitAuthReq --AUTH_REQ ok--> kWaitAssocResp
//   kWaitAssocResp --CONFIRM_REQ--> (answer, stay) --ASSOC_RESP ok--> kAssociated
//   kAssociated --CONFIRM_REQ for this session, on-anomaly policy, within answer_window +
//     confirm_timeout--> kWaitAssocResp (the coordinator withdrew a provisional grant)
//   any waiting state --retries exhausted / refusal--> kIdle (kAssociationFailed)
// In v3-paper and hardened the device also answers authentication requests it did not
// ask for, in any state, flagged "unsolicited" (hardened: rate-limited and only after the
// request's CPAN proof verifies).
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"
#include "common/time.h"
#include "connection/crypto/provider.h"
#include "connection/events.h"
#include "connection/keys.h"
#include "connection/out_frame.h"
#include "connection/protocol_config.h"
#include "connection/replay_window.h"
#include "connection/session_crypto.h"

namespace vigil {

// What a device must keep across reboots (RFC 8613 App. B spirit): the broadcast replay
// state, so that a replayed old broadcast is refused after a restart; and (hardened) its
// current common function R3, which moves on at every confirmed association
// (docs/protocol.md 9.5). R3 is a secret: it belongs in the sealed store.
struct DevicePersisted {
  uint8_t bcast_epoch = 0;
  uint32_t bcast_rx_high = 0;
  bool has_r3 = false;  // false: R3 of Algorithm 1, computed from the secrets
  uint32_t r3_generation = 0;
  std::array<uint8_t, 32> r3{};
};

class DeviceCore {
 public:
  enum class State : uint8_t { kIdle, kWaitAuthReq, kWaitAssocResp, kAssociated };

  // REQUIRES: crypto and random outlive the core. Secrets are copied; R1 and R3 are
  // computed once here (the only time Secretkey2 is used), unless `persisted` carries a
  // moved-on R3.
  DeviceCore(const ProtocolConfig& config, const DeviceSecrets& secrets, CryptoProvider& crypto,
             RandomSource& random, const DevicePersisted& persisted = {});
  ~DeviceCore();
  DeviceCore(const DeviceCore&) = delete;
  DeviceCore& operator=(const DeviceCore&) = delete;

  // Starts (or restarts) association. Drops any current session.
  Error StartAssociation(TimeUs now);
  // Queues one protected unicast data frame to the CPAN.
  // Errors: kInvalidState (not associated), kOversized (payload too long), kNoBufs.
  Error SendData(ByteSpan payload, TimeUs now);
  // A received MPDU (MHR..FCS). Frames not addressed to this device are ignored silently
  // (on a radio every node hears every frame); remote misbehaviour becomes events.
  void HandleFrame(ByteSpan frame, TimeUs now);
  void HandleTimeout(TimeUs now);

  bool PollTransmit(OutFrame* out) { return tx_.Pop(out); }
  bool PollEvent(Event* out) { return events_.Pop(out); }
  TimeUs NextDeadline() const { return deadline_; }

  State state() const { return state_; }
  uint64_t uid() const { return secrets_.uid; }
  uint16_t short_addr() const { return short_addr_; }
  uint8_t bcast_epoch() const { return persisted_.bcast_epoch; }
  const DevicePersisted& persisted() const { return persisted_; }
  // Largest data payload that fits one frame with the configured protection.
  size_t max_payload() const;
  uint32_t unsolicited_answers() const { return unsolicited_answers_; }

 private:
  struct Foreign {  // an authentication request this device did not ask for
    Transcript t;
    bool valid = false;
    TimeUs until = 0;  // forgotten after the CPAN's pending timeout: it answers nothing later
    bool Live(TimeUs now) const { return valid && now < until; }
  };

  void OnAuthReq(const wire::Message& m, TimeUs now);
  void OnConfirmReq(const wire::Message& m, TimeUs now);
  void OnAssocResp(const wire::Message& m, TimeUs now);
  void OnData(const wire::Message& m, TimeUs now);
  void OnKeyUpdate(const wire::Message& m, TimeUs now);
  void OnBroadcast(const wire::Message& m, TimeUs now);

  Error SendAuthResp(const Transcript& t, uint8_t flags);
  Error SendConfirmResp(const Transcript& t, uint8_t flags);
  // Wraps a protocol payload in a MAC frame and queues it; remembers it for
  // retransmission when `remember` is set.
  Error Queue(ByteSpan payload, uint64_t dst, bool remember);
  // Queues last_ again, under a fresh MAC sequence number.
  void Resend();
  Event MakeEvent(EventKind k, Error e, TimeUs now, const wire::Message* m) const;
  void Emit(EventKind k, Error e, TimeUs now, const wire::Message* m = nullptr);
  void Fail(Error why, TimeUs now);
  // `keep_broadcast`: set the broadcast keys aside (unusable) instead of releasing them,
  // so that a re-association that brings the same Kb back does not derive them again.
  // `rekey`: keep the session's key handles (unusable: the session is over) for the next
  // attempt's keys, which re-key them in place instead of wiping them and keying others;
  // an attempt that fails releases them.
  void DropSession(bool keep_broadcast = false, bool rekey = false);
  bool TakeUnsolicitedToken(TimeUs now);
  // Associated, but within the time the coordinator may still withdraw the grant.
  bool Provisional(TimeUs now) const;
  // The coordinator withdrew a provisional grant: back to waiting for its verdict
  // (kDisassociated).
  void Unassociate(TimeUs now);
  ByteSpan AssocSecret() const;
  MacKey AssocKey() const;  // AssocSecret(), with its prepared handle
  MacKey KdKey() const;
  bool InstallKeyBlock(ByteSpan block, TimeUs now);
  // Hardened: moves R3 on after a confirmed grant (9.5) and asks for it to be persisted.
  bool RollCommonFunction(TimeUs now);
  // Protects and queues one DATA frame (flags beyond encryption: kDataFlagKeyConfirm).
  Error QueueData(ByteSpan payload, uint8_t extra_flags);

  ProtocolConfig config_;
  DeviceSecrets secrets_;
  CryptoProvider& crypto_;
  RandomSource& random_;
  std::array<uint8_t, kSha256Size> r1_{};
  std::array<uint8_t, kSha256Size> r3_{};
  KeyHandle assoc_key_;  // AssocSecret(), prepared
  KeyHandle r3_key_;     // R3, prepared (hardened)

  State state_ = State::kIdle;
  Transcript t_;
  SessionKeys keys_;
  SessionKeys bcast_keys_;
  std::array<uint8_t, wire::kKbSize> bcast_kb_{};  // the Kb bcast_keys_ derive from
  bool bcast_set_aside_ = false;  // bcast_keys_ kept through a re-association, not in use
  uint16_t short_addr_ = 0;
  uint32_t tx_counter_ = 0;
  ReplayWindow rx_window_;
  ReplayWindow bcast_window_;
  DevicePersisted persisted_;
  bool authenticated_session_ = false;
  TimeUs provisional_until_ = 0;

  // The attempt this device last abandoned (retries exhausted, refused, or restarted):
  // the coordinator may still answer it for a while. Such late requests are this
  // device's own, not someone else's, and must not be answered as unsolicited nor
  // reported as a rogue coordinator (on a busy channel they are common).
  void Abandon(TimeUs now);
  bool IsStale(const wire::Nonce& nd, TimeUs now) const;
  Transcript stale_;
  bool stale_valid_ = false;
  bool stale_has_nc_ = false;
  TimeUs stale_until_ = 0;

  Foreign foreign_[2];
  uint8_t foreign_next_ = 0;
  uint32_t unsolicited_tokens_ = 0;
  TimeUs unsolicited_refill_at_ = 0;
  uint32_t unsolicited_answers_ = 0;

  OutFrame last_;  // last handshake frame, resent on timeout
  bool have_last_ = false;
  bool confirmed_ = false;  // our CONFIRM_RESP is in last_
  uint8_t retries_ = 0;
  TimeUs deadline_ = kNever;
  uint8_t mac_seq_ = 0;

  FixedQueue<OutFrame, 4> tx_;
  FixedQueue<Event, 8> events_;
};

const char* DeviceStateName(DeviceCore::State s);

}  // namespace vigil
