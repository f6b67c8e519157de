// Shared set-up of the protocol-core fuzzers.
//
// A recording is one run of the in-memory PAN (fixed seed) per configuration: three
// enrolled devices, the first two associated, every frame captured. Each fuzz input then
// starts from fresh cores brought to a chosen stage by replaying the recorded frames
// (and the recorded random draws), so that a crash reproduces from its input alone.
//
// Frames "as if from the peer" are built from the input: a valid MHR around a payload
// taken from the input, and, when asked, the payload's tag, proof, AEAD tag or signature
// recomputed with the real keys, so that the fuzzer reaches the code behind every check.
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "connection/loopback_pan.h"
#include "connection/scripted_random.h"
#include "connection/session_crypto.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil::fuzz {

// Reads the fuzz input front to back; past its end every read returns zeros.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t U8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t U16() { return static_cast<uint16_t>(U8() | U8() << 8); }
  ByteSpan Take(size_t n) {
    if (n > size_ - pos_) n = size_ - pos_;
    ByteSpan s(data_ + pos_, n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A property the code under test promised was broken: stop with a crash report.
inline void Require(bool ok) {
  if (!ok) std::abort();
}

inline CryptoProvider& Crypto() {
  static OpenSslCrypto* crypto = new OpenSslCrypto();  // lives for the whole run
  return *crypto;
}

struct Recording {
  struct Frame {
    bool from_cpan = false;
    std::vector<uint8_t> bytes;
  };
  ProtocolConfig config;
  CoordinatorIdentity identity;
  CoordinatorPersisted persisted;  // Kb after the associations
  std::vector<DeviceSecrets> devices;
  std::vector<EnrolledDevice> records;
  MemoryDirectory directory;
  std::vector<std::vector<Frame>> assoc;  // frames of the association of device i
  std::vector<Transcript> transcripts;    // of the association of device i
};

inline ProtocolConfig ConfigFromByte(uint8_t b) {
  ProtocolConfig c;
  c.version = static_cast<wire::Version>(1 + (b & 3));
  c.encrypt_data = (b & 4) == 0;
  c.wire.data_tag_size = (b & 8) ? 16 : 8;
  c.confirm = (b & 0x40) ? ConfirmPolicy::kOnAnomaly : ConfirmPolicy::kAlways;
  if (b & 0x80) {
    c.authenticate = false;
    c.allow_unauthenticated = true;
  }
  return c;
}

// The recording for a configuration byte (bits 0-3, 6, 7 of ConfigFromByte), built once.
inline const Recording& RecordingFor(uint8_t config_byte) {
  static std::map<uint8_t, std::unique_ptr<Recording>> cache;
  const uint8_t key = config_byte & 0xCF;
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  auto rec = std::make_unique<Recording>();
  rec->config = ConfigFromByte(key);
  LoopbackPan pan(rec->config, 1);
  for (int i = 0; i < 3; ++i) pan.AddDevice();
  rec->identity = pan.identity();
  for (size_t i = 0; i < 3; ++i) {
    rec->devices.push_back(pan.node(i).secrets);
    rec->records.push_back(EnrollmentRecord(pan.crypto(), pan.node(i).secrets));
    rec->directory.Put(rec->records.back());
  }
  for (size_t i = 0; i < 2; ++i) {
    std::vector<Recording::Frame> frames;
    pan.tap = [&](const OutFrame& f, size_t from) {
      frames.push_back({from == LoopbackPan::kCpan, {f.bytes.begin(), f.bytes.begin() + f.size}});
    };
    pan.node(i).core->StartAssociation(pan.now());
    pan.RunFor(kSeconds);
    Require(pan.node(i).core->state() == DeviceCore::State::kAssociated);
    Transcript t;
    t.version = rec->config.version;
    t.device_uid = rec->devices[i].uid;
    t.cpan_uid = rec->identity.uid;
    for (const Recording::Frame& f : frames) {
      auto mf = wire::DecodeMacFrame(f.bytes);
      Require(mf.ok());
      auto m = wire::Decode(mf->payload, rec->config.wire);
      Require(m.ok());
      if (m->type == wire::MsgType::kAssocReq) t.nd = m->nd;
      if (m->type == wire::MsgType::kAuthReq) t.nc = m->nc;
      if (m->type == wire::MsgType::kConfirmReq) t.ncf = m->ncf;
    }
    rec->assoc.push_back(std::move(frames));
    rec->transcripts.push_back(t);
  }
  rec->persisted = pan.coordinator().persisted();
  return *(cache[key] = std::move(rec));
}

// The association secret of a device in a version (R1 for the paper versions, Kd hardened).
inline ByteSpan AssocSecret(const Recording& r, size_t i) {
  return r.config.version == wire::Version::kHardened ? ByteSpan(r.records[i].kd)
                                                      : ByteSpan(r.records[i].r1);
}

// Wraps `payload` in an MHR of this PAN; `out` receives the MPDU.
inline size_t Wrap(const Recording& r, uint8_t seq, uint64_t src, uint64_t dst, ByteSpan payload,
                   OutFrame* out) {
  wire::MacFrame mf;
  mf.ack_request = dst != wire::kBroadcastUid;
  mf.seq = seq;
  mf.pan_id = r.config.pan_id;
  mf.src = src;
  mf.dst = dst;
  mf.payload = payload;
  auto n = wire::EncodeMacFrame(mf, out->bytes);
  out->size = n.ok() ? static_cast<uint8_t>(*n) : 0;
  return out->size;
}

// Recomputes the trailing authenticator of an encoded message in place, with the keys
// the genuine sender would use: `t` is the transcript of the current association (its
// nonces are overridden by the ones the message itself carries), `secret` the
// association secret, `r3` the common-function value. Messages that do not decode, or
// that carry no authenticator, are left as they are.
inline void FixTag(const Recording& r, const Transcript& t_in, ByteSpan secret, ByteSpan r3,
                   const FrameAddress& a, MutableByteSpan msg) {
  CryptoProvider& c = Crypto();
  auto m = wire::Decode(msg, r.config.wire);
  if (!m.ok()) return;
  Transcript t = t_in;
  if (m->type == wire::MsgType::kAuthReq) {
    t.nc = m->nc;
    if (UsesConfirmation(t.version)) t.nd = m->nd;
  }
  if (m->type == wire::MsgType::kConfirmReq) t.ncf = m->ncf;
  const size_t prefix = m->prefix.size();
  const size_t tag = m->tag.size();
  MutableByteSpan tag_out = msg.subspan(prefix, tag);
  const size_t body_off = prefix - m->body.size();
  const size_t body_len = m->body.size();
  SessionKeys keys;
  switch (m->type) {
    case wire::MsgType::kAssocReq:
      break;
    case wire::MsgType::kAuthReq:
      if (tag != 0) CpanProof(c, secret, t, m->prefix, tag_out);
      break;
    case wire::MsgType::kAuthResp:
      DeviceAnswer(c, secret, t, m->prefix, tag_out);
      break;
    case wire::MsgType::kConfirmReq:
      if (tag != 0) ConfirmRequestTag(c, secret, t, m->prefix, tag_out);
      break;
    case wire::MsgType::kConfirmResp:
      ConfirmAnswer(c, r3, t, m->prefix, tag_out);
      break;
    case wire::MsgType::kAssocResp:
    case wire::MsgType::kData:
    case wire::MsgType::kKeyUpdate:
      if (tag == 0) break;
      if (DeriveSessionKeys(c, secret, t, &keys) == Error::kOk) {
        const bool enc = m->type != wire::MsgType::kData || (m->flags & wire::kDataFlagEncrypted);
        const uint32_t counter = m->type == wire::MsgType::kAssocResp ? 0 : m->counter;
        ProtectMessage(c, keys, t.version, a, counter, enc, msg, body_off, body_len, tag);
      }
      break;
    case wire::MsgType::kBroadcast: {
      if (!r.persisted.has_kb) break;
      if (DeriveBroadcastKeys(c, r.persisted.kb, &keys) != Error::kOk) break;
      const FrameAddress b{wire::Direction::kBroadcast, r.identity.uid, wire::kBroadcastUid};
      ProtectMessage(c, keys, t.version, b, m->counter, (m->flags & wire::kDataFlagEncrypted) != 0,
                     msg, body_off, body_len, tag);
      const size_t sig = m->signature.size();
      if (sig != 0) {
        SignBroadcast(c, r.identity.sign_priv, r.config.pan_id, r.identity.uid,
                      msg.first(prefix + tag), msg.subspan(prefix + tag, sig));
      }
      break;
    }
  }
  keys.Release(c);
}

// Every frame a core hands to its driver must be a well-formed frame of its own version.
inline void RequireWellFormed(const Recording& r, const OutFrame& f) {
  auto mf = wire::DecodeMacFrame(f.span());
  Require(mf.ok());
  Require(mf->pan_id == r.config.pan_id);
  auto m = wire::Decode(mf->payload, r.config.wire);
  Require(m.ok());
  Require(m->version == r.config.version);
}

}  // namespace vigil::fuzz
