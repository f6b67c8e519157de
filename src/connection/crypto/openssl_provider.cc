#include "connection/crypto/openssl_provider.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <vector>

namespace vigil {
namespace {

// A handle id packs a slot index with the slot's generation, so that a handle kept after
// Release() is refused even when its slot has been reused by a later import.
constexpr int kIndexBits = 20;  // up to ~1M live keys
constexpr uint32_t kIndexMask = (1u << kIndexBits) - 1;
constexpr uint32_t kGenerationMask = (1u << (31 - kIndexBits)) - 1;  // keeps id >= 0

constexpr size_t kSha1Size = 20;
constexpr size_t kMaxHashSize = kSha256Size;

// EVP_MAC_init(ctx, NULL, 0, ...) means "keep the current key"; an empty key must
// therefore be passed as a non-null pointer with length 0.
constexpr uint8_t kEmptyKey[1] = {0};
const uint8_t* KeyPtr(ByteSpan key) { return key.empty() ? kEmptyKey : key.data(); }

bool ValidCcmTagSize(size_t n) { return n >= 4 && n <= 16 && n % 2 == 0; }
constexpr size_t kCcmTagSizes = 7;  // 4, 6, ..., 16
size_t CcmTagIndex(size_t n) { return n / 2 - 2; }

// The EVP update calls take int lengths.
bool FitsInt(size_t n) { return n <= static_cast<size_t>(INT_MAX); }

// Feeds the concatenation of `parts` to an initialised MAC. Each EVP_MAC_update is a
// dispatch through the provider down to the digest (about 20 ns on OpenSSL 3.0) and a
// handshake tag has up to six parts, so parts that fit a small buffer are gathered and
// fed in one update; the buffer is cleansed after (a part may be a key, as in R2 and R3
// of the common function). Longer inputs are fed part by part.
bool MacUpdateParts(EVP_MAC_CTX* ctx, std::span<const ByteSpan> parts) {
  constexpr size_t kGather = 256;
  size_t total = 0;
  bool fits = true;
  for (ByteSpan p : parts) {
    if (p.size() > kGather - total) {
      fits = false;
      break;
    }
    total += p.size();
  }
  if (!fits) {
    for (ByteSpan p : parts) {
      if (!p.empty() && EVP_MAC_update(ctx, p.data(), p.size()) != 1) return false;
    }
    return true;
  }
  if (total == 0) return true;
  std::array<uint8_t, kGather> buf;
  size_t n = 0;
  for (ByteSpan p : parts) {
    if (!p.empty()) std::memcpy(buf.data() + n, p.data(), p.size());
    n += p.size();
  }
  const bool ok = EVP_MAC_update(ctx, buf.data(), n) == 1;
  OPENSSL_cleanse(buf.data(), n);
  return ok;
}

}  // namespace

struct OpenSslCrypto::Impl {
  enum class Kind : uint8_t { kFree, kMac, kAead };

  // HMAC keys up to one SHA-256 block are keyed on first use (see MacImport); longer
  // ones are hashed by HMAC anyway and are keyed at import.
  static constexpr size_t kLazyMacKeyMax = 64;
  // Contexts kept for reuse per pool. Beyond that a released context is freed: a burst of
  // sessions does not pin its peak memory for ever.
  static constexpr size_t kPoolMax = 64;

  struct Slot {
    Kind kind = Kind::kFree;
    uint32_t generation = 0;
    // kMac: an HMAC-SHA256 context holding the prepared key, or null until the first
    // MacCompute, with the raw key kept until then.
    EVP_MAC_CTX* mac = nullptr;
    std::array<uint8_t, kLazyMacKeyMax> mac_key{};
    uint8_t mac_key_len = 0;
    // kAead: the raw key, and AES-128-CCM contexts keyed with it on first use, one per
    // (direction, tag length); see AeadImport for why one context cannot serve all.
    std::array<uint8_t, kAes128KeySize> aes_key{};
    std::array<std::array<EVP_CIPHER_CTX*, kCcmTagSizes>, 2> ccm{};
  };

