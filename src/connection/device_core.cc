#include "connection/device_core.h"

#include <cstring>

#include "connection/wire/mac_frame.h"

namespace vigil {

using wire::AssocStatus;
using wire::Direction;
using wire::Message;
using wire::MsgType;
using wire::Version;

const char* DeviceStateName(DeviceCore::State s) {
  switch (s) {
    case DeviceCore::State::kIdle:
      return "idle";
    case DeviceCore::State::kWaitAuthReq:
      return "wait_auth_req";
    case DeviceCore::State::kWaitAssocResp:
      return "wait_assoc_resp";
    case DeviceCore::State::kAssociated:
      return "associated";
  }
  return "?";
}

DeviceCore::DeviceCore(const ProtocolConfig& config, const DeviceSecrets& secrets,
                       CryptoProvider& crypto, RandomSource& random,
                       const DevicePersisted& persisted)
    : config_(config), secrets_(secrets), crypto_(crypto), random_(random), persisted_(persisted) {
  CommonFunctionR1(crypto_, secrets_.username.span(), secrets_.password.span(), r1_);
  if (persisted_.has_r3) {
    r3_ = persisted_.r3;
  } else {
    CommonFunctionR3(crypto_, secrets_, r3_);
  }
  // Prepared once: every association tags with them five times, and a prepared key
  // skips HMAC's key set-up. A failed import leaves the handle invalid: the formulas then
  // use the bytes.
  crypto_.MacImport(AssocSecret(), &assoc_key_);
  if (config_.version == Version::kHardened) crypto_.MacImport(r3_, &r3_key_);
  unsolicited_tokens_ = config_.unsolicited_answers_per_minute;
}

DeviceCore::~DeviceCore() {
  DropSession();
  crypto_.Release(&assoc_key_);
  crypto_.Release(&r3_key_);
  SecureZero(r1_.data(), r1_.size());
  SecureZero(r3_.data(), r3_.size());
  SecureZero(&secrets_, sizeof(secrets_));
  SecureZero(persisted_.r3.data(), persisted_.r3.size());
}

ByteSpan DeviceCore::AssocSecret() const {
  // Paper versions key the handshake with the credential key Kc = R1; hardened with Kd.
  if (config_.version == Version::kHardened) return secrets_.kd;
  return r1_;
}

MacKey DeviceCore::AssocKey() const { return MacKey(AssocSecret(), assoc_key_); }

MacKey DeviceCore::KdKey() const {
  if (config_.version == Version::kHardened) return AssocKey();
  return MacKey(secrets_.kd);
}

size_t DeviceCore::max_payload() const {
  const size_t overhead = 1 + 1 + wire::kCounterSize + config_.wire.data_tag_size;
  return wire::kMaxUnicastPayload - overhead;
}

void DeviceCore::DropSession(bool keep_broadcast, bool rekey) {
  if (!rekey) keys_.Release(crypto_);
  if (keep_broadcast && bcast_keys_.valid()) {
    bcast_set_aside_ = true;
  } else {
    bcast_keys_.Release(crypto_);
    SecureZero(bcast_kb_.data(), bcast_kb_.size());
    bcast_set_aside_ = false;
  }
  authenticated_session_ = false;
  short_addr_ = 0;
  tx_counter_ = 0;
  rx_window_ = ReplayWindow();
}

Event DeviceCore::MakeEvent(EventKind k, Error e, TimeUs now, const Message* m) const {
  Event ev;
  ev.kind = k;
  ev.error = e;
  ev.time = now;
  ev.uid = secrets_.uid;
  ev.observer = secrets_.uid;
  if (m != nullptr) {
    ev.version = static_cast<uint8_t>(m->version);
    ev.msg_type = static_cast<uint8_t>(m->type);
    ev.counter = m->counter;
  }
  ev.short_addr = short_addr_;
  return ev;
}

void DeviceCore::Emit(EventKind k, Error e, TimeUs now, const Message* m) {
  events_.Push(MakeEvent(k, e, now, m));  // a full queue drops the newest event
}

void DeviceCore::Abandon(TimeUs now) {
  if (state_ != State::kWaitAuthReq && state_ != State::kWaitAssocResp) return;
  stale_ = t_;
  stale_valid_ = true;
  stale_has_nc_ = state_ == State::kWaitAssocResp;
  stale_until_ = now + config_.pending_timeout;
}

bool DeviceCore::IsStale(const wire::Nonce& nd, TimeUs now) const {
  return stale_valid_ && now < stale_until_ && nd == stale_.nd;
}

void DeviceCore::Fail(Error why, TimeUs now) {
  Abandon(now);
  have_last_ = false;
  deadline_ = kNever;
  state_ = State::kIdle;
  DropSession();
  Emit(EventKind::kAssociationFailed, why, now);
}

Error DeviceCore::Queue(ByteSpan payload, uint64_t dst, bool remember) {
  OutFrame f;
  if (Error e = BuildOutFrame(config_.pan_id, mac_seq_++, secrets_.uid, dst, payload, &f);
      e != Error::kOk)
    return e;
  if (remember) {
    last_ = f;
    have_last_ = true;
  }
  return tx_.Push(f) ? Error::kOk : Error::kNoBufs;
}

Error DeviceCore::StartAssociation(TimeUs now) {
  DropSession(/*keep_broadcast=*/true, /*rekey=*/true);
  t_ = Transcript{};
  t_.version = config_.version;
  t_.device_uid = secrets_.uid;
  t_.cpan_uid = secrets_.cpan_uid;
  Error e = random_.Fill(t_.nd);
  if (e != Error::kOk) return e;
  Message m;
  m.version = config_.version;
  m.type = MsgType::kAssocReq;
  m.flags = config_.authenticate ? wire::kAssocFlagAuthenticate : 0;
  m.nd = t_.nd;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(m, config_.wire, buf);
  if (!n.ok()) return n.error();
  retries_ = 0;
  state_ = State::kWaitAuthReq;
  deadline_ = now + config_.retransmit_timeout;
  return Queue(ByteSpan(buf.data(), *n), secrets_.cpan_uid, true);
}

Error DeviceCore::SendData(ByteSpan payload, TimeUs now) {
  (void)now;
  if (state_ != State::kAssociated) return Error::kInvalidState;
  if (payload.size() > max_payload()) return Error::kOversized;
  if (tx_counter_ == UINT32_MAX) return Error::kInvalidState;  // re-associate for new keys
  return QueueData(payload, 0);
}

Error DeviceCore::QueueData(ByteSpan payload, uint8_t extra_flags) {
  Message m;
  m.version = config_.version;
  m.type = MsgType::kData;
  m.counter = ++tx_counter_;
  m.body = payload;
  const bool encrypt = authenticated_session_ && config_.encrypt_data;
  m.flags = !authenticated_session_ ? wire::kDataFlagPlain
                                    : (encrypt ? wire::kDataFlagEncrypted : uint8_t{0});
  m.flags |= extra_flags;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(m, config_.wire, buf);
  if (!n.ok()) return n.error();
  if (authenticated_session_) {
    const size_t tag = config_.wire.data_tag_size;
    const size_t body_off = *n - tag - payload.size();
    FrameAddress a{Direction::kDeviceToCpan, secrets_.uid, secrets_.cpan_uid};
    Error e = ProtectMessage(crypto_, keys_, config_.version, a, m.counter, encrypt,
                             MutableByteSpan(buf.data(), *n), body_off, payload.size(), tag);
    if (e != Error::kOk) return e;
  }
  return Queue(ByteSpan(buf.data(), *n), secrets_.cpan_uid, false);
}

void DeviceCore::HandleFrame(ByteSpan frame, TimeUs now) {
  Result<wire::MacFrame> mf = wire::DecodeMacFrame(frame);
  if (!mf.ok()) return;  // noise or another network's frame: the radio drops it
  if (mf->pan_id != config_.pan_id) return;
  if (mf->dst != secrets_.uid && mf->dst != wire::kBroadcastUid) return;  // overheard
  if (mf->src != secrets_.cpan_uid) return;  // peers talk only to their CPAN
  Result<Message> m = wire::Decode(mf->payload, config_.wire);
  if (!m.ok()) {
    Emit(EventKind::kMalformedFrame, m.error(), now);
    return;
  }
  if (m->version != config_.version) {
    Emit(EventKind::kUnexpectedMessage, Error::kUnknownVersion, now, &*m);
    return;
  }
  switch (m->type) {
    case MsgType::kAuthReq:
      OnAuthReq(*m, now);
      break;
    case MsgType::kConfirmReq:
      OnConfirmReq(*m, now);
      break;
    case MsgType::kAssocResp:
      OnAssocResp(*m, now);
      break;
    case MsgType::kData:
      OnData(*m, now);
      break;
    case MsgType::kKeyUpdate:
      OnKeyUpdate(*m, now);
      break;
    case MsgType::kBroadcast:
      OnBroadcast(*m, now);
      break;
    default:
      Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, now, &*m);
      break;
  }
}

