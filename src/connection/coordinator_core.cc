#include "connection/coordinator_core.h"

#include <algorithm>
#include <cstring>

#include "connection/wire/mac_frame.h"

namespace vigil {

using wire::AssocStatus;
using wire::Direction;
using wire::Message;
using wire::MsgType;
using wire::Version;

namespace {
bool SameBytes(const std::array<uint8_t, 48>& a, size_t n, ByteSpan b) {
  return n == b.size() && std::memcmp(a.data(), b.data(), n) == 0;
}
}  // namespace

CoordinatorCore::CoordinatorCore(const ProtocolConfig& config, const CoordinatorIdentity& identity,
                                 DeviceDirectory& directory, CryptoProvider& crypto,
                                 RandomSource& random, const CoordinatorPersisted& persisted)
    : config_(config),
      id_(identity),
      directory_(directory),
      crypto_(crypto),
      random_(random),
      persisted_(persisted) {
  // Resume above the persisted ceiling: counters used before a crash are never reused.
  bcast_counter_ = persisted_.bcast_ceiling;
}

CoordinatorCore::Session::Session() = default;

CoordinatorCore::~CoordinatorCore() {
  while (!prepared_.empty()) Unprepare(prepared_.begin()->first);
  for (auto& [uid, s] : sessions_) s.keys.Release(crypto_);
  for (auto& [uid, a] : attempts_) WithdrawProvisional(a);
  bcast_keys_.Release(crypto_);
  SecureZero(&id_.sign_priv, sizeof(id_.sign_priv));
  SecureZero(persisted_.kb.data(), persisted_.kb.size());
}

void CoordinatorCore::Unprepare(uint64_t uid) {
  auto it = prepared_.find(uid);
  if (it == prepared_.end()) return;
  crypto_.Release(&it->second.assoc);
  crypto_.Release(&it->second.r3_key);
  SecureZero(&it->second, sizeof(Prepared));
  prepared_.erase(it);
}

void CoordinatorCore::Prepare(const EnrolledDevice& d) {
  auto it = prepared_.find(d.uid);
  if (it != prepared_.end()) {
    Prepared& p = it->second;
    if (ConstantTimeEqual(p.kd, d.kd) && ConstantTimeEqual(p.r1, d.r1)) {
      p.used = ++prepared_clock_;
      if (!ConstantTimeEqual(p.r3, d.r3)) {  // the common function moved on (9.5)
        p.r3 = d.r3;
        if (config_.version == Version::kHardened) {
          crypto_.MacRekey(&p.r3_key, d.r3);
        } else {
          crypto_.Release(&p.r3_key);
        }
      }
      return;
    }
    Unprepare(d.uid);  // re-enrolled since: these keys are stale
  }
  if (prepared_.size() >= kPreparedDevices) {
    auto oldest = prepared_.begin();
    for (auto i = prepared_.begin(); i != prepared_.end(); ++i)
      if (i->second.used < oldest->second.used) oldest = i;
    Unprepare(oldest->first);
  }
  Prepared& p = prepared_[d.uid];
  p.kd = d.kd;
  p.r1 = d.r1;
  p.r3 = d.r3;
  p.used = ++prepared_clock_;
  // A failed import leaves the handle invalid: the formulas then use the bytes.
  crypto_.MacImport(AssocSecret(d), &p.assoc);
  if (config_.version == Version::kHardened) crypto_.MacImport(d.r3, &p.r3_key);
}

MacKey CoordinatorCore::AssocKey(const EnrolledDevice& d) const {
  auto it = prepared_.find(d.uid);
  return MacKey(AssocSecret(d), it != prepared_.end() ? it->second.assoc : KeyHandle{});
}

MacKey CoordinatorCore::KdKey(const EnrolledDevice& d) const {
  if (config_.version == Version::kHardened) return AssocKey(d);
  return MacKey(d.kd);
}

MacKey CoordinatorCore::R3Key(const EnrolledDevice& d) const {
  auto it = prepared_.find(d.uid);
  const bool same = it != prepared_.end() && ConstantTimeEqual(it->second.r3, d.r3);
  return MacKey(d.r3, same ? it->second.r3_key : KeyHandle{});
}

bool CoordinatorCore::RollsCommonFunction() const {
  return config_.version == Version::kHardened && config_.roll_common_function;
}

bool CoordinatorCore::RollCommonFunction(Attempt& a) {
  const Answer* proof = nullptr;
  for (const Answer& x : a.confirms)
    if (x.valid && !x.unsolicited) proof = &x;
  if (proof == nullptr) return false;  // REQUIRES: a confirmed attempt
  EnrolledDevice next = a.dev;
  const std::array<uint8_t, 32> base = proof->prev_r3 ? a.dev.r3_prev : a.dev.r3;
  const MacKey key = proof->prev_r3 ? MacKey(base) : R3Key(a.dev);
  if (::vigil::RollCommonFunction(crypto_, key, a.t, next.r3) != Error::kOk) return false;
  next.r3_prev = base;
  next.has_prev = true;
  ++next.r3_generation;
  const bool stored = directory_.UpdateCommonFunction(next);
  SecureZero(&next, sizeof(next));
  return stored;
}

void CoordinatorCore::CommitCommonFunction(uint64_t uid, Session& s) {
  s.r3_unproven = false;
  EnrolledDevice d;
  if (!directory_.Find(uid, &d) || !d.has_prev) return;
  d.has_prev = false;
  SecureZero(d.r3_prev.data(), d.r3_prev.size());
  directory_.UpdateCommonFunction(d);
  SecureZero(&d, sizeof(d));
}

ByteSpan CoordinatorCore::AssocSecret(const EnrolledDevice& d) const {
  if (config_.version == Version::kHardened) return d.kd;
  return d.r1;
}

Event CoordinatorCore::MakeEvent(EventKind k, Error e, uint64_t uid, uint64_t link, TimeUs now,
                                 const Message* m) const {
  Event ev;
  ev.kind = k;
  ev.error = e;
  ev.time = now;
  ev.uid = uid;
  ev.observer = id_.uid;
  ev.link = link;
  if (m != nullptr) {
    ev.version = static_cast<uint8_t>(m->version);
    ev.msg_type = static_cast<uint8_t>(m->type);
    ev.counter = m->counter;
  }
  auto it = sessions_.find(uid);
  if (it != sessions_.end()) ev.short_addr = it->second.info.short_addr;
  return ev;
}

void CoordinatorCore::Emit(EventKind k, Error e, uint64_t uid, uint64_t link, TimeUs now,
                           const Message* m) {
  events_.push_back(MakeEvent(k, e, uid, link, now, m));
}

bool CoordinatorCore::PollTransmit(OutFrame* out) {
  if (tx_.empty()) return false;
  *out = tx_.front();
  tx_.pop_front();
  return true;
}

bool CoordinatorCore::PollEvent(Event* out) {
  if (events_.empty()) return false;
  *out = events_.front();
  events_.pop_front();
  return true;
}

TimeUs CoordinatorCore::NextDeadline() const {
  TimeUs d = kNever;
  for (const auto& [uid, a] : attempts_) d = std::min(d, a.deadline);
  return d;
}

std::vector<SessionInfo> CoordinatorCore::Sessions() const {
  std::vector<SessionInfo> v;
  v.reserve(sessions_.size());
  for (const auto& [uid, s] : sessions_) v.push_back(s.info);
  std::sort(v.begin(), v.end(),
            [](const SessionInfo& a, const SessionInfo& b) { return a.uid < b.uid; });
  return v;
}

bool CoordinatorCore::IsBlocked(uint64_t link, TimeUs now) const {
  if (link == 0) return false;
  auto it = blocked_.find(link);
  return it != blocked_.end() && now < it->second;
}

void CoordinatorCore::Block(uint64_t link, TimeUs now) {
  // Never the endpoint of an authenticated session: evidence against a source that has
  // not proven a key may be spoofed, and must not cut an honest device off.
  if (link != 0 && !IsSessionLink(link)) blocked_[link] = now + config_.block_duration;
}

bool CoordinatorCore::TakeToken(uint64_t key, TimeUs now, bool* report) {
  const double cap = config_.assoc_per_link_per_second;
  if (cap <= 0) return true;
  // Two generations instead of a sweep: a source not heard for a whole generation is
  // forgotten (it would start full again anyway), so the table stays bounded at O(1) per
  // request even when every request comes from a new source port.
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    Bucket b{cap, now};
    if (auto old = buckets_old_.find(key); old != buckets_old_.end()) {
      b = old->second;
      buckets_old_.erase(old);
    }
    if (buckets_.size() >= kMaxBuckets / 2) {
      buckets_old_.swap(buckets_);
      buckets_.clear();
    }
    it = buckets_.emplace(key, b).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(cap, b.tokens + cap * static_cast<double>(now - b.at) / kSeconds);
  b.at = now;
  if (b.tokens < 1.0) {
    if (report != nullptr) {
      *report = now - b.reported >= kSeconds;
      if (*report) b.reported = now;
    }
    return false;
  }
  b.tokens -= 1.0;
  return true;
}

void CoordinatorCore::RecordFailure(uint64_t uid, TimeUs now) {
  Peer& p = peers_[uid];
  p.failures.push_back(now);
  while (!p.failures.empty() && now - p.failures.front() > config_.failure_window)
    p.failures.pop_front();
  if (p.failures.size() >= config_.max_auth_failures) {
    p.lockout_until = now + config_.lockout;
    p.failures.clear();
  }
}

Error CoordinatorCore::QueuePayload(ByteSpan payload, uint64_t dst, uint64_t link, OutFrame* keep) {
  OutFrame f;
  if (Error e = BuildOutFrame(config_.pan_id, mac_seq_++, id_.uid, dst, payload, &f);
      e != Error::kOk)
    return e;
  f.link_hint = link;
  if (keep != nullptr) *keep = f;
  tx_.push_back(f);
  return Error::kOk;
}

void CoordinatorCore::HandleFrame(ByteSpan frame, uint64_t link, TimeUs now) {
  Result<wire::MacFrame> f = wire::DecodeMacFrame(frame);
  if (!f.ok()) {
    if (f.error() != Error::kBadFcs)  // noise is not evidence
      Emit(EventKind::kMalformedFrame, f.error(), 0, link, now);
    return;
  }
  if (f->pan_id != config_.pan_id) return;  // another PAN on the same channel
  if (f->dst != id_.uid) return;            // not for us (overheard)
  if (f->src == 0 || f->src == wire::kBroadcastUid) {
    Emit(EventKind::kMalformedFrame, Error::kMalformed, f->src, link, now);
    return;
  }
  if (IsBlocked(link, now)) {
    Emit(EventKind::kBlockedSource, Error::kBlocked, f->src, link, now);
    return;
  }
  Result<Message> m = wire::Decode(f->payload, config_.wire);
  if (!m.ok()) {
    Emit(EventKind::kMalformedFrame, m.error(), f->src, link, now);
    return;
  }
  if (m->version != config_.version) {
    Emit(EventKind::kUnexpectedMessage, Error::kUnknownVersion, f->src, link, now, &*m);
    return;
  }
  switch (m->type) {
    case MsgType::kAssocReq:
      OnAssocReq(*f, *m, link, now);
      break;
    case MsgType::kAuthResp:
      OnAuthResp(*f, *m, link, now);
      break;
    case MsgType::kConfirmResp:
      OnConfirmResp(*f, *m, link, now);
      break;
    case MsgType::kData:
      OnData(*f, *m, link, now);
      break;
    default:  // messages only a CPAN sends
      Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, f->src, link, now, &*m);
      break;
  }
}