  // A released CCM context: nonce length set, keyed with the all-zero key (which wipes
  // the released key's schedule), tag length as last used.
  struct PooledCcm {
    EVP_CIPHER_CTX* ctx = nullptr;
    uint8_t tag_size = 0;
  };

  // Fetched once: implicit fetches (EVP_sha256() etc.) would look the algorithm up in the
  // provider store on every init.
  EVP_MAC* hmac = nullptr;
  EVP_CIPHER* aes_ccm = nullptr;
  // Scratch contexts for the one-shot Hmac(), each bound to its digest at construction
  // so that a call sets only the key (no digest fetch per call).
  EVP_MAC_CTX* oneshot_sha256 = nullptr;
  EVP_MAC_CTX* oneshot_sha1 = nullptr;

  std::vector<Slot> slots;
  std::vector<uint32_t> free_list;

  // Contexts of released keys, wiped, for the next imports: creating them is the
  // expensive part of an import (an HMAC context fetches its digest and allocates eleven
  // times; a CCM context allocates and is set up through parameter lists), re-keying one
  // is not. Sessions come and go with every association, so imports are on the
  // association path.
  std::vector<EVP_MAC_CTX*> mac_pool;              // HMAC-SHA256, keyed with the empty key
  std::array<std::vector<PooledCcm>, 2> ccm_pool;  // [0] decrypt, [1] encrypt

  Impl() {
    hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    aes_ccm = EVP_CIPHER_fetch(nullptr, "AES-128-CCM", nullptr);
    oneshot_sha256 = NewHmacCtx("SHA256");
    oneshot_sha1 = NewHmacCtx("SHA1");
  }

  ~Impl() {
    // Freeing cleanses: no need to wipe into the pools first.
    for (Slot& s : slots) FreeSlot(s, /*keep=*/false);
    for (EVP_MAC_CTX* ctx : mac_pool) EVP_MAC_CTX_free(ctx);
    for (auto& pool : ccm_pool) {
      for (PooledCcm& p : pool) EVP_CIPHER_CTX_free(p.ctx);
    }
    EVP_MAC_CTX_free(oneshot_sha256);
    EVP_MAC_CTX_free(oneshot_sha1);
    EVP_CIPHER_free(aes_ccm);
    EVP_MAC_free(hmac);
  }

  // An HMAC context with its digest set and no key yet.
  EVP_MAC_CTX* NewHmacCtx(const char* digest) {
    if (hmac == nullptr) return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac);
    if (ctx == nullptr) return nullptr;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    return ctx;
  }

  // An HMAC-SHA256 context keyed with `key`, from the pool when it has one.
  EVP_MAC_CTX* TakeMac(ByteSpan key) {
    EVP_MAC_CTX* ctx = nullptr;
    if (!mac_pool.empty()) {
      ctx = mac_pool.back();
      mac_pool.pop_back();
    } else {
      ctx = NewHmacCtx("SHA256");
      if (ctx == nullptr) return nullptr;
    }
    if (EVP_MAC_init(ctx, KeyPtr(key), key.size(), nullptr) != 1) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    return ctx;
  }

  // Re-keying with the empty key replaces every key-dependent state in the context (the
  // saved inner and outer digest states and the working one; OpenSSL frees the old ones
  // with OPENSSL_clear_free), so a pooled context holds nothing of the released key.
  // If that fails, or the pool is full, the context is freed, which cleanses it too.
  void GiveMac(EVP_MAC_CTX* ctx, bool keep) {
    if (ctx == nullptr) return;
    if (keep && mac_pool.size() < kPoolMax && EVP_MAC_init(ctx, kEmptyKey, 0, nullptr) == 1) {
      mac_pool.push_back(ctx);
      return;
    }
    EVP_MAC_CTX_free(ctx);
  }

