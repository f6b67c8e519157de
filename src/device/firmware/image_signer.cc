#include "device/firmware/image_signer.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>

#include "device/firmware/image_format.h"

namespace vigil::firmware {
namespace {

void AppendTlv(std::vector<uint8_t>* out, uint16_t type, ByteSpan value) {
  std::array<uint8_t, kTlvHeaderSize> h{};
  ByteWriter w(h);
  w.U16Le(type);
  w.U16Le(static_cast<uint16_t>(value.size()));
  out->insert(out->end(), h.begin(), h.end());
  out->insert(out->end(), value.begin(), value.end());
}

void AppendInfo(std::vector<uint8_t>* out, uint16_t magic, size_t total) {
  std::array<uint8_t, kTlvInfoSize> h{};
  ByteWriter w(h);
  w.U16Le(magic);
  w.U16Le(static_cast<uint16_t>(total));
  out->insert(out->end(), h.begin(), h.end());
}

Error Fail(std::string* why, std::string message) {
  if (why != nullptr) *why = std::move(message);
  return Error::kInvalidArgument;
}

}  // namespace

Error SignImage(ByteSpan binary, const SignOptions& o, const SigningKey* key,
                std::vector<uint8_t>* out, std::string* why) {
  if (o.header_size < kImageHeaderSize)
    return Fail(why, "header size " + std::to_string(o.header_size) + " is below the " +
                         std::to_string(kImageHeaderSize) + "-byte image header");
  std::vector<uint8_t> img;
  if (o.pad_header) {
    img.assign(o.header_size, kHeaderPadByte);
  } else {
    if (binary.size() < o.header_size ||
        !std::all_of(binary.begin(), binary.begin() + o.header_size,
                     [](uint8_t b) { return b == 0; }))
      return Fail(why, "the binary does not start with " + std::to_string(o.header_size) +
                           " zero bytes for the header: build it with room for the header, "
                           "or ask for header padding");
    binary = binary.subspan(o.header_size);
    img.assign(o.header_size, 0);
  }
  const size_t prot_size =
      o.security_counter ? kTlvInfoSize + kTlvHeaderSize + kSecurityCounterSize : 0;
  const size_t tlv_size =
      kTlvInfoSize + kTlvHeaderSize + kSha256Size +
      (key != nullptr ? 2 * kTlvHeaderSize + kSha256Size + kEd25519SignatureSize : 0);
  if (binary.size() > UINT32_MAX ||
      o.header_size + binary.size() + prot_size + tlv_size > o.max_image_size)
    return Fail(why,
                "the image would be larger than " + std::to_string(o.max_image_size) + " bytes");
  ImageHeader h;
  h.load_addr = o.load_addr;
  h.hdr_size = o.header_size;
  h.protect_tlv_size = static_cast<uint16_t>(prot_size);
  h.img_size = static_cast<uint32_t>(binary.size());
  h.version = o.version;
  EncodeHeader(h, img);
  img.reserve(img.size() + binary.size() + prot_size + tlv_size);
  img.insert(img.end(), binary.begin(), binary.end());
  if (o.security_counter) {
    AppendInfo(&img, kProtTlvInfoMagic, prot_size);
    std::array<uint8_t, kSecurityCounterSize> c{};
    ByteWriter w(c);
    w.U32Le(*o.security_counter);
    AppendTlv(&img, kTlvSecurityCounter, c);
  }
  std::array<uint8_t, kSha256Size> hash{};
  SHA256(img.data(), img.size(), hash.data());
  AppendInfo(&img, kTlvInfoMagic, tlv_size);
  AppendTlv(&img, kTlvSha256, hash);
  if (key != nullptr) {
    AppendTlv(&img, kTlvKeyHash, key->public_key().KeyHash());
    std::array<uint8_t, kEd25519SignatureSize> sig{};
    if (key->Sign(hash, &sig) != Error::kOk) {
      if (why != nullptr) *why = "Ed25519 signing failed";
      return Error::kCrypto;
    }
    AppendTlv(&img, kTlvEd25519, sig);
  }
  *out = std::move(img);
  return Error::kOk;
}

}  // namespace vigil::firmware