void CoordinatorCore::OnAssocReq(const wire::MacFrame& f, const Message& m, uint64_t link,
                                 TimeUs now) {
  const uint64_t uid = f.src;
  // A source that the transport names pays from its own bucket before anything else is
  // done for it. On a radio (link 0) the claimed uid is the only handle; unknown uids
  // share one bucket so that forged identities cannot each get their own.
  bool report = true;
  if (link != 0 && !TakeToken(link, now, &report)) {
    if (report) {
      Emit(EventKind::kRateLimited, Error::kRateLimited, uid, link, now, &m);
    } else {
      ++silent_drops_;  // counted, not an event each: a flood must stay cheap to drop
    }
    return;
  }
  EnrolledDevice known;
  const bool enrolled = directory_.FindKeys(uid, &known);
  if (link == 0 && !TakeToken(enrolled ? uid : 0, now)) {
    Emit(EventKind::kRateLimited, Error::kRateLimited, uid, link, now, &m);
    return;
  }
  // kAssociationAttempt is emitted for every request but a retransmission (a copy of a
  // request already answered, resent by a device that did not hear the answer in time):
  // the IDS counts requests, and a ward powering up retransmits a lot. v1 requests carry
  // no nonce, so there a copy cannot be told from a new request: every one counts.
  const bool v1 = m.version == Version::kV1;
  const EnrolledDevice& dev = known;
  if (!enrolled || dev.revoked) {
    Emit(EventKind::kAssociationAttempt, Error::kOk, uid, link, now, &m);
    Unprepare(uid);
    Emit(EventKind::kUnknownDevice, Error::kUnknownDevice, uid, link, now, &m);
    Refuse(uid, AssocStatus::kUnknownDevice, link, Error::kUnknownDevice, now, false);
    return;
  }
  if (auto p = peers_.find(uid); p != peers_.end() && now < p->second.lockout_until) {
    Emit(EventKind::kAssociationAttempt, Error::kOk, uid, link, now, &m);
    Emit(EventKind::kRateLimited, Error::kRateLimited, uid, link, now, &m);
    Refuse(uid, AssocStatus::kBusy, link, Error::kRateLimited, now, false);
    return;
  }
  auto it = attempts_.find(uid);
  // v1 requests carry no nonce, so after a grant a new request cannot be told from a late
  // copy: there, only an unfinished attempt counts as "the same".
  const bool same = it != attempts_.end() && it->second.t.nd == m.nd &&
                    it->second.initiator_link == link &&
                    (m.version != Version::kV1 || it->second.phase != Phase::kWatch);
  if (same && it->second.have_last) {
    // The device resent its request (or a copy arrived late): resend our latest answer.
    if (v1) Emit(EventKind::kAssociationAttempt, Error::kOk, uid, link, now, &m);
    tx_.push_back(it->second.last_sent);
    ++retransmissions_;
    return;
  }
  if (!(m.flags & wire::kAssocFlagAuthenticate)) {
    Emit(EventKind::kAssociationAttempt, Error::kOk, uid, link, now, &m);
    if (!config_.allow_unauthenticated) {
      Refuse(uid, AssocStatus::kRefused, link, Error::kInvalidState, now, false);
      return;
    }
    EndSession(uid, Error::kOk, now);
    Session s;
    s.info = SessionInfo{uid, next_short_++, link, now, false, 0};
    Message r;
    r.version = config_.version;
    r.type = MsgType::kAssocResp;
    r.short_addr = s.info.short_addr;
    std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
    Result<size_t> n = wire::Encode(r, config_.wire, buf);
    if (!n.ok()) return;
    PutSession(uid, std::move(s));
    QueuePayload(ByteSpan(buf.data(), *n), uid, link);
    Emit(EventKind::kAssociated, Error::kOk, uid, link, now, &m);
    return;
  }
  Prepare(dev);
  Challenge* own = FindChallenge(uid, link, now);
  if (own != nullptr && own->t.nd == m.nd) {
    if (v1) Emit(EventKind::kAssociationAttempt, Error::kOk, uid, link, now, &m);
    tx_.push_back(ChallengeFrame(*own, link));  // a retransmitted request: the same again
    ++retransmissions_;
    return;
  }
  // This source's attempt in progress, or the one that ended a moment ago.
  const Attempt* from_attempt =
      it != attempts_.end() && it->second.initiator_link == link ? &it->second : nullptr;
  const Ended* from_ended = nullptr;
  if (auto e = ended_.find(uid); e != ended_.end() && LateCopy(uid, link, now))
    from_ended = &e->second;
  // A late copy of a request this source already made and moved on from (it gave up and
  // asked again, or its attempt ended) must not replace what it has now: dropped.
  const Earlier* superseded = own != nullptr            ? &own->earlier
                              : from_attempt != nullptr ? &from_attempt->earlier
                                                        : nullptr;
  // (v1 requests carry no nonce: there every request looks like the last one.)
  if (!v1 && ((superseded != nullptr && superseded->set && superseded->nd == m.nd) ||
              (from_attempt != nullptr && from_attempt->t.nd == m.nd) ||
              (from_ended != nullptr && from_ended->request.nd == m.nd))) {
    ++retransmissions_;
    return;
  }
  Emit(EventKind::kAssociationAttempt, Error::kOk, uid, link, now, &m);
  if (!TakeGlobalToken(now)) {
    Emit(EventKind::kRateLimited, Error::kRateLimited, uid, link, now, &m);
    return;
  }
  Challenge c;
  c.t.version = config_.version;
  c.t.device_uid = uid;
  c.t.cpan_uid = id_.uid;
  c.t.nd = m.nd;
  if (random_.Fill(c.t.nc) != Error::kOk) return;
  c.link = link;
  c.started = now;
  // The request this one supersedes from the same source (its open challenge, or its
  // attempt in progress): a late copy of the device's answer to it must not count as a
  // failure against this one (OnAuthResp).
  if (own != nullptr) {
    c.earlier = EarlierOf(own->t, false);
  } else if (from_attempt != nullptr) {
    c.earlier = EarlierOf(from_attempt->t, from_attempt->phase != Phase::kWaitAnswer);
  } else if (from_ended != nullptr) {
    c.earlier = from_ended->request;
  }
  OutFrame out;
  if (BuildAuthReq(c.t, dev, link, mac_seq_++, &out) != Error::kOk || out.size > c.frame.size())
    return;
  std::copy(out.bytes.begin(), out.bytes.begin() + out.size, c.frame.begin());
  c.frame_size = out.size;
  // On a radio every node hears the request; over UDP the driver delivers it to the real
  // device as well, at most once per relay_interval (the device bounds its answers too).
  if (UsesConfirmation(config_.version)) {
    Relay& r = relays_[uid];
    r.sent[0] = {link, c.t.nc};  // the newest request in the device's name
    if (link != 0 && TakeRelay(r, now)) {
      out.relay = true;
      r.sent[1 + r.next] = {link, c.t.nc};
      r.next ^= 1;
    }
  }
  tx_.push_back(out);
  PutChallenge(std::move(c));
}