  // A CCM context for one direction and tag length keyed with `key`, from the pool when
  // it has one. Nonce length (L) and tag length (M) must be set before the key: both are
  // fixed when the key is.
  EVP_CIPHER_CTX* TakeCcm(bool seal, size_t tag_size, const uint8_t* key) {
    const int enc = seal ? 1 : 0;
    std::vector<PooledCcm>& pool = ccm_pool[seal ? 1 : 0];
    EVP_CIPHER_CTX* c = nullptr;
    bool ok = true;
    if (!pool.empty()) {
      const PooledCcm p = pool.back();
      pool.pop_back();
      c = p.ctx;
      if (p.tag_size != tag_size) {
        ok =
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_size), nullptr) == 1;
      }
    } else {
      if (aes_ccm == nullptr) return nullptr;
      c = EVP_CIPHER_CTX_new();
      if (c == nullptr) return nullptr;
      ok = EVP_CipherInit_ex(c, aes_ccm, nullptr, nullptr, nullptr, enc) == 1 &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kCcmNonceSize),
                               nullptr) == 1 &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_size), nullptr) == 1;
    }
    ok = ok && EVP_CipherInit_ex(c, nullptr, nullptr, key, nullptr, enc) == 1;
    if (!ok) {
      EVP_CIPHER_CTX_free(c);
      return nullptr;
    }
    return c;
  }

  // Re-keying with the all-zero key overwrites the AES key schedule of the released key;
  // what else the context keeps (the last nonce and CBC-MAC block) is no key material.
  // If that fails, or the pool is full, the context is freed, which cleanses it.
  void GiveCcm(bool seal, size_t tag_size, EVP_CIPHER_CTX* ctx, bool keep) {
    if (ctx == nullptr) return;
    static constexpr uint8_t kZeroKey[kAes128KeySize] = {};
    std::vector<PooledCcm>& pool = ccm_pool[seal ? 1 : 0];
    if (keep && pool.size() < kPoolMax &&
        EVP_CipherInit_ex(ctx, nullptr, nullptr, kZeroKey, nullptr, seal ? 1 : 0) == 1) {
      pool.push_back(PooledCcm{ctx, static_cast<uint8_t>(tag_size)});
      return;
    }
    EVP_CIPHER_CTX_free(ctx);
  }

  // Returns the slot's contexts to the pools (wiped) or frees them, and cleanses the raw
  // keys. Only the fields of the slot's kind are ever set (a free slot holds nothing), so
  // only those are visited: a release is on every association's path.
  void FreeSlot(Slot& s, bool keep) {
    if (s.kind == Kind::kMac) {
      GiveMac(s.mac, keep);
      s.mac = nullptr;
      OPENSSL_cleanse(s.mac_key.data(), s.mac_key.size());
      s.mac_key_len = 0;
    } else if (s.kind == Kind::kAead) {
      for (size_t dir = 0; dir < s.ccm.size(); ++dir) {
        for (size_t i = 0; i < kCcmTagSizes; ++i) {
          if (s.ccm[dir][i] == nullptr) continue;
          GiveCcm(dir == 1, 2 * i + 4, s.ccm[dir][i], keep);
          s.ccm[dir][i] = nullptr;
        }
      }
      OPENSSL_cleanse(s.aes_key.data(), s.aes_key.size());
    }
    s.kind = Kind::kFree;
  }

  // The CCM context of `s` for one direction and tag length, keyed on first use.
  EVP_CIPHER_CTX* CcmContext(Slot& s, bool seal, size_t tag_size) {
    EVP_CIPHER_CTX*& ctx = s.ccm[seal ? 1 : 0][CcmTagIndex(tag_size)];
    if (ctx == nullptr) ctx = TakeCcm(seal, tag_size, s.aes_key.data());
    return ctx;
  }

  // The HMAC context of `s`, keyed on first use; the raw key is cleansed once it is in.
  EVP_MAC_CTX* MacContext(Slot& s) {
    if (s.mac != nullptr) return s.mac;
    s.mac = TakeMac(ByteSpan(s.mac_key.data(), s.mac_key_len));
    if (s.mac != nullptr) OPENSSL_cleanse(s.mac_key.data(), s.mac_key.size());
    return s.mac;
  }

  Error Allocate(Kind kind, KeyHandle* handle, Slot** out) {
    uint32_t index;
    if (!free_list.empty()) {
      index = free_list.back();
      free_list.pop_back();
    } else {
      if (slots.size() > kIndexMask) return Error::kNoBufs;
      index = static_cast<uint32_t>(slots.size());
      slots.emplace_back();
    }
    Slot& s = slots[index];
    s.kind = kind;
    handle->id = static_cast<int32_t>((s.generation << kIndexBits) | index);
    *out = &s;
    return Error::kOk;
  }

  // The live slot of `kind` that `h` names, or nullptr for an invalid, released or
  // mismatched handle.
  Slot* Lookup(KeyHandle h, Kind kind) {
    if (!h.valid()) return nullptr;
    uint32_t id = static_cast<uint32_t>(h.id);
    uint32_t index = id & kIndexMask;
    if (index >= slots.size()) return nullptr;
    Slot& s = slots[index];
    if (s.kind != kind || s.generation != (id >> kIndexBits)) return nullptr;
    return &s;
  }

  void Release(KeyHandle h) {
    if (!h.valid()) return;
    uint32_t id = static_cast<uint32_t>(h.id);
    uint32_t index = id & kIndexMask;
    if (index >= slots.size()) return;
    Slot& s = slots[index];
    if (s.kind == Kind::kFree || s.generation != (id >> kIndexBits)) return;
    FreeSlot(s, /*keep=*/true);
    s.generation = (s.generation + 1) & kGenerationMask;
    free_list.push_back(index);
  }
};