void DeviceCore::HandleTimeout(TimeUs now) {
  if (now < deadline_) return;
  deadline_ = kNever;
  if (state_ != State::kWaitAuthReq && state_ != State::kWaitAssocResp) return;
  if (!have_last_ || retries_ >= config_.max_retransmits) {
    Fail(Error::kUnexpected, now);
    return;
  }
  ++retries_;
  // The same message again: a retransmission is recognisable as such by the CPAN (it
  // compares the messages) and never looks like a second party.
  Resend();
  deadline_ = now + config_.retransmit_timeout;
}

void DeviceCore::Resend() {
  // A fresh MAC sequence number: an 802.15.4 MAC discards a frame whose source and
  // sequence number repeat the previous one (a retransmission after a lost ACK), so the
  // same frame resent here would never reach the CPAN's core when only its answer was
  // lost. The message itself is unchanged.
  if (last_.size >= wire::kMhrUnicast + wire::kFcsSize) {
    last_.bytes[2] = mac_seq_++;
    const size_t body = last_.size - wire::kFcsSize;
    const uint16_t fcs = wire::Crc16Itu(ByteSpan(last_.bytes.data(), body));
    last_.bytes[body] = static_cast<uint8_t>(fcs);
    last_.bytes[body + 1] = static_cast<uint8_t>(fcs >> 8);
  }
  tx_.Push(last_);
}

