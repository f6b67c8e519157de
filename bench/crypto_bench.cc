// Crypto back-end figures and their references.
//
//  BM_Ref_*     OpenSSL used directly, as references: HMAC-SHA256 from the one-shot HMAC()
//               to a keyed context re-initialised per message (the fair one), AES-128-CCM
//               with its key schedule done once, and complete TLS handshakes (the session
//               set-up Vigil's association replaces), each over in-memory BIO pairs,
//               client and server in one thread. scripts/bench.sh prints Vigil's figures
//               as ratios to them.
//  BM_Crypto_*  the provider's hot paths on a 64-byte frame, and the seeded random source.
//
// Each TLS benchmark checks that every handshake completed with the expected version,
// cipher suite and (for TLS 1.3) PSK plus X25519, and stops with an error otherwise, so
// a figure can never come from a handshake that silently fell back to something else.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/ssl.h>

#include <array>
#include <cstring>
#include <string_view>

#include "connection/crypto/openssl_provider.h"

namespace vigil {
namespace {

constexpr size_t kFrame = 64;
const std::array<uint8_t, 32> kKey32 = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                        12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                        23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

std::array<uint8_t, kFrame> Frame() {
  std::array<uint8_t, kFrame> f;
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<uint8_t>(i * 7);
  return f;
}

// ---- HMAC-SHA256 on 64 bytes ---------------------------------------------------------
//
// Four OpenSSL references, from the dearest to the fairest. A verifier is only as fast as
// the best of them allows: compare against BM_Ref_HmacKeyedReinit64.

// HMAC(): the digest looked up, a context allocated and keyed on every call.
void BM_Ref_HmacOneShot64(benchmark::State& state) {
  const auto msg = Frame();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  for (auto _ : state) {
    if (HMAC(EVP_sha256(), kKey32.data(), static_cast<int>(kKey32.size()), msg.data(), msg.size(),
             out, &len) == nullptr) {
      state.SkipWithError("HMAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Ref_HmacOneShot64);

void BM_Ref_HmacEvpQMac64(benchmark::State& state) {
  const auto msg = Frame();
  unsigned char out[32];
  size_t len = 0;
  for (auto _ : state) {
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, kKey32.data(), kKey32.size(),
                  msg.data(), msg.size(), out, sizeof(out), &len) == nullptr) {
      state.SkipWithError("EVP_Q_mac failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Ref_HmacEvpQMac64);

// An EVP_MAC context bound to SHA-256 once (the algorithm fetched once), nothing keyed.
struct HmacRef {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = nullptr;
  bool ok = false;
  HmacRef() {
    if (mac == nullptr || (ctx = EVP_MAC_CTX_new(mac)) == nullptr) return;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                 OSSL_PARAM_construct_end()};
    ok = EVP_MAC_CTX_set_params(ctx, params) == 1;
  }
  ~HmacRef() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
  bool Key() { return EVP_MAC_init(ctx, kKey32.data(), kKey32.size(), nullptr) == 1; }
};

bool MacOnce(EVP_MAC_CTX* ctx, const unsigned char* key, size_t key_len, ByteSpan msg,
             unsigned char (&out)[32]) {
  size_t len = 0;
  return EVP_MAC_init(ctx, key, key_len, nullptr) == 1 &&
         EVP_MAC_update(ctx, msg.data(), msg.size()) == 1 &&
         EVP_MAC_final(ctx, out, &len, sizeof(out)) == 1;
}

// One context reused, keyed again for every message (HMAC's key set-up every call).
void BM_Ref_HmacRekeyed64(benchmark::State& state) {
  HmacRef r;
  if (!r.ok) {
    state.SkipWithError("HMAC set-up failed");
    return;
  }
  const auto msg = Frame();
  unsigned char out[32];
  for (auto _ : state) {
    if (!MacOnce(r.ctx, kKey32.data(), kKey32.size(), msg, out)) {
      state.SkipWithError("HMAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Ref_HmacRekeyed64);

// A keyed template duplicated for every message (EVP_MAC_CTX_dup, then freed).
void BM_Ref_HmacKeyedDup64(benchmark::State& state) {
  HmacRef r;
  if (!r.ok || !r.Key()) {
    state.SkipWithError("HMAC set-up failed");
    return;
  }
  const auto msg = Frame();
  unsigned char out[32];
  for (auto _ : state) {
    EVP_MAC_CTX* d = EVP_MAC_CTX_dup(r.ctx);
    size_t len = 0;
    const bool ok = d != nullptr && EVP_MAC_update(d, msg.data(), msg.size()) == 1 &&
                    EVP_MAC_final(d, out, &len, sizeof(out)) == 1;
    EVP_MAC_CTX_free(d);
    if (!ok) {
      state.SkipWithError("HMAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Ref_HmacKeyedDup64);

// The fair reference, what `openssl speed` measures for HMAC: the key set once, the
// context re-initialised per message with EVP_MAC_init(ctx, NULL, 0, NULL), which
// restores the saved inner and outer states.
void BM_Ref_HmacKeyedReinit64(benchmark::State& state) {
  HmacRef r;
  if (!r.ok || !r.Key()) {
    state.SkipWithError("HMAC set-up failed");
    return;
  }
  const auto msg = Frame();
  unsigned char out[32];
  for (auto _ : state) {
    if (!MacOnce(r.ctx, nullptr, 0, msg, out)) {
      state.SkipWithError("HMAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Ref_HmacKeyedReinit64);

// The provider's one-shot path (key set-up every call, contexts reused).
void BM_Crypto_OneShotMac64(benchmark::State& state) {
  OpenSslCrypto c;
  const auto msg = Frame();
  const ByteSpan parts[] = {msg};
  std::array<uint8_t, 32> out;
  for (auto _ : state) {
    if (c.Hmac(HashAlg::kSha256, kKey32, parts, out) != Error::kOk) {
      state.SkipWithError("Hmac failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Crypto_OneShotMac64);

void BM_Crypto_PreparedMac64(benchmark::State& state) {
  OpenSslCrypto c;
  KeyHandle h;
  if (c.MacImport(kKey32, &h) != Error::kOk) {
    state.SkipWithError("MacImport failed");
    return;
  }
  const auto msg = Frame();
  const ByteSpan parts[] = {msg};
  std::array<uint8_t, 32> out;
  for (auto _ : state) {
    if (c.MacCompute(h, parts, out) != Error::kOk) {
      state.SkipWithError("MacCompute failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Crypto_PreparedMac64);

// ---- AES-128-CCM, 64-byte payload, 8-byte tag, 13-byte nonce, 9-byte header as AAD ----

struct CcmFixture {
  OpenSslCrypto c;
  KeyHandle h;
  std::array<uint8_t, 13> nonce{};
  std::array<uint8_t, 9> aad{};
  std::array<uint8_t, kFrame> plain = Frame();
  std::array<uint8_t, kFrame> cipher{};
  std::array<uint8_t, 8> tag{};
  bool ok = false;
  CcmFixture() {
    ok = c.AeadImport(ByteSpan(kKey32).first(16), &h) == Error::kOk &&
         c.AeadSeal(h, nonce, aad, plain, cipher, tag) == Error::kOk;
  }
};

void BM_Crypto_CcmSeal64(benchmark::State& state) {
  CcmFixture f;
  if (!f.ok) {
    state.SkipWithError("CCM set-up failed");
    return;
  }
  for (auto _ : state) {
    if (f.c.AeadSeal(f.h, f.nonce, f.aad, f.plain, f.cipher, f.tag) != Error::kOk) {
      state.SkipWithError("AeadSeal failed");
      break;
    }
    benchmark::DoNotOptimize(f.tag);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Crypto_CcmSeal64);

void BM_Crypto_CcmOpen64(benchmark::State& state) {
  CcmFixture f;
  if (!f.ok) {
    state.SkipWithError("CCM set-up failed");
    return;
  }
  std::array<uint8_t, kFrame> back{};
  for (auto _ : state) {
    if (f.c.AeadOpen(f.h, f.nonce, f.aad, f.cipher, f.tag, back) != Error::kOk) {
      state.SkipWithError("AeadOpen failed");
      break;
    }
    benchmark::DoNotOptimize(back);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Crypto_CcmOpen64);

// The fair AES-128-CCM reference: one EVP_CIPHER_CTX per direction, nonce length, tag
// length and key set once; per message only the nonce (and, to open, the expected tag),
// then the lengths, the AAD and the data. The same shape as the coordinator's frames:
// 64-byte payload, 8-byte tag, 9-byte AAD.
struct CcmRef {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-CCM", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::array<uint8_t, 13> nonce{};
  std::array<uint8_t, 9> aad{};
  std::array<uint8_t, kFrame> plain = Frame();
  std::array<uint8_t, kFrame> cipher_text{};
  std::array<uint8_t, 8> tag{};
  bool ok = false;
  explicit CcmRef(bool seal) {
    const int enc = seal ? 1 : 0;
    ok = cipher != nullptr && ctx != nullptr &&
         EVP_CipherInit_ex(ctx, cipher, nullptr, nullptr, nullptr, enc) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 13, nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 8, nullptr) == 1 &&
         EVP_CipherInit_ex(ctx, nullptr, nullptr, kKey32.data(), nullptr, enc) == 1;
    // The ciphertext and tag to open: sealed once by a context of its own.
    OpenSslCrypto c;
    KeyHandle h;
    ok = ok && c.AeadImport(ByteSpan(kKey32).first(16), &h) == Error::kOk &&
         c.AeadSeal(h, nonce, aad, plain, cipher_text, tag) == Error::kOk;
  }
  ~CcmRef() {
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
  }
  bool Seal() {
    int len = 0;
    uint8_t dummy = 0;
    return EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
           EVP_EncryptUpdate(ctx, nullptr, &len, nullptr, static_cast<int>(plain.size())) == 1 &&
           EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
           EVP_EncryptUpdate(ctx, cipher_text.data(), &len, plain.data(),
                             static_cast<int>(plain.size())) == 1 &&
           EVP_EncryptFinal_ex(ctx, &dummy, &len) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 8, tag.data()) == 1;
  }
  bool Open(std::array<uint8_t, kFrame>& out) {
    int len = 0;
    return EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 8, tag.data()) == 1 &&
           EVP_DecryptUpdate(ctx, nullptr, &len, nullptr, static_cast<int>(cipher_text.size())) ==
               1 &&
           EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
           EVP_DecryptUpdate(ctx, out.data(), &len, cipher_text.data(),
                             static_cast<int>(cipher_text.size())) == 1;
  }
};

void BM_Ref_CcmSeal64(benchmark::State& state) {
  CcmRef r(true);
  if (!r.ok) {
    state.SkipWithError("CCM set-up failed");
    return;
  }
  for (auto _ : state) {
    if (!r.Seal()) {
      state.SkipWithError("CCM seal failed");
      break;
    }
    benchmark::DoNotOptimize(r.tag);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Ref_CcmSeal64);

void BM_Ref_CcmOpen64(benchmark::State& state) {
  CcmRef r(false);
  if (!r.ok) {
    state.SkipWithError("CCM set-up failed");
    return;
  }
  std::array<uint8_t, kFrame> back{};
  for (auto _ : state) {
    if (!r.Open(back)) {
      state.SkipWithError("CCM open failed");
      break;
    }
    benchmark::DoNotOptimize(back);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_Ref_CcmOpen64);

// ---- The crypto of one hardened association, alone ----------------------------------
//
// The OpenSSL operations that the formulas of one hardened association with the moving
// common function require of both ends together (docs/protocol.md 5 and 9.5), each done
// the cheapest way EVP allows (algorithms fetched once, keyed contexts re-initialised,
// CCM key schedules set once per session), and nothing else: no parsing, no state, no
// provider. It is the floor of BM_Assoc_Hardened on this OpenSSL: the ratio of a TLS
// handshake to it bounds what any implementation of these formulas over OpenSSL 3 EVP
// can show. Per association:
//   12 HMAC-SHA256 under prepared keys (Kd: proof, answer, confirmation request, and
//      PRK, on each end; R3: confirmation answer and R3' on each end), 40-90 bytes each
//      (64 here);
//    2 HMAC-SHA256 under a fresh key (the CCM key from each end's PRK);
//    2 HMAC key set-ups (each end re-keys its R3 context with R3', in place: the new key
//      replaces the old one's state, so no wipe is needed);
//    4 AES-128-CCM key schedules (a seal and an open context per end, re-keyed in place
//      from the previous session's, which is what a re-association does);
//    2 CCM seals and 2 opens (the ASSOC_RESP key block, 17 bytes, and the empty key
//      confirmation).
void BM_Ref_HardenedAssocCrypto(benchmark::State& state) {
  HmacRef kd, r3, fresh;
  CcmRef seal(true), open(false);
  if (!kd.ok || !kd.Key() || !r3.ok || !r3.Key() || !fresh.ok || !seal.ok || !open.ok) {
    state.SkipWithError("set-up failed");
    return;
  }
  const auto msg = Frame();
  const ByteSpan m(msg);
  unsigned char out[32];
  std::array<uint8_t, 17> block{}, block_ct{};
  uint8_t dummy = 0;
  auto ccm_key = [](EVP_CIPHER_CTX* ctx, const uint8_t* key, int enc) {
    return EVP_CipherInit_ex(ctx, nullptr, nullptr, key, nullptr, enc) == 1;
  };
  auto seal_n = [&](ByteSpan plain, uint8_t* ct) {
    int len = 0;
    return EVP_EncryptInit_ex(seal.ctx, nullptr, nullptr, nullptr, seal.nonce.data()) == 1 &&
           EVP_EncryptUpdate(seal.ctx, nullptr, &len, nullptr, static_cast<int>(plain.size())) ==
               1 &&
           EVP_EncryptUpdate(seal.ctx, nullptr, &len, seal.aad.data(), 9) == 1 &&
           EVP_EncryptUpdate(seal.ctx, ct, &len, plain.empty() ? &dummy : plain.data(),
                             static_cast<int>(plain.size())) == 1 &&
           EVP_EncryptFinal_ex(seal.ctx, &dummy, &len) == 1 &&
           EVP_CIPHER_CTX_ctrl(seal.ctx, EVP_CTRL_AEAD_GET_TAG, 8, seal.tag.data()) == 1;
  };
  auto open_n = [&](ByteSpan ct, uint8_t* pt) {
    int len = 0;
    // The tag just sealed does not match under the open context's key: only the work is
    // measured here, so the data step's verdict is not checked.
    const bool setup =
        EVP_DecryptInit_ex(open.ctx, nullptr, nullptr, nullptr, open.nonce.data()) == 1 &&
        EVP_CIPHER_CTX_ctrl(open.ctx, EVP_CTRL_AEAD_SET_TAG, 8, seal.tag.data()) == 1 &&
        EVP_DecryptUpdate(open.ctx, nullptr, &len, nullptr, static_cast<int>(ct.size())) == 1 &&
        EVP_DecryptUpdate(open.ctx, nullptr, &len, open.aad.data(), 9) == 1;
    EVP_DecryptUpdate(open.ctx, pt, &len, ct.empty() ? &dummy : ct.data(),
                      static_cast<int>(ct.size()));
    return setup;
  };
  for (auto _ : state) {
    bool ok = true;
    for (int i = 0; i < 4; ++i) ok = ok && MacOnce(kd.ctx, nullptr, 0, m, out);  // device, Kd
    for (int i = 0; i < 4; ++i) ok = ok && MacOnce(kd.ctx, nullptr, 0, m, out);  // CPAN, Kd
    for (int i = 0; i < 4; ++i) ok = ok && MacOnce(r3.ctx, nullptr, 0, m, out);  // both, R3
    for (int end = 0; end < 2; ++end) {
      ok = ok && MacOnce(fresh.ctx, kKey32.data(), kKey32.size(), m.first(3), out) &&
           EVP_MAC_init(r3.ctx, kKey32.data(), kKey32.size(), nullptr) == 1 &&
           ccm_key(seal.ctx, kKey32.data(), 1) && ccm_key(open.ctx, kKey32.data(), 0);
    }
    ok = ok && seal_n(block, block_ct.data()) && open_n(block_ct, block.data()) &&
         seal_n(ByteSpan(), &dummy) && open_n(ByteSpan(), &dummy);
    if (!ok) {
      state.SkipWithError("EVP call failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Ref_HardenedAssocCrypto)->Unit(benchmark::kMicrosecond);

// ---- Seeded randomness (the simulator draws millions of these) ------------------------

void BM_Crypto_SeededNext64(benchmark::State& state) {
  SeededRandom r(1);
  for (auto _ : state) benchmark::DoNotOptimize(r.Next64());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Crypto_SeededNext64);

// ---- TLS handshake references --------------------------------------------------------

constexpr std::string_view kPskIdentity = "vigil-bench-device";
constexpr std::array<uint8_t, 16> kPsk = {0x5a, 0x11, 0x3c, 0x42, 0x9e, 0x07, 0x61, 0xd3,
                                          0x28, 0xb4, 0x7f, 0x90, 0x0a, 0xe5, 0x36, 0xcc};

// TLS 1.2 PSK callbacks (also the TLS 1.3 fallback, which is unused: the TLS 1.3
// contexts install the session callbacks below instead).
unsigned int Tls12ClientPsk(SSL*, const char*, char* identity, unsigned int max_identity_len,
                            unsigned char* psk, unsigned int max_psk_len) {
  if (kPskIdentity.size() + 1 > max_identity_len || kPsk.size() > max_psk_len) return 0;
  std::memcpy(identity, kPskIdentity.data(), kPskIdentity.size());
  identity[kPskIdentity.size()] = '\0';
  std::memcpy(psk, kPsk.data(), kPsk.size());
  return static_cast<unsigned int>(kPsk.size());
}

unsigned int Tls12ServerPsk(SSL*, const char* identity, unsigned char* psk,
                            unsigned int max_psk_len) {
  if (identity == nullptr || kPskIdentity != identity || kPsk.size() > max_psk_len) return 0;
  std::memcpy(psk, kPsk.data(), kPsk.size());
  return static_cast<unsigned int>(kPsk.size());
}

// TLS 1.3 external PSK: a session carrying the key, bound to TLS_AES_128_CCM_8_SHA256.
constexpr unsigned char kTls13Ccm8Id[2] = {0x13, 0x05};

SSL_SESSION* Tls13PskSession(SSL* ssl) {
  const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kTls13Ccm8Id);
  if (cipher == nullptr) return nullptr;
  SSL_SESSION* s = SSL_SESSION_new();
  if (s == nullptr || SSL_SESSION_set1_master_key(s, kPsk.data(), kPsk.size()) != 1 ||
      SSL_SESSION_set_cipher(s, cipher) != 1 ||
      SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION) != 1) {
    SSL_SESSION_free(s);
    return nullptr;
  }
  return s;
}

int Tls13UsePsk(SSL* ssl, const EVP_MD* md, const unsigned char** id, size_t* idlen,
                SSL_SESSION** sess) {
  SSL_SESSION* s = Tls13PskSession(ssl);
  if (s == nullptr) return 0;
  if (md != nullptr && SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(s)) != md) {
    // Second call after HelloRetryRequest with an incompatible hash: offer no PSK.
    SSL_SESSION_free(s);
    *sess = nullptr;
    *id = nullptr;
    *idlen = 0;
    return 1;
  }
  *sess = s;
  *id = reinterpret_cast<const unsigned char*>(kPskIdentity.data());
  *idlen = kPskIdentity.size();
  return 1;
}

int Tls13FindPsk(SSL* ssl, const unsigned char* identity, size_t identity_len, SSL_SESSION** sess) {
  if (std::string_view(reinterpret_cast<const char*>(identity), identity_len) != kPskIdentity) {
    *sess = nullptr;  // unknown identity: no PSK, the handshake then fails (no cert)
    return 1;
  }
  *sess = Tls13PskSession(ssl);
  return *sess != nullptr ? 1 : 0;
}

struct TlsContexts {
  SSL_CTX* client = nullptr;
  SSL_CTX* server = nullptr;
  ~TlsContexts() {
    SSL_CTX_free(client);
    SSL_CTX_free(server);
  }
};

// Settings common to both ends: one protocol version, no session cache or tickets (each
// handshake must be a full PSK handshake, and the cache would grow without bound).
bool CommonSetup(SSL_CTX* ctx, int version) {
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  return SSL_CTX_set_min_proto_version(ctx, version) == 1 &&
         SSL_CTX_set_max_proto_version(ctx, version) == 1;
}

bool MakeTls12PskCcm8(TlsContexts* t) {
  t->client = SSL_CTX_new(TLS_client_method());
  t->server = SSL_CTX_new(TLS_server_method());
  if (t->client == nullptr || t->server == nullptr) return false;
  for (SSL_CTX* ctx : {t->client, t->server}) {
    if (!CommonSetup(ctx, TLS1_2_VERSION) || SSL_CTX_set_cipher_list(ctx, "PSK-AES128-CCM8") != 1) {
      return false;
    }
  }
  SSL_CTX_set_psk_client_callback(t->client, Tls12ClientPsk);
  SSL_CTX_set_psk_server_callback(t->server, Tls12ServerPsk);
  return true;
}

bool MakeTls13PskX25519(TlsContexts* t) {
  t->client = SSL_CTX_new(TLS_client_method());
  t->server = SSL_CTX_new(TLS_server_method());
  if (t->client == nullptr || t->server == nullptr) return false;
  for (SSL_CTX* ctx : {t->client, t->server}) {
    if (!CommonSetup(ctx, TLS1_3_VERSION) ||
        SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_CCM_8_SHA256") != 1 ||
        SSL_CTX_set1_groups_list(ctx, "X25519") != 1) {
      return false;
    }
  }
  SSL_CTX_set_num_tickets(t->server, 0);
  SSL_CTX_set_psk_use_session_callback(t->client, Tls13UsePsk);
  SSL_CTX_set_psk_find_session_callback(t->server, Tls13FindPsk);
  return true;
}

// Runs one handshake over a fresh in-memory BIO pair; returns an error text or nullptr.
const char* OneHandshake(const TlsContexts& t, int version, std::string_view cipher,
                         bool expect_x25519) {
  SSL* c = SSL_new(t.client);
  SSL* s = SSL_new(t.server);
  BIO* cb = nullptr;
  BIO* sb = nullptr;
  const char* err = nullptr;
  if (c == nullptr || s == nullptr || BIO_new_bio_pair(&cb, 0, &sb, 0) != 1) {
    err = "SSL_new/BIO_new_bio_pair failed";
  } else {
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    bool c_done = false, s_done = false;
    for (int round = 0; round < 16 && !(c_done && s_done) && err == nullptr; ++round) {
      for (int side = 0; side < 2; ++side) {
        SSL* ssl = side == 0 ? c : s;
        bool& done = side == 0 ? c_done : s_done;
        if (done) continue;
        const int r = SSL_do_handshake(ssl);
        if (r == 1) {
          done = true;
        } else {
          const int e = SSL_get_error(ssl, r);
          if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            err = side == 0 ? "client handshake failed" : "server handshake failed";
            break;
          }
        }
      }
    }
    if (err == nullptr && !(c_done && s_done)) err = "handshake did not complete";
    if (err == nullptr) {
      const SSL_CIPHER* cc = SSL_get_current_cipher(c);
      const SSL_CIPHER* sc = SSL_get_current_cipher(s);
      if (SSL_version(c) != version || SSL_version(s) != version) {
        err = "unexpected protocol version";
      } else if (cc == nullptr || sc == nullptr || SSL_CIPHER_get_name(cc) != cipher ||
                 SSL_CIPHER_get_name(sc) != cipher) {
        err = "unexpected cipher suite";
      } else if (expect_x25519 &&
                 (SSL_session_reused(s) != 1 || SSL_get_negotiated_group(c) != NID_X25519 ||
                  SSL_get_negotiated_group(s) != NID_X25519)) {
        err = "PSK with X25519 (psk_dhe_ke) was not negotiated";
      }
    }
  }
  SSL_free(c);  // frees the BIOs attached to it
  SSL_free(s);
  return err;
}

void RunHandshakes(benchmark::State& state, bool (*make)(TlsContexts*), int version,
                   std::string_view cipher, bool expect_x25519) {
  TlsContexts t;
  if (!make(&t)) {
    state.SkipWithError("SSL_CTX set-up failed");
    return;
  }
  for (auto _ : state) {
    if (const char* err = OneHandshake(t, version, cipher, expect_x25519)) {
      state.SkipWithError(err);
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["handshakes_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Ref_Tls12PskCcm8Handshake(benchmark::State& state) {
  RunHandshakes(state, MakeTls12PskCcm8, TLS1_2_VERSION, "PSK-AES128-CCM8", false);
}
BENCHMARK(BM_Ref_Tls12PskCcm8Handshake)->Unit(benchmark::kMicrosecond);

void BM_Ref_Tls13PskX25519Handshake(benchmark::State& state) {
  RunHandshakes(state, MakeTls13PskX25519, TLS1_3_VERSION, "TLS_AES_128_CCM_8_SHA256", true);
}
BENCHMARK(BM_Ref_Tls13PskX25519Handshake)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vigil