OpenSslCrypto::OpenSslCrypto() : impl_(std::make_unique<Impl>()) {}
OpenSslCrypto::~OpenSslCrypto() = default;

Error OpenSslCrypto::Hmac(HashAlg alg, ByteSpan key, std::span<const ByteSpan> parts,
                          MutableByteSpan out) {
  const size_t hash_size = alg == HashAlg::kSha1 ? kSha1Size : kSha256Size;
  if (out.empty() || out.size() > hash_size) return Error::kInvalidArgument;
  EVP_MAC_CTX* ctx = alg == HashAlg::kSha1 ? impl_->oneshot_sha1 : impl_->oneshot_sha256;
  if (ctx == nullptr) return Error::kCrypto;

  std::array<uint8_t, kMaxHashSize> full;
  size_t full_len = 0;
  bool ok = EVP_MAC_init(ctx, KeyPtr(key), key.size(), nullptr) == 1 && MacUpdateParts(ctx, parts);
  ok = ok && EVP_MAC_final(ctx, full.data(), &full_len, full.size()) == 1 && full_len == hash_size;
  if (ok) std::memcpy(out.data(), full.data(), out.size());
  OPENSSL_cleanse(full.data(), full.size());
  return ok ? Error::kOk : Error::kCrypto;
}

// The prepared MAC. Options measured on OpenSSL 3.0 (64-byte message, 2 cores):
//   - EVP_MAC_init(ctx, NULL, 0, NULL) on the keyed context: ~300 ns, 2 malloc/free pairs;
//   - EVP_MAC_CTX_dup of a keyed template per call:          ~690 ns, 11 pairs;
//   - EVP_MAC_init with the key again (re-keying):             ~540 ns, 5 pairs;
//   - HMAC() / EVP_Q_mac one-shot:                             ~1500 ns, 13 pairs.
// Re-init with a NULL key restores the inner/outer states saved at import, so no key
// set-up is repeated; it is the fastest. The two remaining allocations are inside
// OpenSSL 3.0 itself: restoring a saved digest state duplicates the provider's SHA-256
// context on the heap (EVP_MD_CTX_copy_ex -> dupctx). Avoiding them would mean
// assembling HMAC from raw SHA-256 calls, which Vigil does not do.
//
// The key schedule is paid on the first MacCompute, not at import: every session imports
// a MAC key, but a session that encrypts its data (the default) never uses it, and an
// import that keyed a context would cost as much as a whole association message. Until
// then the slot holds the raw key (cleansed on release, or once keyed).
Error OpenSslCrypto::MacImport(ByteSpan key, KeyHandle* handle) {
  if (handle == nullptr) return Error::kInvalidArgument;
  handle->id = -1;
  if (impl_->hmac == nullptr) return Error::kCrypto;
  EVP_MAC_CTX* ctx = nullptr;
  if (key.size() > Impl::kLazyMacKeyMax) {
    ctx = impl_->TakeMac(key);
    if (ctx == nullptr) return Error::kCrypto;
  }
  Impl::Slot* s = nullptr;
  Error e = impl_->Allocate(Impl::Kind::kMac, handle, &s);
  if (e != Error::kOk) {
    EVP_MAC_CTX_free(ctx);
    return e;
  }
  s->mac = ctx;
  if (ctx == nullptr) {
    if (!key.empty()) std::memcpy(s->mac_key.data(), key.data(), key.size());
    s->mac_key_len = static_cast<uint8_t>(key.size());
  }
  return Error::kOk;
}