Error CoordinatorCore::BuildAuthReq(const Transcript& t, const EnrolledDevice& dev, uint64_t link,
                                    uint8_t seq, OutFrame* out) {
  Message r;
  r.version = config_.version;
  r.type = MsgType::kAuthReq;
  r.nd = t.nd;
  r.nc = t.nc;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(r, config_.wire, buf);
  if (!n.ok()) return n.error();
  const size_t tag = wire::TagSize(r.version, r.type, config_.wire);
  if (tag > 0) {
    if (Error e = CpanProof(crypto_, AssocKey(dev), t, ByteSpan(buf.data(), *n - tag),
                            MutableByteSpan(buf.data() + *n - tag, tag));
        e != Error::kOk)
      return e;
  }
  if (Error e =
          BuildOutFrame(config_.pan_id, seq, id_.uid, t.device_uid, ByteSpan(buf.data(), *n), out);
      e != Error::kOk)
    return e;
  out->link_hint = link;
  return Error::kOk;
}

OutFrame CoordinatorCore::ChallengeFrame(const Challenge& c, uint64_t link) const {
  OutFrame out;
  std::copy(c.frame.begin(), c.frame.begin() + c.frame_size, out.bytes.begin());
  out.size = c.frame_size;
  out.dst = c.t.device_uid;
  out.ack_request = true;
  out.link_hint = link;
  return out;
}

CoordinatorCore::Challenge* CoordinatorCore::FindChallenge(uint64_t uid, uint64_t link,
                                                           TimeUs now) {
  auto it = challenge_index_.find(ChallengeKey{uid, link});
  if (it == challenge_index_.end()) return nullptr;
  Challenge& c = challenges_[it->second];
  if (now - c.started > config_.pending_timeout) {  // forgotten, as an attempt would be
    DropChallenge(c);
    return nullptr;
  }
  return &c;
}

void CoordinatorCore::DropChallenge(Challenge& c) {
  if (!c.live) return;
  auto it = challenge_index_.find(ChallengeKey{c.t.device_uid, c.link});
  if (it != challenge_index_.end() && &challenges_[it->second] == &c)
    spare_index_ = challenge_index_.extract(it);  // its node serves the next challenge
  c.live = false;
}

void CoordinatorCore::PutChallenge(Challenge&& c) {
  const ChallengeKey key{c.t.device_uid, c.link};
  size_t slot;
  if (auto it = challenge_index_.find(key); it != challenge_index_.end()) {
    slot = it->second;  // a new request from the same source replaces its own earlier one
  } else {
    // The ring grows only when it is full of challenges still open (a flood), so that
    // one association at a time keeps reusing a few slots (no megabytes touched).
    const size_t cap = std::max<size_t>(1, config_.max_open_challenges);
    auto open = [&](const Challenge& x) {
      return x.live && c.started - x.started <= config_.pending_timeout;
    };
    if (challenges_.empty() || (open(challenges_[challenge_next_]) && challenges_.size() < cap))
      GrowChallenges(cap);
    slot = challenge_next_;
    challenge_next_ = (challenge_next_ + 1) % challenges_.size();
    DropChallenge(challenges_[slot]);  // the oldest open challenge is forgotten
  }
  c.live = true;
  challenges_[slot] = std::move(c);
  if (auto it = challenge_index_.find(key); it != challenge_index_.end()) {
    it->second = static_cast<uint32_t>(slot);
  } else if (!spare_index_.empty()) {
    spare_index_.key() = key;
    spare_index_.mapped() = static_cast<uint32_t>(slot);
    challenge_index_.insert(std::move(spare_index_));
  } else {
    challenge_index_.emplace(key, static_cast<uint32_t>(slot));
  }
}

void CoordinatorCore::GrowChallenges(size_t cap) {
  // Oldest first from index 0, then the new slots: the ring's order is kept.
  const size_t old = challenges_.size();
  std::rotate(challenges_.begin(), challenges_.begin() + static_cast<ptrdiff_t>(challenge_next_),
              challenges_.end());
  challenges_.resize(std::min(cap, old * 2 + 64));
  challenge_index_.clear();
  for (size_t i = 0; i < old; ++i) {
    const Challenge& x = challenges_[i];
    if (x.live) challenge_index_[ChallengeKey{x.t.device_uid, x.link}] = static_cast<uint32_t>(i);
  }
  challenge_next_ = old;
}

bool CoordinatorCore::TakeRelay(Relay& r, TimeUs now) {
  if (config_.relay_interval <= 0) return true;
  const double cap = 1.0;
  r.tokens = std::min(cap, r.tokens + static_cast<double>(now - r.at) /
                                          static_cast<double>(config_.relay_interval));
  r.at = now;
  if (r.tokens < 1.0) return false;
  r.tokens -= 1.0;
  return true;
}

bool CoordinatorCore::TakeGlobalToken(TimeUs now) {
  const double cap = config_.assoc_global_per_second;
  if (cap <= 0) return true;
  if (global_.at == 0) global_.tokens = cap;
  global_.tokens = std::min(cap, global_.tokens + cap * static_cast<double>(now - global_.at) /
                                                      static_cast<double>(kSeconds));
  global_.at = now;
  if (global_.tokens < 1.0) return false;
  global_.tokens -= 1.0;
  return true;
}

bool CoordinatorCore::AnswerVerifies(const Transcript& t, const EnrolledDevice& dev,
                                     const Message& m) {
  std::array<uint8_t, wire::kDeviceTagSize> expect{};
  if (m.tag.size() > expect.size()) return false;
  MutableByteSpan exp(expect.data(), m.tag.size());
  return DeviceAnswer(crypto_, AssocKey(dev), t, m.prefix, exp) == Error::kOk &&
         ConstantTimeEqual(exp, m.tag);
}

CoordinatorCore::Answer CoordinatorCore::MakeAnswer(ByteSpan payload, uint64_t link,
                                                    const Message& m) {
  Answer ans;
  std::memcpy(ans.bytes.data(), payload.data(), std::min(payload.size(), ans.bytes.size()));
  ans.size = static_cast<uint8_t>(std::min(payload.size(), ans.bytes.size()));
  ans.link = link;
  ans.unsolicited = (m.flags & wire::kAnswerFlagUnsolicited) != 0;
  return ans;
}

