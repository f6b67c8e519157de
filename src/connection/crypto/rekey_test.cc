// Re-keying a handle in place (MacRekey, AeadRekey): the handle computes with the new key
// only, exactly as a fresh import of it would, for every tag length it had been used with,
// and an invalid handle is simply imported. What the association path relies on when it
// hands an old session's handles (or a device's R3) over to the next ones.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

std::array<uint8_t, 32> Key32(uint8_t v) {
  std::array<uint8_t, 32> k{};
  k.fill(v);
  return k;
}
std::array<uint8_t, 16> Key16(uint8_t v) {
  std::array<uint8_t, 16> k{};
  k.fill(v);
  return k;
}

std::array<uint8_t, 32> Mac(CryptoProvider& c, KeyHandle h) {
  const uint8_t msg[] = "vigil/rekey";
  const ByteSpan parts[] = {ByteSpan(msg, sizeof msg)};
  std::array<uint8_t, 32> out{};
  EXPECT_EQ(c.MacCompute(h, parts, out), Error::kOk);
  return out;
}

TEST(Rekey, RekeyedMacComputesWithTheNewKeyOnly) {
  OpenSslCrypto c;
  KeyHandle old_key, fresh;
  ASSERT_EQ(c.MacImport(Key32(1), &old_key), Error::kOk);
  const auto under_old = Mac(c, old_key);  // keyed (not lazy) before the re-key
  ASSERT_EQ(c.MacImport(Key32(2), &fresh), Error::kOk);
  const KeyHandle before = old_key;
  ASSERT_EQ(c.MacRekey(&old_key, Key32(2)), Error::kOk);
  EXPECT_EQ(old_key.id, before.id) << "the handle stays the same";
  EXPECT_EQ(Mac(c, old_key), Mac(c, fresh));
  EXPECT_NE(Mac(c, old_key), under_old);
  // A handle never used yet (its key set lazily) re-keys too.
  KeyHandle lazy;
  ASSERT_EQ(c.MacImport(Key32(3), &lazy), Error::kOk);
  ASSERT_EQ(c.MacRekey(&lazy, Key32(2)), Error::kOk);
  EXPECT_EQ(Mac(c, lazy), Mac(c, fresh));
  c.Release(&old_key);
  c.Release(&fresh);
  c.Release(&lazy);
}

TEST(Rekey, RekeyOfAnInvalidHandleImports) {
  OpenSslCrypto c;
  KeyHandle none, fresh;
  ASSERT_EQ(c.MacRekey(&none, Key32(4)), Error::kOk);
  ASSERT_EQ(c.MacImport(Key32(4), &fresh), Error::kOk);
  EXPECT_EQ(Mac(c, none), Mac(c, fresh));
  KeyHandle aead;
  ASSERT_EQ(c.AeadRekey(&aead, Key16(4)), Error::kOk);
  EXPECT_TRUE(aead.valid());
  EXPECT_EQ(c.MacRekey(nullptr, Key32(4)), Error::kInvalidArgument);
}

// Every context the handle holds (one per direction and tag length) takes the new key.
TEST(Rekey, RekeyedAeadOpensOnlyWhatTheNewKeySealedForEveryTagLength) {
  OpenSslCrypto c;
  KeyHandle h, fresh;
  ASSERT_EQ(c.AeadImport(Key16(5), &h), Error::kOk);
  const std::array<uint8_t, 13> nonce{1, 2, 3};
  const std::array<uint8_t, 9> plain{'h', 'r', '=', '7', '2'};
  std::array<uint8_t, 9> cipher{}, back{};
  for (size_t tag : {4u, 8u, 16u}) {  // use several tag lengths under the old key
    std::vector<uint8_t> t(tag);
    ASSERT_EQ(c.AeadSeal(h, nonce, {}, plain, cipher, t), Error::kOk);
    ASSERT_EQ(c.AeadOpen(h, nonce, {}, cipher, t, back), Error::kOk);
  }
  ASSERT_EQ(c.AeadRekey(&h, Key16(6)), Error::kOk);
  ASSERT_EQ(c.AeadImport(Key16(6), &fresh), Error::kOk);
  for (size_t tag : {4u, 8u, 16u}) {
    std::vector<uint8_t> t(tag), t2(tag);
    std::array<uint8_t, 9> c2{};
    ASSERT_EQ(c.AeadSeal(h, nonce, {}, plain, cipher, t), Error::kOk);
    ASSERT_EQ(c.AeadSeal(fresh, nonce, {}, plain, c2, t2), Error::kOk);
    EXPECT_EQ(cipher, c2) << "tag " << tag;
    EXPECT_EQ(t, t2) << "tag " << tag;
    EXPECT_EQ(c.AeadOpen(h, nonce, {}, c2, t2, back), Error::kOk);
    EXPECT_EQ(back, plain);
  }
  // What the old key sealed no longer opens.
  KeyHandle old_key;
  ASSERT_EQ(c.AeadImport(Key16(5), &old_key), Error::kOk);
  std::array<uint8_t, 8> t{};
  ASSERT_EQ(c.AeadSeal(old_key, nonce, {}, plain, cipher, t), Error::kOk);
  EXPECT_EQ(c.AeadOpen(h, nonce, {}, cipher, t, back), Error::kBadTag);
  c.Release(&h);
  c.Release(&fresh);
  c.Release(&old_key);
}

}  // namespace
}  // namespace vigil