Error OpenSslCrypto::MacCompute(KeyHandle handle, std::span<const ByteSpan> parts,
                                MutableByteSpan out) {
  Impl::Slot* s = impl_->Lookup(handle, Impl::Kind::kMac);
  if (s == nullptr || out.empty() || out.size() > kSha256Size) return Error::kInvalidArgument;
  EVP_MAC_CTX* ctx = impl_->MacContext(*s);
  if (ctx == nullptr) return Error::kCrypto;
  std::array<uint8_t, kSha256Size> full;
  size_t full_len = 0;
  bool ok = EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 && MacUpdateParts(ctx, parts);
  ok =
      ok && EVP_MAC_final(ctx, full.data(), &full_len, full.size()) == 1 && full_len == kSha256Size;
  if (ok) std::memcpy(out.data(), full.data(), out.size());
  OPENSSL_cleanse(full.data(), full.size());
  return ok ? Error::kOk : Error::kCrypto;
}

// Re-keying in place: EVP_MAC_init with the new key replaces every key-dependent state of
// the context (as the wipe with the empty key in GiveMac does), so the old key is gone
// without a wipe of its own and without a trip through the pool. A slot not yet keyed
// (lazy) just swaps the raw key.
Error OpenSslCrypto::MacRekey(KeyHandle* handle, ByteSpan key) {
  if (handle == nullptr) return Error::kInvalidArgument;
  Impl::Slot* s = impl_->Lookup(*handle, Impl::Kind::kMac);
  if (s == nullptr || key.size() > Impl::kLazyMacKeyMax) {
    impl_->Release(*handle);
    return MacImport(key, handle);
  }
  if (s->mac == nullptr) {
    OPENSSL_cleanse(s->mac_key.data(), s->mac_key.size());
    if (!key.empty()) std::memcpy(s->mac_key.data(), key.data(), key.size());
    s->mac_key_len = static_cast<uint8_t>(key.size());
    return Error::kOk;
  }
  if (EVP_MAC_init(s->mac, KeyPtr(key), key.size(), nullptr) != 1) {
    impl_->Release(*handle);  // frees (and so cleanses) a context in an unknown state
    handle->id = -1;
    return Error::kCrypto;
  }
  return Error::kOk;
}

// AES-128-CCM. OpenSSL 3.0 fixes two things when a CCM context is keyed: the tag length
// (it goes into the B0 flags) and the direction (the bulk routine it picks encrypts or
// decrypts). So one context per (direction, tag length) is keyed on first use and kept;
// after that a seal or open sets only the nonce, and does no key set-up and no heap
// allocation (measured). The raw key is kept, cleansed on release, for those first uses.
// Contexts come from the pool of released ones when it has some: keying one then costs
// an AES key expansion, no allocation.
Error OpenSslCrypto::AeadImport(ByteSpan key16, KeyHandle* handle) {
  if (handle == nullptr) return Error::kInvalidArgument;
  handle->id = -1;
  if (key16.size() != kAes128KeySize) return Error::kInvalidArgument;
  if (impl_->aes_ccm == nullptr) return Error::kCrypto;
  Impl::Slot* s = nullptr;
  Error e = impl_->Allocate(Impl::Kind::kAead, handle, &s);
  if (e != Error::kOk) return e;
  std::memcpy(s->aes_key.data(), key16.data(), s->aes_key.size());
  // Key the usual case now (8-byte tag, as in 802.15.4 MIC-64), so that a first frame
  // does not pay for it and a broken back-end shows up at import.
  if (impl_->CcmContext(*s, true, 8) == nullptr || impl_->CcmContext(*s, false, 8) == nullptr) {
    impl_->Release(*handle);
    handle->id = -1;
    return Error::kCrypto;
  }
  return Error::kOk;
}