bool DeviceCore::TakeUnsolicitedToken(TimeUs now) {
  if (config_.unsolicited_answers_per_minute == 0) return false;
  const TimeUs period = 60 * kSeconds / config_.unsolicited_answers_per_minute;
  if (unsolicited_refill_at_ == 0) unsolicited_refill_at_ = now;
  while (now - unsolicited_refill_at_ >= period &&
         unsolicited_tokens_ < config_.unsolicited_answers_per_minute) {
    ++unsolicited_tokens_;
    unsolicited_refill_at_ += period;
  }
  if (unsolicited_tokens_ >= config_.unsolicited_answers_per_minute) unsolicited_refill_at_ = now;
  if (unsolicited_tokens_ == 0) return false;
  --unsolicited_tokens_;
  return true;
}

Error DeviceCore::SendAuthResp(const Transcript& t, uint8_t flags) {
  Message r;
  r.version = config_.version;
  r.type = MsgType::kAuthResp;
  r.flags = flags;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(r, config_.wire, buf);
  if (!n.ok()) return n.error();
  const size_t tag = wire::TagSize(r.version, r.type, config_.wire);
  Error e = DeviceAnswer(crypto_, AssocKey(), t, ByteSpan(buf.data(), *n - tag),
                         MutableByteSpan(buf.data() + *n - tag, tag));
  if (e != Error::kOk) return e;
  return Queue(ByteSpan(buf.data(), *n), secrets_.cpan_uid, flags == 0);
}

