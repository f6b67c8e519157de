#include "sim/host_profile.h"

#include <array>
#include <chrono>

#include "connection/crypto/openssl_provider.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil::sim {
namespace {

template <typename Fn>
double NsPerCall(int n, Fn&& fn) {
  fn();  // warm up
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) fn();
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
         n;
}

}  // namespace

DeviceProfile MeasureHostProfile() {
  OpenSslCrypto c;
  PrimitiveCostsNs costs;
  std::array<uint8_t, 32> key{}, out{};
  std::array<uint8_t, 183> msg{};  // 3 + ceil((183 + 9) / 64) = 6 compressions
  const double hmac = NsPerCall(20000, [&] { HmacSha256(c, key, {ByteSpan(msg)}, out); });
  costs.sha256_block = hmac / static_cast<double>(HmacSha256Blocks(msg.size()));
  KeyHandle h;
  c.AeadImport(ByteSpan(key.data(), 16), &h);
  std::array<uint8_t, 13> nonce{};
  std::array<uint8_t, 20> aad{};
  std::array<uint8_t, 64> plain{}, cipher{};
  std::array<uint8_t, 8> tag{};
  const double ccm = NsPerCall(20000, [&] { c.AeadSeal(h, nonce, aad, plain, cipher, tag); });
  costs.aes128_block = ccm / static_cast<double>(AesCcmBlocks(plain.size(), aad.size()));
  c.Release(&h);
  std::array<uint8_t, 32> priv{}, pub{};
  priv[0] = 1;
  c.Ed25519PublicFromPrivate(priv, pub);
  std::array<uint8_t, 64> sig{};
  costs.ed25519_sign = NsPerCall(500, [&] { c.Ed25519Sign(priv, msg, sig); });
  costs.ed25519_verify = NsPerCall(500, [&] { c.Ed25519Verify(pub, msg, sig); });
  // Per-message overhead: decoding a data frame's MAC header and message.
  wire::MacFrame f;
  f.pan_id = wire::kDefaultPanId;
  f.dst = 1;
  f.src = 2;
  std::array<uint8_t, 40> payload{};
  payload[0] = wire::Header(wire::Version::kHardened, wire::MsgType::kData);
  payload[1] = wire::kDataFlagEncrypted;
  f.payload = payload;
  std::array<uint8_t, wire::kMaxPhyPayload> frame{};
  const size_t n = *wire::EncodeMacFrame(f, frame);
  costs.message_overhead = NsPerCall(200000, [&] {
    Result<wire::MacFrame> m = wire::DecodeMacFrame(ByteSpan(frame.data(), n));
    if (m.ok()) (void)wire::Decode(m->payload, wire::WireParams{});
  });
  return DeviceProfile("host (measured)", costs);
}

}  // namespace vigil::sim