// Each context the slot holds is keyed again with the new key: the AES key schedule is
// overwritten, which is what the wipe on release does with the all-zero key, so the old
// key is gone and one key expansion is saved per context.
Error OpenSslCrypto::AeadRekey(KeyHandle* handle, ByteSpan key16) {
  if (handle == nullptr) return Error::kInvalidArgument;
  Impl::Slot* s = impl_->Lookup(*handle, Impl::Kind::kAead);
  if (s == nullptr || key16.size() != kAes128KeySize) {
    impl_->Release(*handle);
    return AeadImport(key16, handle);
  }
  std::memcpy(s->aes_key.data(), key16.data(), s->aes_key.size());
  bool ok = true;
  for (size_t dir = 0; dir < s->ccm.size(); ++dir) {
    for (EVP_CIPHER_CTX* ctx : s->ccm[dir]) {
      if (ctx != nullptr)
        ok = ok && EVP_CipherInit_ex(ctx, nullptr, nullptr, s->aes_key.data(), nullptr,
                                     static_cast<int>(dir)) == 1;
    }
  }
  ok =
      ok && impl_->CcmContext(*s, true, 8) != nullptr && impl_->CcmContext(*s, false, 8) != nullptr;
  if (!ok) {
    impl_->Release(*handle);  // wipes or frees whatever was keyed
    handle->id = -1;
    return Error::kCrypto;
  }
  return Error::kOk;
}

Error OpenSslCrypto::AeadSeal(KeyHandle handle, ByteSpan nonce13, ByteSpan aad, ByteSpan plain,
                              MutableByteSpan cipher, MutableByteSpan tag) {
  Impl::Slot* s = impl_->Lookup(handle, Impl::Kind::kAead);
  if (s == nullptr || nonce13.size() != kCcmNonceSize || cipher.size() != plain.size() ||
      !ValidCcmTagSize(tag.size()) || !FitsInt(aad.size()) || !FitsInt(plain.size())) {
    return Error::kInvalidArgument;
  }
  EVP_CIPHER_CTX* ctx = impl_->CcmContext(*s, true, tag.size());
  if (ctx == nullptr) return Error::kCrypto;
  const int tag_len = static_cast<int>(tag.size());
  // CCM needs the data step even for an empty message (it finalises the MAC), and OpenSSL
  // treats a null output pointer as "this is AAD": pass a dummy for empty spans.
  uint8_t dummy = 0;
  const uint8_t* in = plain.empty() ? &dummy : plain.data();
  uint8_t* out = cipher.empty() ? &dummy : cipher.data();
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce13.data()) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &len, nullptr, static_cast<int>(plain.size())) == 1 &&
            (aad.empty() || EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(),
                                              static_cast<int>(aad.size())) == 1) &&
            EVP_EncryptUpdate(ctx, out, &len, in, static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, &dummy, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, tag_len, tag.data()) == 1;
  if (!ok) {
    OPENSSL_cleanse(cipher.data(), cipher.size());
    OPENSSL_cleanse(tag.data(), tag.size());
    return Error::kCrypto;
  }
  return Error::kOk;
}