Error DeviceCore::SendConfirmResp(const Transcript& t, uint8_t flags) {
  Message r;
  r.version = config_.version;
  r.type = MsgType::kConfirmResp;
  r.flags = flags;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(r, config_.wire, buf);
  if (!n.ok()) return n.error();
  const size_t tag = wire::TagSize(r.version, r.type, config_.wire);
  Error e = ConfirmAnswer(crypto_, MacKey(r3_, r3_key_), t, ByteSpan(buf.data(), *n - tag),
                          MutableByteSpan(buf.data() + *n - tag, tag));
  if (e != Error::kOk) return e;
  // Our own confirmation is the handshake's latest word: resent on timeout like the rest.
  return Queue(ByteSpan(buf.data(), *n), secrets_.cpan_uid, flags == 0);
}

void DeviceCore::OnAuthReq(const Message& m, TimeUs now) {
  Transcript t;
  t.version = config_.version;
  t.device_uid = secrets_.uid;
  t.cpan_uid = secrets_.cpan_uid;
  t.nd = (m.version == Version::kV3Paper || m.version == Version::kHardened) ? m.nd : t_.nd;
  t.nc = m.nc;

  auto proof_ok = [&]() {
    if (m.version == Version::kV1) return true;  // v1: no CPAN authentication
    std::array<uint8_t, wire::kCpanProofSize> expect{};
    if (CpanProof(crypto_, AssocKey(), t, m.prefix, expect) != Error::kOk) return false;
    return ConstantTimeEqual(expect, m.tag);
  };

  const bool mine = state_ == State::kWaitAuthReq && t.nd == t_.nd;
  if (mine) {
    if (!proof_ok()) {
      Emit(EventKind::kCpanAuthFailed, Error::kBadTag, now, &m);
      return;  // keep waiting: the genuine CPAN's request may still come
    }
    t_ = t;
    Error e = DeriveSessionKeys(crypto_, AssocKey(), t_, &keys_);
    if (e != Error::kOk) {
      Fail(e, now);
      return;
    }
    if (SendAuthResp(t_, 0) != Error::kOk) return;
    confirmed_ = false;
    state_ = State::kWaitAssocResp;
    retries_ = 0;
    deadline_ = now + config_.retransmit_timeout;
    return;
  }
  if (state_ == State::kWaitAssocResp && t.nd == t_.nd && t.nc == t_.nc) {
    Resend();  // our answer was lost: resend it
    return;
  }
  // v3 and hardened requests echo Nd: a late request for an attempt this device gave up
  // is its own, and is dropped silently.
  if (UsesConfirmation(m.version) && IsStale(t.nd, now)) return;
  // A request this device did not ask for: someone is associating with its identity.
  Emit(EventKind::kUnsolicitedAuthRequest, Error::kUnexpected, now, &m);
  if (!UsesConfirmation(config_.version)) return;  // v1/v2 devices stay silent
  for (const Foreign& f : foreign_) {
    if (f.Live(now) && f.t.nd == t.nd && f.t.nc == t.nc) {
      SendAuthResp(f.t, wire::kAnswerFlagUnsolicited);  // retransmitted request
      return;
    }
  }
  if (!proof_ok()) {
    Emit(EventKind::kCpanAuthFailed, Error::kBadTag, now, &m);
    return;
  }
  if (config_.version == Version::kHardened && !TakeUnsolicitedToken(now)) {
    Emit(EventKind::kRateLimited, Error::kRateLimited, now, &m);
    return;
  }
  foreign_[foreign_next_] = Foreign{t, true, now + config_.pending_timeout};
  foreign_next_ = static_cast<uint8_t>((foreign_next_ + 1) % 2);
  ++unsolicited_answers_;
  SendAuthResp(t, wire::kAnswerFlagUnsolicited);
}

