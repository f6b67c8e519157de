// Fuzzes the MCUboot image verifier (docs/firmware.md): whatever the bytes, it must refuse
// without crashing and with one typed reason, never accept an image the fuzzer made (it
// cannot sign under the trusted key), and give the same verdict when the same bytes are
// streamed in blocks (the OTA path) as when they come whole. Input: byte 0 picks the
// block size (1..256) of the streamed run, the rest is the image.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "device/firmware/firmware_key.h"
#include "device/firmware/image_verifier.h"
#include "device/firmware/tlv_area.h"

namespace {

using namespace vigil;
using namespace vigil::firmware;

void Require(bool ok) {
  if (!ok) std::abort();
}

const PublicKey& TrustedKey() {
  static const PublicKey key = [] {
    // RFC 8032 test 1's key: the one the seed corpus images are signed with.
    const uint8_t seed[32] = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
                              0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
                              0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
    SigningKey k;
    Require(SigningKey::FromSeed(seed, &k) == Error::kOk);
    return k.public_key();
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t block = size_t{data[0]} + 1;
  const ByteSpan image(data + 1, size - 1);
  VerifyPolicy policy;
  policy.max_image_size = 1 << 20;
  const ImageVerdict whole = VerifyImage(image, &TrustedKey(), policy);
  Require(whole.error != ImageError::kCrypto);
  Require(whole.offset <= image.size());
  if (whole.ok()) {
    // Only an image signed under the trusted key passes: one of the corpus, untouched.
    Require(whole.is_signed && whole.security_counter.has_value());
  }
  ImageStreamVerifier stream(policy);
  for (size_t pos = 0; pos < image.size(); pos += block)
    stream.Update(image.subspan(pos, std::min(block, image.size() - pos)));
  const ImageVerdict streamed = stream.Finish(&TrustedKey());
  Require(streamed.error == whole.error && streamed.offset == whole.offset);
  Require(streamed.hash == whole.hash || !whole.ok());
  // The TLV area parser alone, on the raw input, as either area.
  ImageTlvs tlvs;
  size_t bad = 0;
  ParseTlvArea(image, true, 0, &tlvs, &bad);
  ParseTlvArea(image, false, 0, &tlvs, &bad);
  return 0;
}
