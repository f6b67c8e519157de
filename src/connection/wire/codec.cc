#include "connection/wire/codec.h"

namespace vigil::wire {
namespace {

bool HasBroadcastKey(Version v) { return v != Version::kV1; }
bool EchoesNd(Version v) { return v == Version::kV3Paper || v == Version::kHardened; }

}  // namespace

bool IsDefined(Version v, MsgType t) {
  switch (t) {
    case MsgType::kAssocReq:
    case MsgType::kAuthReq:
    case MsgType::kAuthResp:
    case MsgType::kAssocResp:
    case MsgType::kData:
      return true;
    case MsgType::kConfirmReq:
    case MsgType::kConfirmResp:
      return v == Version::kV3Paper || v == Version::kHardened;
    case MsgType::kBroadcast:
    case MsgType::kKeyUpdate:
      return HasBroadcastKey(v);
  }
  return false;
}

size_t TagSize(Version v, MsgType t, const WireParams& params) {
  switch (t) {
    case MsgType::kAssocReq:
      return 0;
    case MsgType::kAuthReq:
      return v == Version::kV1 ? 0 : kCpanProofSize;
    case MsgType::kAuthResp:
      return v == Version::kHardened ? kDeviceTagSize : kOtpSize;
    case MsgType::kConfirmReq:
      return v == Version::kHardened ? kCpanProofSize : 0;
    case MsgType::kConfirmResp:
      return v == Version::kHardened ? kConfirmProofSize : kR3Size;
    case MsgType::kAssocResp:
      return v == Version::kV1 ? 0 : kAssocRespTagSize;
    case MsgType::kData:
    case MsgType::kKeyUpdate:
      return params.data_tag_size;
    case MsgType::kBroadcast:
      return v == Version::kHardened ? kAssocRespTagSize : params.data_tag_size;
  }
  return 0;
}

const char* MsgTypeName(MsgType t) {
  switch (t) {
    case MsgType::kAssocReq:
      return "ASSOC_REQ";
    case MsgType::kAuthReq:
      return "AUTH_REQ";
    case MsgType::kAuthResp:
      return "AUTH_RESP";
    case MsgType::kConfirmReq:
      return "CONFIRM_REQ";
    case MsgType::kConfirmResp:
      return "CONFIRM_RESP";
    case MsgType::kAssocResp:
      return "ASSOC_RESP";
    case MsgType::kData:
      return "DATA";
    case MsgType::kBroadcast:
      return "BROADCAST";
    case MsgType::kKeyUpdate:
      return "KEY_UPDATE";
  }
  return "?";
}

const char* VersionName(Version v) {
  switch (v) {
    case Version::kV1:
      return "v1";
    case Version::kV2:
      return "v2";
    case Version::kV3Paper:
      return "v3-paper";
    case Version::kHardened:
      return "hardened";
  }
  return "?";
}

Result<Message> Decode(ByteSpan payload, const WireParams& params) {
  if (payload.size() > kMaxBroadcastPayload) return Error::kOversized;
  if (payload.empty()) return Error::kTruncated;
  if (params.data_tag_size < kMinDataTag || params.data_tag_size > kMaxDataTag)
    return Error::kInvalidArgument;
  Message m;
  const uint8_t h = payload[0];
  const uint8_t ver = h >> 4, type = h & 0x0F;
  if (ver < 1 || ver > 4) return Error::kUnknownVersion;
  if (type < 1 || type > kMaxMsgType) return Error::kUnknownType;
  m.version = static_cast<Version>(ver);
  m.type = static_cast<MsgType>(type);
  if (!IsDefined(m.version, m.type)) return Error::kUnknownType;

  ByteReader r(payload);
  r.U8();
  size_t tag_size = TagSize(m.version, m.type, params);
  size_t sig_size = 0;
  switch (m.type) {
    case MsgType::kAssocReq:
      m.flags = r.U8();
      if (m.version != Version::kV1) r.Bytes(m.nd);
      break;
    case MsgType::kAuthReq:
      if (EchoesNd(m.version)) r.Bytes(m.nd);
      r.Bytes(m.nc);
      break;
    case MsgType::kAuthResp:
      m.flags = r.U8();
      break;
    case MsgType::kConfirmReq:
      if (m.version == Version::kHardened) r.Bytes(m.ncf);
      break;
    case MsgType::kConfirmResp:
      if (m.version == Version::kHardened) m.flags = r.U8();
      break;
    case MsgType::kAssocResp: {
      const uint8_t status = r.U8();
      if (status > static_cast<uint8_t>(AssocStatus::kIntrusion)) return Error::kMalformed;
      m.status = static_cast<AssocStatus>(status);
      m.short_addr = r.U16Le();
      if (!r.ok()) return Error::kTruncated;
      // A refusal, a v1 answer and an unauthenticated association carry no key block.
      if (m.status != AssocStatus::kAccepted || m.version == Version::kV1 || r.remaining() == 0) {
        tag_size = 0;
      } else {
        m.body = r.View(kKeyBlockSize);
      }
      break;
    }
    case MsgType::kData:
      m.flags = r.U8();
      m.counter = r.U32Be();
      if (m.flags & ~(kDataFlagEncrypted | kDataFlagPlain | kDataFlagKeyConfirm))
        return Error::kMalformed;
      if ((m.flags & kDataFlagKeyConfirm) &&
          (m.version != Version::kHardened || (m.flags & kDataFlagPlain)))
        return Error::kMalformed;
      if (m.flags & kDataFlagPlain) {
        if (m.flags & kDataFlagEncrypted) return Error::kMalformed;
        tag_size = 0;
      }
      break;
    case MsgType::kBroadcast:
      m.flags = r.U8();
      m.epoch = r.U8();
      m.counter = r.U32Be();
      if (m.flags & ~kDataFlagEncrypted) return Error::kMalformed;
      if (m.version == Version::kHardened) {
        if (!(m.flags & kDataFlagEncrypted)) return Error::kMalformed;
        sig_size = kSignatureSize;
      }
      break;
    case MsgType::kKeyUpdate:
      m.flags = r.U8();
      m.counter = r.U32Be();
      if (m.flags != kDataFlagEncrypted) return Error::kMalformed;
      m.body = r.View(kKeyBlockSize);
      break;
  }
  if (!r.ok()) return Error::kTruncated;
  if (r.remaining() < tag_size + sig_size) return Error::kTruncated;
  const size_t body_size = r.remaining() - tag_size - sig_size;
  if (m.type == MsgType::kData || m.type == MsgType::kBroadcast) {
    m.body = r.View(body_size);
  } else if (body_size != 0) {
    return Error::kOversized;  // trailing bytes after a fixed-size message
  }
  m.prefix = payload.first(r.position());
  m.tag = r.View(tag_size);
  m.signature = r.View(sig_size);
  if (m.type == MsgType::kAuthResp && m.version != Version::kHardened) {
    m.otp = static_cast<uint32_t>(m.tag[0]) << 24 | static_cast<uint32_t>(m.tag[1]) << 16 |
            static_cast<uint32_t>(m.tag[2]) << 8 | m.tag[3];
  }
  if (m.type != MsgType::kBroadcast && payload.size() > kMaxUnicastPayload)
    return Error::kOversized;
  return m;
}

Result<size_t> Encode(const Message& m, const WireParams& params, MutableByteSpan out) {
  if (!IsDefined(m.version, m.type)) return Error::kInvalidArgument;
  ByteWriter w(out);
  w.U8(Header(m.version, m.type));
  size_t tag_size = TagSize(m.version, m.type, params);
  size_t sig_size = 0;
  switch (m.type) {
    case MsgType::kAssocReq:
      w.U8(m.flags);
      if (m.version != Version::kV1) w.Bytes(m.nd);
      break;
    case MsgType::kAuthReq:
      if (EchoesNd(m.version)) w.Bytes(m.nd);
      w.Bytes(m.nc);
      break;
    case MsgType::kAuthResp:
      w.U8(m.flags);
      break;
    case MsgType::kConfirmReq:
      if (m.version == Version::kHardened) w.Bytes(m.ncf);
      break;
    case MsgType::kConfirmResp:
      if (m.version == Version::kHardened) w.U8(m.flags);
      break;
    case MsgType::kAssocResp:
      w.U8(static_cast<uint8_t>(m.status));
      w.U16Le(m.short_addr);
      if (m.status != AssocStatus::kAccepted || m.version == Version::kV1 || m.body.empty()) {
        tag_size = 0;
      } else {
        if (m.body.size() != kKeyBlockSize) return Error::kInvalidArgument;
        w.Bytes(m.body);
      }
      break;
    case MsgType::kData:
      w.U8(m.flags);
      w.U32Be(m.counter);
      if (m.flags & kDataFlagPlain) tag_size = 0;
      w.Bytes(m.body);
      break;
    case MsgType::kBroadcast:
      w.U8(m.flags);
      w.U8(m.epoch);
      w.U32Be(m.counter);
      w.Bytes(m.body);
      if (m.version == Version::kHardened) sig_size = kSignatureSize;
      break;
    case MsgType::kKeyUpdate:
      if (m.body.size() != kKeyBlockSize) return Error::kInvalidArgument;
      w.U8(m.flags);
      w.U32Be(m.counter);
      w.Bytes(m.body);
      break;
  }
  w.Reserve(tag_size + sig_size);
  if (!w.ok()) return Error::kNoBufs;
  const size_t limit = m.type == MsgType::kBroadcast ? kMaxBroadcastPayload : kMaxUnicastPayload;
  if (w.size() > limit) return Error::kOversized;
  // Zero the reserved tail so that callers who forget to fill it never leak stale bytes.
  for (size_t i = w.size() - tag_size - sig_size; i < w.size(); ++i) out[i] = 0;
  return w.size();
}

}  // namespace vigil::wire