Error OpenSslCrypto::AeadOpen(KeyHandle handle, ByteSpan nonce13, ByteSpan aad, ByteSpan cipher,
                              ByteSpan tag, MutableByteSpan plain) {
  Impl::Slot* s = impl_->Lookup(handle, Impl::Kind::kAead);
  if (s == nullptr || nonce13.size() != kCcmNonceSize || cipher.size() != plain.size() ||
      !ValidCcmTagSize(tag.size()) || !FitsInt(aad.size()) || !FitsInt(cipher.size())) {
    return Error::kInvalidArgument;
  }
  EVP_CIPHER_CTX* ctx = impl_->CcmContext(*s, false, tag.size());
  if (ctx == nullptr) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return Error::kCrypto;
  }
  uint8_t dummy = 0;
  const uint8_t* in = cipher.empty() ? &dummy : cipher.data();
  uint8_t* out = plain.empty() ? &dummy : plain.data();
  int len = 0;
  // Set-up failures are ours (kCrypto); only the data step checks the tag, and its
  // failure is the peer's (kBadTag).
  // The nonce and the expected tag in one init: the tag as a parameter is what
  // EVP_CTRL_AEAD_SET_TAG becomes on OpenSSL 3, without a second trip through the
  // provider's parameter lookups.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                        const_cast<uint8_t*>(tag.data()), tag.size()),
      OSSL_PARAM_construct_end()};
  bool setup =
      EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce13.data(), params) == 1 &&
      EVP_DecryptUpdate(ctx, nullptr, &len, nullptr, static_cast<int>(cipher.size())) == 1 &&
      (aad.empty() ||
       EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1);
  if (!setup) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return Error::kCrypto;
  }
  if (EVP_DecryptUpdate(ctx, out, &len, in, static_cast<int>(cipher.size())) != 1) {
    // OpenSSL already wipes its output on a tag mismatch; do it here too so the contract
    // does not depend on that.
    OPENSSL_cleanse(plain.data(), plain.size());
    return Error::kBadTag;
  }
  return Error::kOk;
}

void OpenSslCrypto::Release(KeyHandle* handle) {
  if (handle == nullptr) return;
  impl_->Release(*handle);
  handle->id = -1;
}

Error OpenSslCrypto::Ed25519PublicFromPrivate(ByteSpan priv32, MutableByteSpan pub32) {
  if (priv32.size() != kEd25519PrivateKeySize || pub32.size() != kEd25519PublicKeySize) {
    return Error::kInvalidArgument;
  }
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv32.data(), priv32.size());
  if (pkey == nullptr) return Error::kCrypto;
  size_t len = pub32.size();
  bool ok =
      EVP_PKEY_get_raw_public_key(pkey, pub32.data(), &len) == 1 && len == kEd25519PublicKeySize;
  EVP_PKEY_free(pkey);
  return ok ? Error::kOk : Error::kCrypto;
}

Error OpenSslCrypto::Ed25519Sign(ByteSpan priv32, ByteSpan msg, MutableByteSpan sig64) {
  if (priv32.size() != kEd25519PrivateKeySize || sig64.size() != kEd25519SignatureSize) {
    return Error::kInvalidArgument;
  }
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv32.data(), priv32.size());
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  uint8_t dummy = 0;
  size_t len = sig64.size();
  // Ed25519 is one-shot only (no digest: pass NULL), hence EVP_DigestSign.
  bool ok =
      pkey != nullptr && md != nullptr &&
      EVP_DigestSignInit(md, nullptr, nullptr, nullptr, pkey) == 1 &&
      EVP_DigestSign(md, sig64.data(), &len, msg.empty() ? &dummy : msg.data(), msg.size()) == 1 &&
      len == kEd25519SignatureSize;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  if (!ok) OPENSSL_cleanse(sig64.data(), sig64.size());
  return ok ? Error::kOk : Error::kCrypto;
}

Error OpenSslCrypto::Ed25519Verify(ByteSpan pub32, ByteSpan msg, ByteSpan sig64) {
  if (pub32.size() != kEd25519PublicKeySize || sig64.size() != kEd25519SignatureSize) {
    return Error::kInvalidArgument;
  }
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub32.data(), pub32.size());
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  Error result = Error::kCrypto;
  if (pkey != nullptr && md != nullptr &&
      EVP_DigestVerifyInit(md, nullptr, nullptr, nullptr, pkey) == 1) {
    uint8_t dummy = 0;
    // 1 is a valid signature; 0 a wrong one; a negative value an undecodable point or
    // signature. All but 1 are the signer's problem, not ours.
    int r = EVP_DigestVerify(md, sig64.data(), sig64.size(), msg.empty() ? &dummy : msg.data(),
                             msg.size());
    result = r == 1 ? Error::kOk : Error::kBadTag;
  }
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  return result;
}