void DeviceCore::OnConfirmReq(const Message& m, TimeUs now) {
  if (m.version == Version::kV3Paper) {
    // The paper's confirmation request carries no challenge: the device answers R3.
    const bool provisional = Provisional(now);
    const bool own = state_ == State::kWaitAssocResp || provisional;
    const bool foreign = foreign_[0].Live(now) || foreign_[1].Live(now);
    if (!own && !foreign) {
      if (stale_valid_ && now < stale_until_) return;  // late, for an abandoned attempt
      Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, now, &m);
      return;
    }
    if (own && confirmed_) {
      Resend();  // the request was repeated: same answer again
      return;
    }
    const Foreign& last = foreign_[(foreign_next_ + 1) % 2].Live(now)
                              ? foreign_[(foreign_next_ + 1) % 2]
                              : foreign_[foreign_next_];
    if (provisional) Unassociate(now);
    SendConfirmResp(own ? t_ : last.t, 0);
    if (own) {
      confirmed_ = true;
      retries_ = 0;
      deadline_ = now + config_.retransmit_timeout;
    }
    return;
  }
  // Hardened: find the transcript the request is bound to, then check its tag.
  auto try_transcript = [&](Transcript t, uint8_t flags) {
    t.ncf = m.ncf;
    std::array<uint8_t, wire::kCpanProofSize> expect{};
    if (ConfirmRequestTag(crypto_, KdKey(), t, m.prefix, expect) != Error::kOk) return false;
    if (!ConstantTimeEqual(expect, m.tag)) return false;
    SendConfirmResp(t, flags);
    return true;
  };
  if (state_ == State::kWaitAssocResp && confirmed_ && m.ncf == t_.ncf) {
    Resend();  // the request was repeated: same answer again
    return;
  }
  // A provisional grant is withdrawn by a fresh challenge only: the one the coordinator
  // sent before an `always` grant must not end the session when replayed.
  const bool provisional = Provisional(now) && m.ncf != t_.ncf;
  if ((state_ == State::kWaitAssocResp || provisional) && try_transcript(t_, 0)) {
    if (provisional) Unassociate(now);
    t_.ncf = m.ncf;
    confirmed_ = true;
    retries_ = 0;
    deadline_ = now + config_.retransmit_timeout;
    return;
  }
  for (const Foreign& f : foreign_) {
    if (f.Live(now) && try_transcript(f.t, wire::kAnswerFlagUnsolicited)) return;
  }
  if (stale_valid_ && stale_has_nc_ && now < stale_until_) {
    Transcript t = stale_;
    t.ncf = m.ncf;
    std::array<uint8_t, wire::kCpanProofSize> expect{};
    if (ConfirmRequestTag(crypto_, KdKey(), t, m.prefix, expect) == Error::kOk &&
        ConstantTimeEqual(expect, m.tag))
      return;  // the coordinator is still confirming an attempt this device gave up
  }
  Emit(EventKind::kCpanAuthFailed, Error::kBadTag, now, &m);
}

bool DeviceCore::InstallKeyBlock(ByteSpan block, TimeUs now) {
  const uint8_t epoch = block[0];
  const ByteSpan kb = block.subspan(1, wire::kKbSize);
  // The keys are a function of Kb alone: a re-association within an epoch keeps them.
  if (!bcast_keys_.valid() || !ConstantTimeEqual(kb, bcast_kb_)) {
    bcast_keys_.Release(crypto_);
    SecureZero(bcast_kb_.data(), bcast_kb_.size());
    if (DeriveBroadcastKeys(crypto_, kb, &bcast_keys_) != Error::kOk) return false;
    std::memcpy(bcast_kb_.data(), kb.data(), bcast_kb_.size());
  }
  bcast_set_aside_ = false;
  bcast_window_ = ReplayWindow();
  if (epoch == persisted_.bcast_epoch) {
    bcast_window_.SetFloor(persisted_.bcast_rx_high);  // a reboot does not reopen replay
  } else {
    persisted_.bcast_epoch = epoch;
    persisted_.bcast_rx_high = 0;
    Emit(EventKind::kPersist, Error::kOk, now);
  }
  return true;
}