CoordinatorCore::Attempt* CoordinatorCore::Promote(Challenge& c) {
  const uint64_t uid = c.t.device_uid;
  EnrolledDevice dev;
  // The full record (the common function as it last moved) from here on.
  if (!directory_.Find(uid, &dev) || dev.revoked) {
    SecureZero(&dev, sizeof(dev));
    DropChallenge(c);
    return nullptr;
  }
  Prepare(dev);
  Attempt& a = FreshAttempt(uid);  // a newer proven attempt replaces an unfinished one
  a.dev = dev;
  SecureZero(&dev, sizeof(dev));
  a.t = c.t;
  a.earlier = c.earlier;
  a.initiator_link = c.link;
  a.started = c.started;
  a.deadline = c.started + config_.pending_timeout;
  a.last_sent = ChallengeFrame(c, c.link);
  a.have_last = true;
  if (c.has_first) a.answers.push_back(c.first);
  if (c.has_disowned) {
    a.answers.push_back(c.disowned);
    a.anomaly = true;
  }
  if (a.answers.size() >= 2) a.anomaly = true;
  DropChallenge(c);
  return &a;
}

void CoordinatorCore::OnAuthResp(const wire::MacFrame& f, const Message& m, uint64_t link,
                                 TimeUs now) {
  const uint64_t uid = f.src;
  const bool unsolicited = (m.flags & wire::kAnswerFlagUnsolicited) != 0;
  auto it = attempts_.find(uid);
  Attempt* a = it != attempts_.end() ? &it->second : nullptr;
  if (a != nullptr) {
    for (const Answer& prev : a->answers) {
      if (SameBytes(prev.bytes, prev.size, f.payload)) {
        if (a->have_last) tx_.push_back(a->last_sent);  // our reply was lost: resend it
        if (a->phase == Phase::kConfirm)                // the confirmation round starts again
          a->deadline =
              std::min(now + config_.confirm_timeout, a->started + config_.pending_timeout);
        return;
      }
    }
  }
  // Answers are matched to the request they answer (docs/protocol.md 9.2): the source's
  // own open challenge, the attempt in progress, and (for "I did not ask") the requests
  // that were relayed to the device. Each check is one HMAC; there are at most four.
  Challenge* own = FindChallenge(uid, link, now);
  if (own != nullptr && own->has_first && SameBytes(own->first.bytes, own->first.size, f.payload))
    return;  // a retransmitted failure: already reported
  Answer ans = MakeAnswer(f.payload, link, m);
  // The source's own open challenge first: a device asking again (the usual case) answers
  // its newest request, and an answer can verify against one transcript at most.
  EnrolledDevice keys;
  const bool enrolled = directory_.FindKeys(uid, &keys);
  Challenge* match = nullptr;
  if (enrolled && own != nullptr && AnswerVerifies(own->t, keys, m)) match = own;
  if (match == nullptr && a != nullptr && AnswerVerifies(a->t, a->dev, m)) {
    SecureZero(&keys, sizeof(keys));
    ans.valid = true;
    ProcessAnswer(*a, ans, m, link, now);
    return;
  }
  if (match == nullptr && enrolled && unsolicited) {
    if (auto r = relays_.find(uid); r != relays_.end()) {
      for (const Relay::Sent& sent : r->second.sent) {
        Challenge* c = FindChallenge(uid, sent.link, now);
        if (c != nullptr && c != own && c->t.nc == sent.nc && AnswerVerifies(c->t, keys, m)) {
          match = c;
          break;
        }
      }
    }
  }
  SecureZero(&keys, sizeof(keys));
  if (match != nullptr) {
    ans.valid = true;
    if (ans.unsolicited && UsesConfirmation(config_.version)) {
      // The real device disowns a request made in its name.
      Emit(EventKind::kUnsolicitedAnswer, Error::kUnexpected, uid, link, now, &m);
      const bool busy = a != nullptr && (a->phase != Phase::kWatch || a->provisional);
      const bool first = !match->has_disowned;
      if (first) {
        match->disowned = ans;
        match->has_disowned = true;
      }
      // While an association is in progress it is not disturbed: the disowned request
      // waits for its initiator, whose valid answer would make this an anomaly (9.3).
      if (busy || !first) return;
      Attempt* p = Promote(*match);
      if (p != nullptr) SendConfirmReq(*p, now);  // anomalous: the confirmation decides
      return;
    }
    Attempt* p = Promote(*match);
    if (p != nullptr) ProcessAnswer(*p, ans, m, link, now);
    return;
  }
  // Nothing verified. A late copy of the source's answer to the request its current one
  // superseded (a device that gave up and asked again while the old answer was on its
  // way) is a retransmission: it proves the key, so it is no failure, and it decides
  // nothing. Only the source's own earlier transcript is tried (one HMAC, for answers
  // that already failed).
  const Earlier* earlier = own != nullptr                                ? &own->earlier
                           : (a != nullptr && a->initiator_link == link) ? &a->earlier
                                                                         : nullptr;
  if (earlier != nullptr && earlier->set && enrolled) {
    Transcript t = own != nullptr ? own->t : a->t;
    t.nd = earlier->nd;
    t.nc = earlier->nc;
    EnrolledDevice k;
    if (directory_.FindKeys(uid, &k) && AnswerVerifies(t, k, m)) {
      SecureZero(&k, sizeof(k));
      ++retransmissions_;
      return;
    }
    SecureZero(&k, sizeof(k));
  }
  // A failure counts against the source whose own request it answers (or the attempt's
  // initiator); an answer to no request from its source proves nothing about anyone and
  // changes nothing.
  if (own != nullptr) {
    Emit(EventKind::kAuthFailed, Error::kBadTag, uid, link, now, &m);
    if (config_.version != Version::kHardened) RecordFailure(uid, now);
    if (!UsesConfirmation(config_.version)) {
      DropChallenge(*own);
      Refuse(uid, AssocStatus::kRefused, link, Error::kBadTag, now, /*of_attempt=*/false);
      return;
    }
    Block(link, now);
    if (!own->has_first) {
      own->first = ans;
      own->has_first = true;
    }
    return;
  }
  if (a != nullptr && a->initiator_link == link && !unsolicited) {
    ProcessAnswer(*a, ans, m, link, now);
    return;
  }
  // An answer to no request of its source (a forgery, or the real device answering a
  // request it overheard that is no longer open): evidence against nobody. From the
  // initiator of an attempt that just ended, it is that device's late retry.
  if (a == nullptr && LateCopy(uid, link, now)) {
    ++retransmissions_;
    return;
  }
  Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, uid, link, now, &m);
}

void CoordinatorCore::ProcessAnswer(Attempt& a, const Answer& ans, const Message& m, uint64_t link,
                                    TimeUs now) {
  const uint64_t uid = a.t.device_uid;
  a.answers.push_back(ans);
  if (!ans.valid) {
    Emit(EventKind::kAuthFailed, Error::kBadTag, uid, link, now, &m);
    if (config_.version != Version::kHardened) RecordFailure(uid, now);
    if (UsesConfirmation(config_.version)) Block(link, now);
  } else if (ans.unsolicited) {
    Emit(EventKind::kUnsolicitedAnswer, Error::kUnexpected, uid, link, now, &m);
    a.anomaly = true;
  }
  if (a.answers.size() == 2) {
    Emit(EventKind::kDuplicateAnswer, Error::kUnexpected, uid, link, now, &m);
    a.anomaly = true;
  }

  if (a.phase == Phase::kWatch) {
    if (a.provisional) {
      // A second answer within the window: the anomaly the paper's v3 confirms. The grant
      // was never announced; the old session (if any) was never touched.
      WithdrawProvisional(a);
      SendConfirmReq(a, now);
      return;
    }
    // After the grant: the real device disowning the attempt means the session went to
    // someone holding its keys (a clone). Take the session back.
    if (a.granted && ans.valid && ans.unsolicited) WithdrawGrant(uid, a, link, m, now);
    return;
  }
  if (!UsesConfirmation(config_.version)) {  // v1, v2: the first answer decides
    if (ans.valid && !ans.unsolicited) {
      Grant(a, now);
    } else {
      Refuse(uid, AssocStatus::kRefused, link, Error::kBadTag, now);
    }
    return;
  }
  if (a.phase == Phase::kConfirm) return;  // the verdict waits for the confirmation
  if (a.anomaly) {
    SendConfirmReq(a, now);
  } else if (ans.valid && config_.confirm == ConfirmPolicy::kAlways) {
    SendConfirmReq(a, now);
  } else if (ans.valid && !ans.unsolicited && a.phase == Phase::kWaitAnswer) {
    // The device need not wait out the window: it gets its session now, and the window
    // runs while nothing depends on it yet (see Grant).
    Grant(a, now, /*provisional=*/true);
  } else if (a.phase == Phase::kWaitAnswer) {
    a.phase = Phase::kCollect;  // wait for a possible second answer
    a.deadline = now + config_.answer_window;
  }
}