// ---------------------------------------------------------------------------------------

Error OsRandom::Fill(MutableByteSpan out) {
  if (out.empty()) return Error::kOk;
  // RAND_bytes takes an int length: fill in chunks for very large requests.
  size_t done = 0;
  while (done < out.size()) {
    const size_t n = std::min<size_t>(out.size() - done, 1u << 30);
    if (RAND_bytes(out.data() + done, static_cast<int>(n)) != 1) return Error::kCrypto;
    done += n;
  }
  return Error::kOk;
}

// The keystream is produced a buffer at a time, so that Next64() (called millions of
// times by the simulator) is a copy out of memory, not an EVP call.
struct SeededRandom::Impl {
  static constexpr size_t kBufferSize = 4096;
  EVP_CIPHER_CTX* ctx = nullptr;
  std::array<uint8_t, kBufferSize> zeros{};
  std::array<uint8_t, kBufferSize> buffer{};
  size_t pos = kBufferSize;  // empty: refill on first use
  bool failed = false;

  explicit Impl(uint64_t seed) {
    // key = first 16 bytes of SHA-256(seed as 8 little-endian bytes), IV = 0.
    uint8_t seed_bytes[8];
    for (int i = 0; i < 8; ++i) seed_bytes[i] = static_cast<uint8_t>(seed >> (8 * i));
    uint8_t digest[kSha256Size];
    unsigned int digest_len = 0;
    uint8_t iv[16] = {};
    EVP_CIPHER* aes_ctr = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr);
    ctx = EVP_CIPHER_CTX_new();
    failed = aes_ctr == nullptr || ctx == nullptr ||
             EVP_Digest(seed_bytes, sizeof(seed_bytes), digest, &digest_len, EVP_sha256(),
                        nullptr) != 1 ||
             EVP_EncryptInit_ex(ctx, aes_ctr, nullptr, digest, iv) != 1;
    EVP_CIPHER_free(aes_ctr);  // the context keeps its own reference
    OPENSSL_cleanse(digest, sizeof(digest));
  }
  ~Impl() {
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(buffer.data(), buffer.size());
  }

  bool Refill() {
    int len = 0;
    if (failed ||
        EVP_EncryptUpdate(ctx, buffer.data(), &len, zeros.data(), static_cast<int>(zeros.size())) !=
            1 ||
        len != static_cast<int>(buffer.size())) {
      failed = true;
      return false;
    }
    pos = 0;
    return true;
  }
};

SeededRandom::SeededRandom(uint64_t seed) : impl_(std::make_unique<Impl>(seed)) {}
SeededRandom::~SeededRandom() = default;

Error SeededRandom::Fill(MutableByteSpan out) {
  Impl& s = *impl_;
  size_t done = 0;
  while (done < out.size()) {
    if (s.pos == s.buffer.size() && !s.Refill()) return Error::kCrypto;
    const size_t n = std::min(out.size() - done, s.buffer.size() - s.pos);
    std::memcpy(out.data() + done, s.buffer.data() + s.pos, n);
    s.pos += n;
    done += n;
  }
  return Error::kOk;
}

uint64_t SeededRandom::Next64() {
  Impl& s = *impl_;
  if (s.buffer.size() - s.pos < 8) {
    // The buffer size is a multiple of 8, so a value never straddles two buffers unless
    // Fill() left an odd position; skipping the tail keeps the stream deterministic.
    if (!s.Refill()) {
      // Not reachable with a working libcrypto; a simulation cannot go on without it.
      OPENSSL_die("SeededRandom: keystream generation failed", __FILE__, __LINE__);
    }
  }
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | s.buffer[s.pos + static_cast<size_t>(i)];
  s.pos += 8;
  return v;
}

}  // namespace vigil