void DeviceCore::OnAssocResp(const Message& m, TimeUs now) {
  const bool refusal = m.status != AssocStatus::kAccepted;
  const bool waiting = state_ == State::kWaitAssocResp ||
                       (state_ == State::kWaitAuthReq && (refusal || !config_.authenticate));
  if (!waiting) {
    if (state_ != State::kAssociated)
      Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, now, &m);
    return;  // a duplicate of the answer that associated us is harmless
  }
  if (m.status != AssocStatus::kAccepted) {
    // Refusals are not authenticated (nothing to key them with for an unknown peer);
    // they only end this attempt, never an established session.
    Fail(m.status == AssocStatus::kIntrusion ? Error::kBlocked : Error::kBadTag, now);
    return;
  }
  bool rolled = false;
  if (!config_.authenticate) {
    authenticated_session_ = false;
  } else if (m.version == Version::kV1) {
    authenticated_session_ = true;  // v1: one-way authentication, no key block
  } else {
    if (m.body.size() != wire::kKeyBlockSize) {
      Emit(EventKind::kCpanAuthFailed, Error::kMalformed, now, &m);
      return;
    }
    std::array<uint8_t, wire::kKeyBlockSize> block{};
    FrameAddress a{Direction::kCpanToDevice, secrets_.cpan_uid, secrets_.uid};
    Result<size_t> n = VerifyMessage(crypto_, keys_, m, a, 0, true, block);
    if (!n.ok()) {
      Emit(EventKind::kCpanAuthFailed, n.error(), now, &m);  // rogue or forged answer
      return;
    }
    bool ok = InstallKeyBlock(block, now);
    SecureZero(block.data(), block.size());
    if (!ok) {
      Fail(Error::kCrypto, now);
      return;
    }
    authenticated_session_ = true;
    // The coordinator moved R3 on when it granted this confirmed association.
    if (m.version == Version::kHardened && config_.roll_common_function && confirmed_) {
      if (!RollCommonFunction(now)) {
        Fail(Error::kCrypto, now);
        return;
      }
      rolled = true;
    }
  }
  short_addr_ = m.short_addr;
  state_ = State::kAssociated;
  have_last_ = false;
  deadline_ = kNever;
  // Under the on-anomaly policy the coordinator grants at the first answer and may still
  // withdraw the grant with a confirmation request (coordinator_core.h). A grant that
  // followed our confirmation is final.
  provisional_until_ = authenticated_session_ && !confirmed_ && UsesConfirmation(m.version) &&
                               config_.confirm == ConfirmPolicy::kOnAnomaly
                           ? now + config_.answer_window + config_.confirm_timeout
                           : 0;
  Emit(EventKind::kAssociated, Error::kOk, now, &m);
  // Tell the coordinator at once that the new R3 is stored, so that it stops accepting
  // the old one: until then a copy holding the old R3 would pass (9.5). Lost on the air,
  // the device's first data frame does the same later.
  if (rolled) QueueData(ByteSpan(), wire::kDataFlagKeyConfirm);
}

bool DeviceCore::RollCommonFunction(TimeUs now) {
  std::array<uint8_t, kSha256Size> next{};
  if (::vigil::RollCommonFunction(crypto_, MacKey(r3_, r3_key_), t_, next) != Error::kOk)
    return false;
  r3_ = next;
  SecureZero(next.data(), next.size());
  crypto_.MacRekey(&r3_key_, r3_);  // the old R3 is gone from the provider too
  persisted_.has_r3 = true;
  persisted_.r3 = r3_;
  ++persisted_.r3_generation;
  Emit(EventKind::kPersist, Error::kOk, now);  // sealed before the session's first frame
  return true;
}

bool DeviceCore::Provisional(TimeUs now) const {
  return state_ == State::kAssociated && now < provisional_until_;
}

void DeviceCore::Unassociate(TimeUs now) {
  DropSession(/*keep_broadcast=*/true);
  state_ = State::kWaitAssocResp;
  provisional_until_ = 0;
  confirmed_ = false;
  retries_ = 0;
  Emit(EventKind::kDisassociated, Error::kBlocked, now);
}