void CoordinatorCore::WithdrawGrant(uint64_t uid, Attempt& a, uint64_t link, const Message& m,
                                    TimeUs now) {
  Emit(EventKind::kIdentityConflict, Error::kBlocked, uid, link, now, &m);
  // The withdrawn grant's R3 goes with it: the party that did not ask (the original,
  // unless a copy frames it) keeps the R3 it holds.
  if (a.rolled) directory_.UpdateCommonFunction(a.dev);
  const uint64_t initiator = a.initiator_link;
  EndSession(uid, Error::kBlocked, now);  // first: a session's link is never blocked
  Block(initiator, now);
  EndAttempt(uid, now);
}

void CoordinatorCore::SendConfirmReq(Attempt& a, TimeUs now) {
  a.phase = Phase::kConfirm;
  a.deadline = now + config_.confirm_timeout;
  Message r;
  r.version = config_.version;
  r.type = MsgType::kConfirmReq;
  if (config_.version == Version::kHardened) {
    if (random_.Fill(a.t.ncf) != Error::kOk) return;
    r.ncf = a.t.ncf;
  }
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(r, config_.wire, buf);
  if (!n.ok()) return;
  const size_t tag = wire::TagSize(r.version, r.type, config_.wire);
  if (tag > 0 && ConfirmRequestTag(crypto_, KdKey(a.dev), a.t, ByteSpan(buf.data(), *n - tag),
                                   MutableByteSpan(buf.data() + *n - tag, tag)) != Error::kOk)
    return;
  QueuePayload(ByteSpan(buf.data(), *n), a.t.device_uid, a.initiator_link, &a.last_sent);
  a.have_last = true;
}

void CoordinatorCore::OnConfirmResp(const wire::MacFrame& f, const Message& m, uint64_t link,
                                    TimeUs now) {
  const uint64_t uid = f.src;
  auto it = attempts_.find(uid);
  if (it == attempts_.end() ||
      (it->second.phase != Phase::kConfirm && it->second.phase != Phase::kWatch)) {
    if (it == attempts_.end() && LateCopy(uid, link, now)) {
      ++retransmissions_;  // the device's retries of an exchange that has ended
      return;
    }
    Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, uid, link, now, &m);
    return;
  }
  Attempt& a = it->second;
  for (const Answer& prev : a.confirms) {
    if (SameBytes(prev.bytes, prev.size, f.payload)) {  // retransmission
      if (a.phase == Phase::kWatch && a.have_last) tx_.push_back(a.last_sent);
      return;
    }
  }
  Answer ans;
  std::memcpy(ans.bytes.data(), f.payload.data(), std::min(f.payload.size(), ans.bytes.size()));
  ans.size = static_cast<uint8_t>(std::min(f.payload.size(), ans.bytes.size()));
  ans.link = link;
  ans.unsolicited = (m.flags & wire::kAnswerFlagUnsolicited) != 0;
  std::array<uint8_t, wire::kR3Size> expect{};
  MutableByteSpan exp(expect.data(), m.tag.size());
  ans.valid = ConfirmAnswer(crypto_, R3Key(a.dev), a.t, m.prefix, exp) == Error::kOk &&
              ConstantTimeEqual(exp, m.tag);
  if (!ans.valid && RollsCommonFunction() && a.dev.has_prev) {
    // The device may not have heard the grant that moved its R3 (9.5).
    ans.valid = ConfirmAnswer(crypto_, MacKey(a.dev.r3_prev), a.t, m.prefix, exp) == Error::kOk &&
                ConstantTimeEqual(exp, m.tag);
    ans.prev_r3 = ans.valid;
  }
  if (!ans.valid && link == a.initiator_link && a.earlier.has_ncf) {
    // A late copy of the confirmation the initiator sent in the attempt this one replaced
    // (it gave up and asked again): a retransmission, not a failed confirmation.
    Transcript t = a.t;
    t.nd = a.earlier.nd;
    t.nc = a.earlier.nc;
    t.ncf = a.earlier.ncf;
    bool late = ConfirmAnswer(crypto_, R3Key(a.dev), t, m.prefix, exp) == Error::kOk &&
                ConstantTimeEqual(exp, m.tag);
    if (!late && RollsCommonFunction() && a.dev.has_prev)
      late = ConfirmAnswer(crypto_, MacKey(a.dev.r3_prev), t, m.prefix, exp) == Error::kOk &&
             ConstantTimeEqual(exp, m.tag);
    if (late) {
      ++retransmissions_;
      return;
    }
  }
  a.confirms.push_back(ans);
  // (Only the initiator's: a forged confirmation from elsewhere is not the device, and
  // must not cost a registry read.)
  if (!ans.valid && link == a.initiator_link && directory_.StaleSinceRestore(uid)) {
    // The directory was restored from a backup older than this device's latest
    // association: it holds an R3 the device has moved past. On the air that is an
    // impostor holding Kd; here it is a device to re-provision, and its source is not
    // blocked (an impostor gains nothing by it: R3 is not guessable).
    Emit(EventKind::kReprovisionNeeded, Error::kBadTag, uid, link, now, &m);
    a.anomaly = true;
  } else if (!ans.valid) {
    Emit(EventKind::kConfirmationFailed, Error::kBadTag, uid, link, now, &m);
    Block(link, now);
    a.anomaly = true;
  } else {
    Emit(EventKind::kConfirmationPassed, Error::kOk, uid, link, now, &m);
  }
  if (a.phase == Phase::kWatch) {
    if (a.provisional) {  // nobody was asked to confirm: a stray or forged answer
      WithdrawProvisional(a);
      a.anomaly = true;
      SendConfirmReq(a, now);
      return;
    }
    if (a.granted && ans.valid && ans.unsolicited) WithdrawGrant(uid, a, link, m, now);
    return;
  }
  if (ans.valid && ans.unsolicited) a.anomaly = true;
  // Fast path: no anomaly, the initiator proved the sealed secret.
  if (!a.anomaly && ans.valid && !ans.unsolicited) Grant(a, now);
}

void CoordinatorCore::Decide(uint64_t uid, Attempt& a, TimeUs now) {
  if (a.phase == Phase::kWatch && a.provisional) {
    ConfirmProvisional(uid, a, now);
    return;
  }
  if (a.phase == Phase::kWatch) {
    EndAttempt(uid, now);
    return;
  }
  if (a.phase == Phase::kWaitAnswer || a.phase == Phase::kCollect) {
    const bool granted_candidate =
        !a.anomaly && std::any_of(a.answers.begin(), a.answers.end(),
                                  [](const Answer& x) { return x.valid && !x.unsolicited; });
    if (granted_candidate) {
      Grant(a, now);
    } else {
      Refuse(uid, AssocStatus::kRefused, a.initiator_link,
             a.answers.empty() ? Error::kUnexpected : Error::kBadTag, now);
    }
    return;
  }
  // kConfirm deadline: the verdict of an anomalous (or unanswered) attempt.
  size_t valid_solicited = 0, invalid = 0;
  bool disowned = false;  // the real device said "I did not ask"
  for (const Answer& x : a.answers) disowned |= x.valid && x.unsolicited;
  for (const Answer& x : a.confirms) {
    if (!x.valid) {
      ++invalid;
    } else if (x.unsolicited) {
      disowned = true;
    } else {
      ++valid_solicited;
    }
  }
  if (config_.version == Version::kHardened) {
    if (valid_solicited > 0 && disowned) {
      // Two parties prove the sealed secret: a fully cloned device while the original is
      // online. Cryptography cannot tell them apart; refuse both.
      Emit(EventKind::kIdentityConflict, Error::kBlocked, uid, a.initiator_link, now);
      Block(a.initiator_link, now);
      Refuse(uid, AssocStatus::kIntrusion, a.initiator_link, Error::kBlocked, now);
    } else if (valid_solicited > 0) {
      Grant(a, now);  // the impostors failed (and were reported); the initiator proved
    } else if (disowned) {
      Emit(EventKind::kConfirmationFailed, Error::kUnexpected, uid, a.initiator_link, now);
      Block(a.initiator_link, now);
      Refuse(uid, AssocStatus::kIntrusion, a.initiator_link, Error::kBlocked, now);
    } else {
      Refuse(uid, AssocStatus::kRefused, a.initiator_link, Error::kUnexpected, now);
    }
    return;
  }
  // v3-paper: answers carry no authenticated role, and R3 is static, so after two
  // answers the CPAN cannot know who asked. The side that fails is the intruder; the
  // attempt is refused.
  const size_t valid = a.confirms.size() - invalid;
  if (!a.anomaly && valid > 0) {
    Grant(a, now);
    return;
  }
  if (a.anomaly) {
    if (invalid == 0) {
      Emit(valid > 0 ? EventKind::kIdentityConflict : EventKind::kConfirmationFailed,
           valid > 0 ? Error::kBlocked : Error::kUnexpected, uid, a.initiator_link, now);
    }
    Block(a.initiator_link, now);
    Refuse(uid, AssocStatus::kIntrusion, a.initiator_link, Error::kBlocked, now);
    return;
  }
  Refuse(uid, AssocStatus::kRefused, a.initiator_link, Error::kUnexpected, now);
}

