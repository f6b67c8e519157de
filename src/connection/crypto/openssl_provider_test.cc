#include "connection/crypto/openssl_provider.h"

#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/hex.h"

namespace vigil {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes H(std::string_view hex) {
  std::optional<Bytes> b = FromHex(hex);
  EXPECT_TRUE(b.has_value()) << "bad hex in a test vector: " << hex;
  return b.value_or(Bytes{});
}
Bytes S(std::string_view text) { return Bytes(text.begin(), text.end()); }
Bytes Repeat(uint8_t v, size_t n) { return Bytes(n, v); }

// OpenSSL heap calls, counted from before the first OpenSSL call of this binary (the
// hooks can only be installed then). If something allocated through OpenSSL earlier,
// installation fails and the allocation tests skip themselves.
long g_openssl_allocs = 0;
void* CountingMalloc(size_t n, const char*, int) {
  ++g_openssl_allocs;
  return std::malloc(n);
}
void* CountingRealloc(void* p, size_t n, const char*, int) {
  ++g_openssl_allocs;
  return std::realloc(p, n);
}
void CountingFree(void* p, const char*, int) { std::free(p); }
const bool g_alloc_hooks_installed =
    CRYPTO_set_mem_functions(CountingMalloc, CountingRealloc, CountingFree) == 1;

// ---- RFC 4231, section 4: HMAC-SHA-256 test cases 1-7 --------------------------------

struct HmacVector {
  const char* name;
  Bytes key;
  Bytes data;
  Bytes mac;  // test case 5 is specified truncated to 128 bits
};

std::vector<HmacVector> Rfc4231Vectors() {
  return {
      {"4.2 Test Case 1", Repeat(0x0b, 20), S("Hi There"),
       H("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")},
      {"4.3 Test Case 2", S("Jefe"), S("what do ya want for nothing?"),
       H("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")},
      {"4.4 Test Case 3", Repeat(0xaa, 20), Repeat(0xdd, 50),
       H("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")},
      {"4.5 Test Case 4", H("0102030405060708090a0b0c0d0e0f10111213141516171819"), Repeat(0xcd, 50),
       H("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")},
      {"4.6 Test Case 5", Repeat(0x0c, 20), S("Test With Truncation"),
       H("a3b6167473100ee06e0c796c2955552b")},
      {"4.7 Test Case 6", Repeat(0xaa, 131),
       S("Test Using Larger Than Block-Size Key - Hash Key First"),
       H("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")},
      {"4.8 Test Case 7", Repeat(0xaa, 131),
       S("This is a test using a larger than block-size key and a larger than block-size "
         "data. The key needs to be hashed before being used by the HMAC algorithm."),
       H("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")},
  };
}

TEST(HmacSha256Rfc4231, OneShotMatchesEveryTestCase) {
  OpenSslCrypto c;
  for (const HmacVector& v : Rfc4231Vectors()) {
    Bytes out(v.mac.size());
    const ByteSpan parts[] = {v.data};
    ASSERT_EQ(c.Hmac(HashAlg::kSha256, v.key, parts, out), Error::kOk) << v.name;
    EXPECT_EQ(ToHex(out), ToHex(v.mac)) << v.name;
  }
}

TEST(HmacSha256Rfc4231, PreparedKeyMatchesEveryTestCaseOnRepeatedUse) {
  OpenSslCrypto c;
  for (const HmacVector& v : Rfc4231Vectors()) {
    KeyHandle h;
    ASSERT_EQ(c.MacImport(v.key, &h), Error::kOk) << v.name;
    // Three rounds: a context that is not reset between calls fails the second one.
    for (int round = 0; round < 3; ++round) {
      Bytes out(v.mac.size());
      const ByteSpan parts[] = {v.data};
      ASSERT_EQ(c.MacCompute(h, parts, out), Error::kOk) << v.name;
      EXPECT_EQ(ToHex(out), ToHex(v.mac)) << v.name << " round " << round;
    }
    c.Release(&h);
    EXPECT_FALSE(h.valid());
  }
}

TEST(HmacSha256, PartsAreConcatenated) {
  OpenSslCrypto c;
  const HmacVector v = Rfc4231Vectors()[1];
  ByteSpan data(v.data);
  const ByteSpan parts[] = {data.first(4), ByteSpan(), data.subspan(4)};
  Bytes one_shot(32), prepared(32);
  ASSERT_EQ(c.Hmac(HashAlg::kSha256, v.key, parts, one_shot), Error::kOk);
  KeyHandle h;
  ASSERT_EQ(c.MacImport(v.key, &h), Error::kOk);
  ASSERT_EQ(c.MacCompute(h, parts, prepared), Error::kOk);
  EXPECT_EQ(ToHex(one_shot), ToHex(v.mac));
  EXPECT_EQ(ToHex(prepared), ToHex(v.mac));
}

// Parts are gathered into one update when they fit 256 bytes and fed one by one when
// they do not: both sides of that boundary give the MAC of the concatenation (the RFC
// 4231 message of test case 7, 152 bytes, repeated and cut into uneven parts).
TEST(HmacSha256, PartsAcrossTheGatherBoundaryAreConcatenated) {
  OpenSslCrypto c;
  const HmacVector v = Rfc4231Vectors()[6];
  Bytes long_msg;
  for (int i = 0; i < 3; ++i) long_msg.insert(long_msg.end(), v.data.begin(), v.data.end());
  KeyHandle h;
  ASSERT_EQ(c.MacImport(v.key, &h), Error::kOk);
  for (size_t total : {size_t{0}, size_t{1}, size_t{255}, size_t{256}, size_t{257}, size_t{456}}) {
    const ByteSpan msg = ByteSpan(long_msg).first(total);
    const ByteSpan whole[] = {msg};
    Bytes expect(32);
    ASSERT_EQ(c.Hmac(HashAlg::kSha256, v.key, whole, expect), Error::kOk);
    const size_t a = total / 3, b = total / 2;
    const ByteSpan parts[] = {msg.first(a), ByteSpan(), msg.subspan(a, b - a), msg.subspan(b)};
    Bytes one_shot(32), prepared(32);
    ASSERT_EQ(c.Hmac(HashAlg::kSha256, v.key, parts, one_shot), Error::kOk);
    ASSERT_EQ(c.MacCompute(h, parts, prepared), Error::kOk);
    EXPECT_EQ(ToHex(one_shot), ToHex(expect)) << total;
    EXPECT_EQ(ToHex(prepared), ToHex(expect)) << total;
  }
  // The 152-byte message alone is RFC 4231 test case 7 itself.
  const ByteSpan rfc[] = {ByteSpan(long_msg).first(76), ByteSpan(long_msg).subspan(76, 76)};
  Bytes out(32);
  ASSERT_EQ(c.MacCompute(h, rfc, out), Error::kOk);
  EXPECT_EQ(ToHex(out), ToHex(v.mac));
  c.Release(&h);
}

// EVP_MAC_init with a NULL key means "keep the previous key": an empty key must not
// silently reuse the key of the previous call.
TEST(HmacSha256, EmptyKeyDoesNotReuseThePreviousKey) {
  OpenSslCrypto c;
  Bytes out(32);
  const Bytes msg;
  const ByteSpan parts[] = {msg};
  ASSERT_EQ(c.Hmac(HashAlg::kSha256, Repeat(0x0b, 20), parts, out), Error::kOk);
  ASSERT_EQ(c.Hmac(HashAlg::kSha256, ByteSpan(), parts, out), Error::kOk);
  // HMAC-SHA256(key = "", message = "").
  EXPECT_EQ(ToHex(out), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  KeyHandle h;
  ASSERT_EQ(c.MacImport(ByteSpan(), &h), Error::kOk);
  ASSERT_EQ(c.MacCompute(h, parts, out), Error::kOk);
  EXPECT_EQ(ToHex(out), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacSha256, InterleavedPreparedKeysKeepTheirOwnKey) {
  OpenSslCrypto c;
  const std::vector<HmacVector> vs = Rfc4231Vectors();
  KeyHandle h1, h2;
  ASSERT_EQ(c.MacImport(vs[0].key, &h1), Error::kOk);
  ASSERT_EQ(c.MacImport(vs[1].key, &h2), Error::kOk);
  Bytes o1(32), o2(32);
  const ByteSpan p1[] = {vs[0].data};
  const ByteSpan p2[] = {vs[1].data};
  ASSERT_EQ(c.MacCompute(h1, p1, o1), Error::kOk);
  ASSERT_EQ(c.MacCompute(h2, p2, o2), Error::kOk);
  EXPECT_EQ(ToHex(o1), ToHex(vs[0].mac));
  EXPECT_EQ(ToHex(o2), ToHex(vs[1].mac));
}

TEST(HmacSha256, OutputSizeOutsideOneToHashSizeIsRefused) {
  OpenSslCrypto c;
  const Bytes key = Repeat(1, 16), msg = Repeat(2, 8);
  const ByteSpan parts[] = {msg};
  Bytes empty, big(33), sha1_big(21);
  EXPECT_EQ(c.Hmac(HashAlg::kSha256, key, parts, empty), Error::kInvalidArgument);
  EXPECT_EQ(c.Hmac(HashAlg::kSha256, key, parts, big), Error::kInvalidArgument);
  EXPECT_EQ(c.Hmac(HashAlg::kSha1, key, parts, sha1_big), Error::kInvalidArgument);
  KeyHandle h;
  ASSERT_EQ(c.MacImport(key, &h), Error::kOk);
  EXPECT_EQ(c.MacCompute(h, parts, empty), Error::kInvalidArgument);
  EXPECT_EQ(c.MacCompute(h, parts, big), Error::kInvalidArgument);
}

// RFC 2202 test case 2 (HMAC-SHA-1): the SHA-1 path exists for RFC 4226 only.
TEST(HmacSha1Rfc2202, TestCase2) {
  OpenSslCrypto c;
  const Bytes key = S("Jefe"), msg = S("what do ya want for nothing?");
  const ByteSpan parts[] = {msg};
  Bytes out(20);
  ASSERT_EQ(c.Hmac(HashAlg::kSha1, key, parts, out), Error::kOk);
  EXPECT_EQ(ToHex(out), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

// ---- RFC 3610, section 8: AES-128-CCM packet vectors (M = 8, L = 2) -------------------

struct CcmVector {
  const char* name;
  Bytes nonce;
  Bytes aad;
  Bytes plain;
  Bytes cipher;
  Bytes tag;
};

const Bytes kRfc3610Key = H("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");

std::vector<CcmVector> Rfc3610Vectors() {
  return {
      {"Packet Vector #1", H("00000003020100a0a1a2a3a4a5"), H("0001020304050607"),
       H("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e"),
       H("588c979a61c663d2f066d0c2c0f989806d5f6b61dac384"), H("17e8d12cfdf926e0")},
      {"Packet Vector #2", H("00000004030201a0a1a2a3a4a5"), H("0001020304050607"),
       H("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
       H("72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b"), H("a091d56e10400916")},
      {"Packet Vector #3", H("00000005040302a0a1a2a3a4a5"), H("0001020304050607"),
       H("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"),
       H("51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da859657"), H("4adaa76fbd9fb0c5")},
  };
}

TEST(AesCcmRfc3610, SealProducesCiphertextAndTag) {
  OpenSslCrypto c;
  KeyHandle h;
  ASSERT_EQ(c.AeadImport(kRfc3610Key, &h), Error::kOk);
  for (const CcmVector& v : Rfc3610Vectors()) {
    Bytes cipher(v.plain.size()), tag(8);
    ASSERT_EQ(c.AeadSeal(h, v.nonce, v.aad, v.plain, cipher, tag), Error::kOk) << v.name;
    EXPECT_EQ(ToHex(cipher), ToHex(v.cipher)) << v.name;
    EXPECT_EQ(ToHex(tag), ToHex(v.tag)) << v.name;
  }
}

TEST(AesCcmRfc3610, OpenRecoversPlaintext) {
  OpenSslCrypto c;
  KeyHandle h;
  ASSERT_EQ(c.AeadImport(kRfc3610Key, &h), Error::kOk);
  for (const CcmVector& v : Rfc3610Vectors()) {
    Bytes plain(v.cipher.size());
    ASSERT_EQ(c.AeadOpen(h, v.nonce, v.aad, v.cipher, v.tag, plain), Error::kOk) << v.name;
    EXPECT_EQ(ToHex(plain), ToHex(v.plain)) << v.name;
  }
}

// One flipped bit anywhere the tag covers must be refused, and nothing of the forged
// plaintext may be left in the caller's buffer.
TEST(AesCcmRfc3610, FlippedBitIsBadTagWithZeroedOutput) {
  OpenSslCrypto c;
  KeyHandle h;
  ASSERT_EQ(c.AeadImport(kRfc3610Key, &h), Error::kOk);
  for (const CcmVector& v : Rfc3610Vectors()) {
    for (int where = 0; where < 4; ++where) {
      Bytes nonce = v.nonce, aad = v.aad, cipher = v.cipher, tag = v.tag;
      const char* what = "";
      switch (where) {
        case 0:
          cipher[3] ^= 0x01;
          what = "ciphertext";
          break;
        case 1:
          tag[7] ^= 0x80;
          what = "tag";
          break;
        case 2:
          aad[0] ^= 0x10;
          what = "aad";
          break;
        case 3:
          nonce[12] ^= 0x01;
          what = "nonce";
          break;
      }
      Bytes plain(cipher.size(), 0xee);
      EXPECT_EQ(c.AeadOpen(h, nonce, aad, cipher, tag, plain), Error::kBadTag)
          << v.name << ", flipped " << what;
      EXPECT_EQ(plain, Bytes(plain.size(), 0)) << v.name << ", flipped " << what;
    }
    // The context must still work after a failure.
    Bytes plain(v.cipher.size());
    EXPECT_EQ(c.AeadOpen(h, v.nonce, v.aad, v.cipher, v.tag, plain), Error::kOk) << v.name;
  }
}

// RFC 3610 Packet Vector #7 has M = 10: the key was prepared once (at the default
// length), so this catches a tag length that is baked in at import.
TEST(AesCcmRfc3610, TagLengthChosenPerCallPacketVector7) {
  OpenSslCrypto c;
  KeyHandle h;
  ASSERT_EQ(c.AeadImport(kRfc3610Key, &h), Error::kOk);
  const Bytes nonce = H("00000009080706a0a1a2a3a4a5"), aad = H("0001020304050607");
  const Bytes plain = H("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");
  Bytes cipher(plain.size()), tag(10);
  ASSERT_EQ(c.AeadSeal(h, nonce, aad, plain, cipher, tag), Error::kOk);
  EXPECT_EQ(ToHex(cipher), "0135d1b2c95f41d5d1d4fec185d166b8094e999dfed96c");
  EXPECT_EQ(ToHex(tag), "048c56602c97acbb7490");
  Bytes back(plain.size());
  ASSERT_EQ(c.AeadOpen(h, nonce, aad, cipher, tag, back), Error::kOk);
  EXPECT_EQ(back, plain);
}

TEST(AesCcm, EveryAllowedTagSizeRoundTrips) {
  OpenSslCrypto c;
  KeyHandle h;
  ASSERT_EQ(c.AeadImport(kRfc3610Key, &h), Error::kOk);
  const Bytes nonce = Repeat(7, 13), aad = S("hdr"), plain = Repeat(0x42, 64);
  for (size_t m = 4; m <= 16; m += 2) {
    Bytes cipher(plain.size()), tag(m), back(plain.size());
    ASSERT_EQ(c.AeadSeal(h, nonce, aad, plain, cipher, tag), Error::kOk) << m;
    ASSERT_EQ(c.AeadOpen(h, nonce, aad, cipher, tag, back), Error::kOk) << m;
    EXPECT_EQ(back, plain) << m;
    // A tag of one length must not verify as a tag of another.
    if (m > 4) {
      Bytes shorter(tag.begin(), tag.end() - 2);
      EXPECT_EQ(c.AeadOpen(h, nonce, aad, cipher, shorter, back), Error::kBadTag) << m;
    }
  }
}

TEST(AesCcm, EmptyPlaintextStillAuthenticatesAad) {
  OpenSslCrypto c;
  KeyHandle h;
  ASSERT_EQ(c.AeadImport(kRfc3610Key, &h), Error::kOk);
  const Bytes nonce = Repeat(1, 13), empty;
  Bytes aad = S("beacon");
  Bytes tag(8);
  Bytes none;
  ASSERT_EQ(c.AeadSeal(h, nonce, aad, empty, none, tag), Error::kOk);
  EXPECT_NE(tag, Bytes(8, 0));
  EXPECT_EQ(c.AeadOpen(h, nonce, aad, empty, tag, none), Error::kOk);
  aad[0] ^= 1;
  EXPECT_EQ(c.AeadOpen(h, nonce, aad, empty, tag, none), Error::kBadTag);
}

// ---- Handle misuse -------------------------------------------------------------------

TEST(KeyHandles, InvalidReleasedAndWrongKindHandlesAreRefused) {
  OpenSslCrypto c;
  const Bytes msg = Repeat(3, 64), nonce = Repeat(0, 13);
  const ByteSpan parts[] = {msg};
  Bytes out(32), cipher(64), tag(8);

  KeyHandle never;
  EXPECT_EQ(c.MacCompute(never, parts, out), Error::kInvalidArgument);
  EXPECT_EQ(c.AeadSeal(never, nonce, {}, msg, cipher, tag), Error::kInvalidArgument);
  EXPECT_EQ(c.AeadOpen(KeyHandle{12345}, nonce, {}, cipher, tag, cipher), Error::kInvalidArgument);

  KeyHandle mac, aead;
  ASSERT_EQ(c.MacImport(Repeat(1, 32), &mac), Error::kOk);
  ASSERT_EQ(c.AeadImport(Repeat(2, 16), &aead), Error::kOk);
  EXPECT_EQ(c.AeadSeal(mac, nonce, {}, msg, cipher, tag), Error::kInvalidArgument);
  EXPECT_EQ(c.MacCompute(aead, parts, out), Error::kInvalidArgument);

  KeyHandle copy = mac;
  c.Release(&mac);
  EXPECT_FALSE(mac.valid());
  EXPECT_EQ(c.MacCompute(copy, parts, out), Error::kInvalidArgument);
  c.Release(&copy);  // double release is harmless
  EXPECT_EQ(c.MacCompute(copy, parts, out), Error::kInvalidArgument);
}

TEST(KeyHandles, StaleHandleDoesNotReachAKeyImportedIntoItsSlot) {
  OpenSslCrypto c;
  KeyHandle first;
  ASSERT_EQ(c.MacImport(Repeat(1, 32), &first), Error::kOk);
  KeyHandle stale = first;
  c.Release(&first);
  KeyHandle second;
  ASSERT_EQ(c.MacImport(Repeat(2, 32), &second), Error::kOk);
  const Bytes msg = Repeat(3, 8);
  const ByteSpan parts[] = {msg};
  Bytes out(32);
  EXPECT_NE(second.id, stale.id);
  EXPECT_EQ(c.MacCompute(stale, parts, out), Error::kInvalidArgument);
  EXPECT_EQ(c.MacCompute(second, parts, out), Error::kOk);
  c.Release(&stale);  // must not release `second`
  EXPECT_EQ(c.MacCompute(second, parts, out), Error::kOk);
}

TEST(AesCcm, BadSizesAreInvalidArgument) {
  OpenSslCrypto c;
  KeyHandle h;
  EXPECT_EQ(c.AeadImport(Repeat(1, 15), &h), Error::kInvalidArgument);
  EXPECT_EQ(c.AeadImport(Repeat(1, 32), &h), Error::kInvalidArgument);
  EXPECT_FALSE(h.valid());
  ASSERT_EQ(c.AeadImport(Repeat(1, 16), &h), Error::kOk);
  const Bytes nonce = Repeat(0, 13), plain = Repeat(5, 16);
  Bytes cipher(16), tag(8);
  for (size_t bad_tag : {0, 2, 3, 5, 17, 18}) {
    Bytes t(bad_tag);
    EXPECT_EQ(c.AeadSeal(h, nonce, {}, plain, cipher, t), Error::kInvalidArgument) << bad_tag;
    EXPECT_EQ(c.AeadOpen(h, nonce, {}, cipher, t, cipher), Error::kInvalidArgument) << bad_tag;
  }
  EXPECT_EQ(c.AeadSeal(h, Repeat(0, 12), {}, plain, cipher, tag), Error::kInvalidArgument);
  Bytes short_cipher(15);
  EXPECT_EQ(c.AeadSeal(h, nonce, {}, plain, short_cipher, tag), Error::kInvalidArgument);
  Bytes short_plain(15);
  EXPECT_EQ(c.AeadOpen(h, nonce, {}, cipher, tag, short_plain), Error::kInvalidArgument);
}

// ---- RFC 8032, section 7.1: Ed25519 ---------------------------------------------------

struct Ed25519Vector {
  const char* name;
  Bytes priv;
  Bytes pub;
  Bytes msg;
  Bytes sig;
};

std::vector<Ed25519Vector> Rfc8032Vectors() {
  return {
      {"TEST 1", H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
       H("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), Bytes{},
       H("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
         "701cf9b46bd25bf5f0595bbe24655141438e7a100b")},
      {"TEST 2", H("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
       H("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"), H("72"),
       H("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f36"
         "13d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")},
  };
}

TEST(Ed25519Rfc8032, PublicKeyFromPrivate) {
  OpenSslCrypto c;
  for (const Ed25519Vector& v : Rfc8032Vectors()) {
    Bytes pub(32);
    ASSERT_EQ(c.Ed25519PublicFromPrivate(v.priv, pub), Error::kOk) << v.name;
    EXPECT_EQ(ToHex(pub), ToHex(v.pub)) << v.name;
  }
}

TEST(Ed25519Rfc8032, SignGivesTheExactSignature) {
  OpenSslCrypto c;
  for (const Ed25519Vector& v : Rfc8032Vectors()) {
    Bytes sig(64);
    ASSERT_EQ(c.Ed25519Sign(v.priv, v.msg, sig), Error::kOk) << v.name;
    EXPECT_EQ(ToHex(sig), ToHex(v.sig)) << v.name;
  }
}

TEST(Ed25519Rfc8032, VerifyAcceptsAndTamperingIsBadTag) {
  OpenSslCrypto c;
  for (const Ed25519Vector& v : Rfc8032Vectors()) {
    EXPECT_EQ(c.Ed25519Verify(v.pub, v.msg, v.sig), Error::kOk) << v.name;
    Bytes longer = v.msg;
    longer.push_back(0);
    EXPECT_EQ(c.Ed25519Verify(v.pub, longer, v.sig), Error::kBadTag) << v.name;
    if (!v.msg.empty()) {
      Bytes flipped = v.msg;
      flipped[0] ^= 1;
      EXPECT_EQ(c.Ed25519Verify(v.pub, flipped, v.sig), Error::kBadTag) << v.name;
    }
    Bytes sig = v.sig;
    sig[10] ^= 0x04;
    EXPECT_EQ(c.Ed25519Verify(v.pub, v.msg, sig), Error::kBadTag) << v.name;
    // S >= L (non-canonical) and a public key of another signer.
    sig = v.sig;
    sig[63] |= 0xf0;
    EXPECT_EQ(c.Ed25519Verify(v.pub, v.msg, sig), Error::kBadTag) << v.name;
  }
  const std::vector<Ed25519Vector> vs = Rfc8032Vectors();
  EXPECT_EQ(c.Ed25519Verify(vs[1].pub, vs[0].msg, vs[0].sig), Error::kBadTag);
}

TEST(Ed25519, WrongSizesAreInvalidArgument) {
  OpenSslCrypto c;
  const Ed25519Vector v = Rfc8032Vectors()[1];
  Bytes sig(64), short_sig(63), pub(32), short_pub(31);
  EXPECT_EQ(c.Ed25519Sign(Repeat(1, 31), v.msg, sig), Error::kInvalidArgument);
  EXPECT_EQ(c.Ed25519Sign(v.priv, v.msg, short_sig), Error::kInvalidArgument);
  EXPECT_EQ(c.Ed25519PublicFromPrivate(v.priv, short_pub), Error::kInvalidArgument);
  EXPECT_EQ(c.Ed25519Verify(short_pub, v.msg, v.sig), Error::kInvalidArgument);
  EXPECT_EQ(c.Ed25519Verify(v.pub, v.msg, short_sig), Error::kInvalidArgument);
}

// ---- Random sources ------------------------------------------------------------------

TEST(SeededRandom, SameSeedGivesTheSameStream) {
  SeededRandom a(42), b(42);
  Bytes x(10000), y(10000);
  ASSERT_EQ(a.Fill(x), Error::kOk);
  ASSERT_EQ(b.Fill(y), Error::kOk);
  EXPECT_EQ(x, y);
  EXPECT_EQ(a.Next64(), b.Next64());
}

TEST(SeededRandom, DifferentSeedsGiveDifferentStreams) {
  SeededRandom a(1), b(2);
  Bytes x(64), y(64);
  ASSERT_EQ(a.Fill(x), Error::kOk);
  ASSERT_EQ(b.Fill(y), Error::kOk);
  EXPECT_NE(x, y);
  EXPECT_NE(x, Bytes(64, 0));
}

// The stream must not depend on how it is sliced (crossing buffer refills included).
TEST(SeededRandom, StreamIsIndependentOfChunking) {
  SeededRandom whole(7), pieces(7);
  Bytes x(9000), y(9000);
  ASSERT_EQ(whole.Fill(x), Error::kOk);
  size_t pos = 0;
  for (size_t n : {1, 15, 4080, 1, 4095, 808}) {
    ASSERT_EQ(pieces.Fill(MutableByteSpan(y).subspan(pos, n)), Error::kOk);
    pos += n;
  }
  ASSERT_EQ(pos, y.size());
  EXPECT_EQ(x, y);
}

TEST(SeededRandom, Next64IsReproducibleAndNotConstant) {
  SeededRandom a(99), b(99);
  std::vector<uint64_t> xs;
  for (int i = 0; i < 2000; ++i) {  // crosses several keystream buffers
    const uint64_t x = a.Next64();
    ASSERT_EQ(x, b.Next64()) << i;
    xs.push_back(x);
  }
  std::sort(xs.begin(), xs.end());
  EXPECT_EQ(std::unique(xs.begin(), xs.end()), xs.end()) << "repeated 64-bit values";
}

TEST(OsRandom, TwoDrawsDiffer) {
  OsRandom r;
  Bytes x(32), y(32);
  ASSERT_EQ(r.Fill(x), Error::kOk);
  ASSERT_EQ(r.Fill(y), Error::kOk);
  EXPECT_NE(x, y);
  EXPECT_EQ(r.Fill(MutableByteSpan()), Error::kOk);
}

// ---- Allocation counts on the hot paths ----------------------------------------------

// OpenSSL 3.0's HMAC restores the keyed digest states by duplicating the SHA-256 context,
// which costs two heap allocations per call and cannot be avoided through EVP_MAC. More
// than that means the prepared key is being set up again (re-keying costs 5, duplicating
// a keyed template 11).
TEST(PreparedMac, DoesNoPerCallKeySetUp) {
  if (!g_alloc_hooks_installed) GTEST_SKIP() << "OpenSSL allocated before the hooks";
  OpenSslCrypto c;
  KeyHandle h;
  ASSERT_EQ(c.MacImport(Repeat(0x11, 32), &h), Error::kOk);
  const Bytes frame = Repeat(0x22, 64);
  const ByteSpan parts[] = {frame};
  Bytes out(16);
  ASSERT_EQ(c.MacCompute(h, parts, out), Error::kOk);  // warm-up
  constexpr int kCalls = 100;
  const long before = g_openssl_allocs;
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(c.MacCompute(h, parts, out), Error::kOk);
  const long per_call = (g_openssl_allocs - before) / kCalls;
  EXPECT_LE(per_call, 2);
}

TEST(PreparedAead, SealAndOpenDoNotAllocate) {
  if (!g_alloc_hooks_installed) GTEST_SKIP() << "OpenSSL allocated before the hooks";
  OpenSslCrypto c;
  KeyHandle h;
  ASSERT_EQ(c.AeadImport(Repeat(0x11, 16), &h), Error::kOk);
  const Bytes nonce = Repeat(1, 13), aad = Repeat(2, 9), plain = Repeat(3, 64);
  Bytes cipher(64), tag(8), back(64);
  ASSERT_EQ(c.AeadSeal(h, nonce, aad, plain, cipher, tag), Error::kOk);  // warm-up
  ASSERT_EQ(c.AeadOpen(h, nonce, aad, cipher, tag, back), Error::kOk);
  const long before = g_openssl_allocs;
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(c.AeadSeal(h, nonce, aad, plain, cipher, tag), Error::kOk);
    ASSERT_EQ(c.AeadOpen(h, nonce, aad, cipher, tag, back), Error::kOk);
  }
  EXPECT_EQ(g_openssl_allocs - before, 0);
}

}  // namespace
}  // namespace vigil