void DeviceCore::OnData(const Message& m, TimeUs now) {
  if (state_ != State::kAssociated) {
    Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, now, &m);
    return;
  }
  const bool plain = (m.flags & wire::kDataFlagPlain) != 0;
  if (plain != !authenticated_session_) {
    Emit(EventKind::kFrameTagInvalid, Error::kBadTag, now, &m);  // downgrade attempt
    return;
  }
  if (rx_window_.Check(m.counter) != Error::kOk) {
    Emit(EventKind::kReplay, Error::kReplay, now, &m);
    return;
  }
  Event ev = MakeEvent(EventKind::kDataReceived, Error::kOk, now, &m);
  if (!plain) {
    FrameAddress a{Direction::kCpanToDevice, secrets_.cpan_uid, secrets_.uid};
    Result<size_t> n = VerifyMessage(crypto_, keys_, m, a, m.counter,
                                     (m.flags & wire::kDataFlagEncrypted) != 0, ev.data);
    if (!n.ok()) {
      Emit(EventKind::kFrameTagInvalid, n.error(), now, &m);
      return;
    }
  } else {
    std::memcpy(ev.data.data(), m.body.data(), m.body.size());
  }
  rx_window_.Mark(m.counter);
  ev.data_len = static_cast<uint8_t>(m.body.size());
  events_.Push(ev);
}

void DeviceCore::OnKeyUpdate(const Message& m, TimeUs now) {
  if (state_ != State::kAssociated || !authenticated_session_) {
    Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, now, &m);
    return;
  }
  if (rx_window_.Check(m.counter) != Error::kOk) {
    Emit(EventKind::kReplay, Error::kReplay, now, &m);
    return;
  }
  std::array<uint8_t, wire::kKeyBlockSize> block{};
  FrameAddress a{Direction::kCpanToDevice, secrets_.cpan_uid, secrets_.uid};
  Result<size_t> n = VerifyMessage(crypto_, keys_, m, a, m.counter, true, block);
  if (!n.ok()) {
    Emit(EventKind::kFrameTagInvalid, n.error(), now, &m);
    return;
  }
  rx_window_.Mark(m.counter);
  InstallKeyBlock(block, now);
  SecureZero(block.data(), block.size());
  Emit(EventKind::kKeyUpdated, Error::kOk, now, &m);
}

void DeviceCore::OnBroadcast(const Message& m, TimeUs now) {
  if (!bcast_keys_.valid() || bcast_set_aside_) return;  // not associated: cannot judge it
  if (m.epoch != persisted_.bcast_epoch) {
    Emit(EventKind::kBroadcastForgery, Error::kUnexpected, now, &m);  // stale or future key
    return;
  }
  if (bcast_window_.Check(m.counter) != Error::kOk) {
    Emit(EventKind::kReplay, Error::kReplay, now, &m);
    return;
  }
  if (m.version == Version::kHardened) {
    // Kb is shared by every device: only the CPAN's signature shows who sent it.
    const ByteSpan signed_part(m.prefix.data(), m.prefix.size() + m.tag.size());
    if (VerifyBroadcastSignature(crypto_, secrets_.cpan_sign_pub, config_.pan_id, secrets_.cpan_uid,
                                 signed_part, m.signature) != Error::kOk) {
      Emit(EventKind::kBroadcastForgery, Error::kBadTag, now, &m);
      return;
    }
  }
  Event ev = MakeEvent(EventKind::kBroadcastReceived, Error::kOk, now, &m);
  ev.uid = secrets_.cpan_uid;
  FrameAddress a{Direction::kBroadcast, secrets_.cpan_uid, wire::kBroadcastUid};
  Result<size_t> n = VerifyMessage(crypto_, bcast_keys_, m, a, m.counter,
                                   (m.flags & wire::kDataFlagEncrypted) != 0, ev.data);
  if (!n.ok()) {
    Emit(EventKind::kBroadcastForgery, n.error(), now, &m);
    return;
  }
  bcast_window_.Mark(m.counter);
  persisted_.bcast_rx_high = bcast_window_.highest();
  Emit(EventKind::kPersist, Error::kOk, now);
  ev.data_len = static_cast<uint8_t>(*n);
  events_.Push(ev);
}

}  // namespace vigil