void CoordinatorCore::HandleTimeout(TimeUs now) {
  std::vector<uint64_t> due;
  for (const auto& [uid, a] : attempts_)
    if (a.deadline <= now) due.push_back(uid);
  std::sort(due.begin(), due.end());  // deterministic order
  for (uint64_t uid : due) {
    auto it = attempts_.find(uid);
    if (it == attempts_.end()) continue;
    Decide(uid, it->second, now);
  }
  for (auto it = blocked_.begin(); it != blocked_.end();)
    it = it->second <= now ? blocked_.erase(it) : std::next(it);
  if (now >= ended_sweep_) {  // once a second: at most one entry per proven uid
    ended_sweep_ = now + kSeconds;
    for (auto it = ended_.begin(); it != ended_.end();)
      it = it->second.until <= now ? ended_.erase(it) : std::next(it);
  }
}

void CoordinatorCore::EndAttempt(uint64_t uid, TimeUs now) {
  auto node = attempts_.extract(uid);
  if (node.empty()) return;
  const Attempt& a = node.mapped();
  // Only an initiator that proved the key (a valid answer of its own) is remembered: its
  // late copies are retries; an unproven initiator's frames stay evidence.
  const bool proven = std::any_of(a.answers.begin(), a.answers.end(), [&](const Answer& x) {
    return x.valid && !x.unsolicited && x.link == a.initiator_link;
  });
  if (proven) {
    ended_[uid] = Ended{a.initiator_link, now + config_.pending_timeout,
                        EarlierOf(a.t, a.phase != Phase::kWaitAnswer)};
  }
  WithdrawProvisional(node.mapped());
  SecureZero(&node.mapped().dev, sizeof(EnrolledDevice));  // its keys end with the attempt
  spare_attempt_ = std::move(node);
}

CoordinatorCore::Earlier CoordinatorCore::EarlierOf(const Transcript& t, bool confirmed_round) {
  Earlier e{};
  e.nd = t.nd;
  e.nc = t.nc;
  e.set = true;
  if (confirmed_round && t.version == Version::kHardened) {
    e.ncf = t.ncf;
    e.has_ncf = true;
  }
  return e;
}

bool CoordinatorCore::LateCopy(uint64_t uid, uint64_t link, TimeUs now) const {
  auto it = ended_.find(uid);
  return it != ended_.end() && it->second.link == link && now < it->second.until;
}

CoordinatorCore::Attempt& CoordinatorCore::FreshAttempt(uint64_t uid) {
  auto it = attempts_.find(uid);
  Attempt* a = it != attempts_.end() ? &it->second : nullptr;
  if (a == nullptr && !spare_attempt_.empty()) {
    spare_attempt_.key() = uid;
    a = &attempts_.insert(std::move(spare_attempt_)).position->second;
  }
  if (a == nullptr) return attempts_[uid];
  // Reset field by field, in place: an attempt is over a kilobyte (its held events), and
  // a replacement or a reused node need not be built and copied whole. The answer lists
  // keep their storage.
  WithdrawProvisional(*a);  // leaves pending empty and nothing held
  SecureZero(&a->dev, sizeof(a->dev));
  a->t = Transcript{};
  a->earlier = Earlier{};
  a->phase = Phase::kWaitAnswer;
  a->initiator_link = 0;
  a->started = 0;
  a->deadline = 0;
  a->anomaly = false;
  a->granted = false;
  a->rolled = false;
  a->answers.clear();
  a->confirms.clear();
  a->have_last = false;
  a->held_count = 0;
  return *a;
}

void CoordinatorCore::PutSession(uint64_t uid, Session&& s) {
  if (s.info.link != 0) {
    if (auto it = session_links_.find(s.info.link); it != session_links_.end()) {
      ++it->second;
    } else if (!spare_link_.empty()) {
      spare_link_.key() = s.info.link;
      spare_link_.mapped() = 1;
      session_links_.insert(std::move(spare_link_));
    } else {
      session_links_.emplace(s.info.link, 1);
    }
  }
  if (auto old = sessions_.find(uid); old != sessions_.end()) UnlinkSession(old->second);
  if (spare_session_.empty() || sessions_.count(uid) != 0) {
    sessions_[uid] = std::move(s);
    return;
  }
  spare_session_.key() = uid;
  spare_session_.mapped() = std::move(s);
  sessions_.insert(std::move(spare_session_));
}

void CoordinatorCore::Refuse(uint64_t uid, AssocStatus status, uint64_t link, Error why, TimeUs now,
                             bool of_attempt) {
  Message r;
  r.version = config_.version;
  r.type = MsgType::kAssocResp;
  r.status = status;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(r, config_.wire, buf);
  Emit(EventKind::kAssociationRefused, why, uid, link, now);
  auto it = of_attempt ? attempts_.find(uid) : attempts_.end();
  if (it == attempts_.end()) {
    if (n.ok()) QueuePayload(ByteSpan(buf.data(), *n), uid, link);
    return;
  }
  // Keep the refused attempt for a while, so that late retransmissions are answered with
  // the same refusal instead of looking like strays.
  Attempt& a = it->second;
  if (n.ok()) {
    QueuePayload(ByteSpan(buf.data(), *n), uid, link, &a.last_sent);
    a.have_last = true;
  }
  a.phase = Phase::kWatch;
  a.granted = false;
  a.deadline = now + WatchPeriod();
}

void CoordinatorCore::UnlinkSession(const Session& s) {
  if (s.info.link == 0) return;
  auto it = session_links_.find(s.info.link);
  if (it != session_links_.end() && --it->second == 0) spare_link_ = session_links_.extract(it);
}

void CoordinatorCore::EndSession(uint64_t uid, Error why, TimeUs now) {
  auto it = sessions_.find(uid);
  if (it == sessions_.end()) return;
  const uint64_t link = it->second.info.link;
  UnlinkSession(it->second);
  it->second.keys.Release(crypto_);
  spare_session_ = sessions_.extract(it);
  Emit(EventKind::kDisassociated, why, uid, link, now);
}

Error CoordinatorCore::EnsureBroadcastKey(TimeUs now) {
  if (config_.version == Version::kV1) return Error::kInvalidState;
  if (!persisted_.has_kb) {
    Error e = random_.Fill(persisted_.kb);
    if (e != Error::kOk) return e;
    persisted_.has_kb = true;
    persisted_.epoch = 1;
    persisted_.bcast_ceiling = 0;
    bcast_counter_ = 0;
    Emit(EventKind::kPersist, Error::kOk, 0, 0, now);
  }
  if (!bcast_keys_.valid()) return DeriveBroadcastKeys(crypto_, persisted_.kb, &bcast_keys_);
  return Error::kOk;
}

void CoordinatorCore::Grant(Attempt& a, TimeUs now, bool provisional) {
  const uint64_t uid = a.t.device_uid;
  uint64_t link = a.initiator_link;
  for (const Answer& x : a.answers)
    if (x.valid && !x.unsolicited) link = x.link;
  if (config_.version != Version::kV1 && persist_failed_) {
    // The Kb it would carry, or a move it would depend on, is not on disk (fail closed).
    Refuse(uid, AssocStatus::kBusy, link, Error::kIo, now);
    return;
  }
  Session s;
  // A re-association hands the old session's key handles over, re-keyed in place: the old
  // session ends with this grant, or with its refusal below (the device that proved its
  // keys has left it). A provisional grant keeps the old session until it is confirmed.
  bool handed_over = false;
  if (auto old = provisional ? sessions_.end() : sessions_.find(uid);
      old != sessions_.end() && old->second.keys.valid()) {
    s.keys = old->second.keys;
    old->second.keys = SessionKeys{};
    handed_over = true;
  }
  auto refuse = [&](AssocStatus status, Error why) {
    s.keys.Release(crypto_);
    if (handed_over) EndSession(uid, Error::kOk, now);
    Refuse(uid, status, link, why, now);
  };
  if (DeriveSessionKeys(crypto_, AssocKey(a.dev), a.t, &s.keys) != Error::kOk) {
    refuse(AssocStatus::kRefused, Error::kCrypto);
    return;
  }
  // The common function moves before the grant that the device rolls on is sent.
  const bool confirmed = std::any_of(a.confirms.begin(), a.confirms.end(),
                                     [](const Answer& x) { return x.valid && !x.unsolicited; });
  if (!provisional && confirmed && RollsCommonFunction()) {
    if (!RollCommonFunction(a)) {
      refuse(AssocStatus::kRefused, Error::kIo);
      return;
    }
    s.r3_unproven = true;
    a.rolled = true;
    // The directory may only have staged the move: it must be durable before the grant
    // goes out (device_directory.h). The driver writes once for all moves of a batch.
    Emit(EventKind::kPersist, Error::kOk, uid, 0, now);
  }
  if (next_short_ == 0 || next_short_ >= 0xFFFE) next_short_ = 1;
  s.info = SessionInfo{uid, next_short_++, link, now, true, 0};
  Message r;
  r.version = config_.version;
  r.type = MsgType::kAssocResp;
  r.status = AssocStatus::kAccepted;
  r.short_addr = s.info.short_addr;
  std::array<uint8_t, wire::kKeyBlockSize> block{};
  if (config_.version != Version::kV1) {
    if (EnsureBroadcastKey(now) != Error::kOk) {
      refuse(AssocStatus::kRefused, Error::kCrypto);
      return;
    }
    block[0] = persisted_.epoch;
    std::memcpy(block.data() + 1, persisted_.kb.data(), wire::kKbSize);
    r.body = block;
  }
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(r, config_.wire, buf);
  Error e = n.ok() ? Error::kOk : n.error();
  if (e == Error::kOk && config_.version != Version::kV1) {
    const size_t body_off = *n - wire::kAssocRespTagSize - wire::kKeyBlockSize;
    FrameAddress fa{Direction::kCpanToDevice, id_.uid, uid};
    e = ProtectMessage(crypto_, s.keys, config_.version, fa, 0, true,
                       MutableByteSpan(buf.data(), *n), body_off, wire::kKeyBlockSize,
                       wire::kAssocRespTagSize);
  }
  SecureZero(block.data(), block.size());
  if (e != Error::kOk) {
    refuse(AssocStatus::kRefused, e);
    return;
  }
  QueuePayload(ByteSpan(buf.data(), *n), uid, link, &a.last_sent);
  a.have_last = true;
  a.phase = Phase::kWatch;
  a.granted = true;
  if (provisional) {
    // The paper's v3 waits answer_window for a second answer before it grants. Granting
    // at once and waiting afterwards gives the same verdicts (a second answer withdraws
    // the grant before anything depended on it: no kAssociated, data held, old session
    // kept) without putting the window into every association's latency.
    a.provisional = true;
    ++provisional_grants_;
    a.pending = std::move(s);
    a.held_count = 0;
    a.deadline = now + config_.answer_window;
    return;
  }
  EndSession(uid, Error::kOk, now);  // a re-association replaces the old session
  PutSession(uid, std::move(s));
  Emit(EventKind::kAssociated, Error::kOk, uid, link, now);
  // Keep the attempt a little longer: to resend a lost ASSOC_RESP, and (v3) to catch a
  // late answer that shows the grant went to a clone.
  a.deadline = now + WatchPeriod();
}

void CoordinatorCore::ConfirmProvisional(uint64_t uid, Attempt& a, TimeUs now) {
  a.provisional = false;
  --provisional_grants_;
  const uint64_t link = a.pending.info.link;
  EndSession(uid, Error::kOk, now);
  PutSession(uid, std::move(a.pending));
  a.pending = Session{};  // the handles moved into sessions_
  Emit(EventKind::kAssociated, Error::kOk, uid, link, now);
  Session& s = sessions_.at(uid);
  for (uint8_t i = 0; i < a.held_count; ++i) {
    a.held[i].time = now;  // accepted now, when the session is
    ++s.info.rx_frames;
    events_.push_back(a.held[i]);
  }
  a.held_count = 0;
  a.deadline = now + WatchPeriod() - config_.answer_window;
}

void CoordinatorCore::WithdrawProvisional(Attempt& a) {
  if (!a.provisional) return;
  a.provisional = false;
  --provisional_grants_;
  a.granted = false;
  a.pending.keys.Release(crypto_);
  a.pending = Session{};
  for (uint8_t i = 0; i < a.held_count; ++i)
    SecureZero(a.held[i].data.data(), a.held[i].data.size());
  a.held_count = 0;
}

TimeUs CoordinatorCore::WatchPeriod() const {
  return config_.answer_window + (config_.max_retransmits + 1) * config_.retransmit_timeout;
}

void CoordinatorCore::OnData(const wire::MacFrame& f, const Message& m, uint64_t link, TimeUs now) {
  const uint64_t uid = f.src;
  // Data in a provisional session is held until the grant is confirmed; a frame it does
  // not open may still belong to the old session. (The count spares every other frame
  // the lookup.)
  if (auto at = provisional_grants_ > 0 ? attempts_.find(uid) : attempts_.end();
      at != attempts_.end() && at->second.provisional) {
    Attempt& a = at->second;
    Event ev = MakeEvent(EventKind::kDataReceived, Error::kOk, uid, link, now, &m);
    Error why = Error::kOk;
    if (OpenData(a.pending, m, uid, ev, &why) == EventKind::kDataReceived) {
      if (m.flags & wire::kDataFlagKeyConfirm) return;  // nothing moved in this session
      if (a.held_count < a.held.size()) {
        a.held[a.held_count++] = ev;
      } else {  // more than a radio carries in the window: the sender floods
        Emit(EventKind::kRateLimited, Error::kRateLimited, uid, link, now, &m);
      }
      return;
    }
  }
  auto it = sessions_.find(uid);
  if (it == sessions_.end()) {
    Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, uid, link, now, &m);
    return;
  }
  Session& s = it->second;
  if (link != 0 && s.info.link != 0 && link != s.info.link) {
    // A session is bound to the source it associated from (its downlink goes there too):
    // a frame in its name from elsewhere is a forgery, dropped before the tag check.
    if (now - s.foreign_reported >= kSeconds) {
      s.foreign_reported = now;
      Emit(EventKind::kUnexpectedMessage, Error::kUnexpected, uid, link, now, &m);
    } else {
      ++silent_drops_;
    }
    return;
  }
  Event ev = MakeEvent(EventKind::kDataReceived, Error::kOk, uid, link, now, &m);
  Error why = Error::kOk;
  const EventKind k = OpenData(s, m, uid, ev, &why);
  if (k != EventKind::kDataReceived) {
    Emit(k, why, uid, link, now, &m);
    return;
  }
  if (s.r3_unproven) CommitCommonFunction(uid, s);
  if (m.flags & wire::kDataFlagKeyConfirm) {  // the device's word, not application data
    if (!m.body.empty()) Emit(EventKind::kMalformedFrame, Error::kMalformed, uid, link, now, &m);
    return;
  }
  ++s.info.rx_frames;
  events_.push_back(ev);
}

EventKind CoordinatorCore::OpenData(Session& s, const Message& m, uint64_t uid, Event& ev,
                                    Error* why) {
  const bool plain = (m.flags & wire::kDataFlagPlain) != 0;
  if (plain != !s.info.authenticated) {
    *why = Error::kBadTag;
    return EventKind::kFrameTagInvalid;
  }
  // The session's protection level holds on receive too: a deployment that encrypts
  // never accepts an integrity-only frame (a stripped or forged downgrade). The key
  // confirmation carries no data and is protected as its flags say.
  if (!plain && config_.encrypt_data && !(m.flags & wire::kDataFlagEncrypted) &&
      !(m.flags & wire::kDataFlagKeyConfirm)) {
    *why = Error::kBadTag;
    return EventKind::kDowngrade;
  }
  if (s.rx.Check(m.counter) != Error::kOk) {
    *why = Error::kReplay;
    return EventKind::kReplay;
  }
  if (!plain) {
    FrameAddress fa{Direction::kDeviceToCpan, uid, id_.uid};
    Result<size_t> n = VerifyMessage(crypto_, s.keys, m, fa, m.counter,
                                     (m.flags & wire::kDataFlagEncrypted) != 0, ev.data);
    if (!n.ok()) {
      *why = n.error();
      return EventKind::kFrameTagInvalid;
    }
  } else {
    std::memcpy(ev.data.data(), m.body.data(), m.body.size());
  }
  s.rx.Mark(m.counter);
  ev.data_len = static_cast<uint8_t>(m.body.size());
  return EventKind::kDataReceived;
}

Error CoordinatorCore::SendData(uint64_t uid, ByteSpan payload, TimeUs now) {
  (void)now;
  auto it = sessions_.find(uid);
  if (it == sessions_.end()) return Error::kNotFound;
  Session& s = it->second;
  Message m;
  m.version = config_.version;
  m.type = MsgType::kData;
  if (s.tx_counter == UINT32_MAX) return Error::kInvalidState;  // never wrap: re-associate
  m.counter = ++s.tx_counter;
  m.body = payload;
  const bool encrypt = s.info.authenticated && config_.encrypt_data;
  m.flags = !s.info.authenticated ? wire::kDataFlagPlain
                                  : (encrypt ? wire::kDataFlagEncrypted : uint8_t{0});
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(m, config_.wire, buf);
  if (!n.ok()) return n.error();
  if (s.info.authenticated) {
    const size_t tag = config_.wire.data_tag_size;
    FrameAddress fa{Direction::kCpanToDevice, id_.uid, uid};
    Error e = ProtectMessage(crypto_, s.keys, config_.version, fa, m.counter, encrypt,
                             MutableByteSpan(buf.data(), *n), *n - tag - payload.size(),
                             payload.size(), tag);
    if (e != Error::kOk) return e;
  }
  return QueuePayload(ByteSpan(buf.data(), *n), uid, s.info.link);
}

size_t CoordinatorCore::max_broadcast_payload() const {
  size_t overhead = 1 + 1 + 1 + wire::kCounterSize;
  if (config_.version == Version::kHardened) {
    overhead += wire::kAssocRespTagSize + wire::kSignatureSize;
  } else {
    overhead += config_.wire.data_tag_size;
  }
  return wire::kMaxBroadcastPayload - overhead;
}

Error CoordinatorCore::SendBroadcast(ByteSpan payload, TimeUs now) {
  if (config_.version == Version::kV1) return Error::kInvalidState;
  if (payload.size() > max_broadcast_payload()) return Error::kOversized;
  if (persist_failed_) return Error::kIo;  // counters above the stored ceiling: fail closed
  Error e = EnsureBroadcastKey(now);
  if (e != Error::kOk) return e;
  if (bcast_counter_ == UINT32_MAX) return Error::kInvalidState;  // never wrap: rotate Kb
  const uint32_t counter = ++bcast_counter_;
  if (counter >= persisted_.bcast_ceiling) {
    persisted_.bcast_ceiling = counter + config_.counter_persist_interval;
    Emit(EventKind::kPersist, Error::kOk, 0, 0, now);  // before the frame goes out
  }
  const bool hardened = config_.version == Version::kHardened;
  const bool encrypt = hardened || config_.encrypt_data;
  Message m;
  m.version = config_.version;
  m.type = MsgType::kBroadcast;
  m.flags = encrypt ? wire::kDataFlagEncrypted : 0;
  m.epoch = persisted_.epoch;
  m.counter = counter;
  m.body = payload;
  std::array<uint8_t, wire::kMaxBroadcastPayload> buf{};
  Result<size_t> n = wire::Encode(m, config_.wire, buf);
  if (!n.ok()) return n.error();
  const size_t sig = hardened ? wire::kSignatureSize : 0;
  const size_t tag = wire::TagSize(m.version, m.type, config_.wire);
  const size_t body_off = *n - sig - tag - payload.size();
  FrameAddress fa{Direction::kBroadcast, id_.uid, wire::kBroadcastUid};
  e = ProtectMessage(crypto_, bcast_keys_, config_.version, fa, counter, encrypt,
                     MutableByteSpan(buf.data(), *n), body_off, payload.size(), tag);
  if (e != Error::kOk) return e;
  if (hardened) {
    e = SignBroadcast(crypto_, id_.sign_priv, config_.pan_id, id_.uid,
                      ByteSpan(buf.data(), *n - sig), MutableByteSpan(buf.data() + *n - sig, sig));
    if (e != Error::kOk) return e;
  }
  return QueuePayload(ByteSpan(buf.data(), *n), wire::kBroadcastUid, 0);
}

Error CoordinatorCore::SendKeyUpdate(uint64_t uid, Session& s, TimeUs now) {
  (void)now;
  std::array<uint8_t, wire::kKeyBlockSize> block{};
  block[0] = persisted_.epoch;
  std::memcpy(block.data() + 1, persisted_.kb.data(), wire::kKbSize);
  Message m;
  m.version = config_.version;
  m.type = MsgType::kKeyUpdate;
  m.flags = wire::kDataFlagEncrypted;
  if (s.tx_counter == UINT32_MAX) return Error::kInvalidState;  // never wrap: re-associate
  m.counter = ++s.tx_counter;
  m.body = block;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  Result<size_t> n = wire::Encode(m, config_.wire, buf);
  Error e = n.ok() ? Error::kOk : n.error();
  if (e == Error::kOk) {
    const size_t tag = config_.wire.data_tag_size;
    FrameAddress fa{Direction::kCpanToDevice, id_.uid, uid};
    e = ProtectMessage(crypto_, s.keys, config_.version, fa, m.counter, true,
                       MutableByteSpan(buf.data(), *n), *n - tag - wire::kKeyBlockSize,
                       wire::kKeyBlockSize, tag);
  }
  SecureZero(block.data(), block.size());
  if (e != Error::kOk) return e;
  return QueuePayload(ByteSpan(buf.data(), *n), uid, s.info.link);
}

Error CoordinatorCore::Revoke(uint64_t uid, TimeUs now) {
  Unprepare(uid);
  EndSession(uid, Error::kBlocked, now);
  EndAttempt(uid, now);
  if (config_.version == Version::kV1) return Error::kOk;
  return RotateBroadcastKey(now);  // the revoked device knows the old Kb
}

Error CoordinatorCore::RotateBroadcastKey(TimeUs now) {
  if (config_.version == Version::kV1) return Error::kInvalidState;
  Error e = random_.Fill(persisted_.kb);
  if (e != Error::kOk) return e;
  persisted_.has_kb = true;
  persisted_.epoch = static_cast<uint8_t>(persisted_.epoch + 1 == 0 ? 1 : persisted_.epoch + 1);
  persisted_.bcast_ceiling = 0;
  bcast_counter_ = 0;
  bcast_keys_.Release(crypto_);
  e = DeriveBroadcastKeys(crypto_, persisted_.kb, &bcast_keys_);
  if (e != Error::kOk) return e;
  Emit(EventKind::kPersist, Error::kOk, 0, 0, now);
  key_update_owed_ = true;
  return SendKeyUpdates(now);
}

Error CoordinatorCore::SendKeyUpdates(TimeUs now) {
  std::vector<uint64_t> uids;
  for (auto& [u, s] : sessions_)
    if (s.info.authenticated) uids.push_back(u);
  std::sort(uids.begin(), uids.end());
  for (uint64_t u : uids) {
    Error e = SendKeyUpdate(u, sessions_[u], now);
    if (e != Error::kOk) return e;
  }
  return Error::kOk;
}

void CoordinatorCore::PersistFailed(TimeUs now) {
  (void)now;
  persist_failed_ = true;
  // Everything queued since the kPersist may depend on the unwritten state (a counter
  // above the stored ceiling, a Kb the disk does not hold): none of it leaves.
  while (!tx_.empty()) tx_.pop_front();
}

void CoordinatorCore::Persisted(TimeUs now) {
  const bool resend = persist_failed_ && key_update_owed_;
  persist_failed_ = false;
  key_update_owed_ = false;
  if (resend) SendKeyUpdates(now);  // the ones PersistFailed dropped
}

}  // namespace vigil
