// The signed head of the audit chain (docs/audit.md, "The signed head"): (seq, hash) of
// the last record, with the time it was signed, under an Ed25519 key kept apart from the
// database.
//
// Why a signature: the hash chain alone shows an edit in the middle, but anyone who can
// write the database can also cut records off the tail, or rewrite a whole suffix and
// recompute its hashes, since SHA-256 needs no key. A head signed with a key the database
// does not hold fixes the end of the chain: a chain that stops before the head, or whose
// record at head.seq has another hash, is caught (audit_chain.h, Verify).
//
// Why Ed25519 rather than an HMAC: the verifier needs only the public key, so an auditor,
// a SIEM or a restore test can check the chain without being able to sign a forged head.
// The service signs a new head after appends (every N records or T seconds, its choice)
// and keeps the latest also outside the database (log line, SIEM), so that a rollback of
// the whole database to an older copy, old head included, is caught against that copy.
//
// Signed message: "vigil-audit-head-v1" || seq (8 bytes BE) || hash (32) || time_ms (8 BE).
// Thread-safety: a signer or verifier is immutable after Init; concurrent use is safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cloud/audit/audit_chain_types.h"
#include "common/error.h"

struct evp_pkey_st;

namespace vigil::audit {

inline constexpr std::string_view kHeadDomain = "vigil-audit-head-v1";
inline constexpr size_t kEd25519KeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

struct SignedHead {
  ChainHead head;
  int64_t time_ms = 0;  // when it was signed (UTC ms)
  std::array<uint8_t, kEd25519SignatureBytes> signature{};
};

// The bytes the signature covers.
std::string HeadMessage(const ChainHead& head, int64_t time_ms);

// The head as one line of text, for the copy kept outside the database (a log line, a
// SIEM, a file beside a backup):
//   vigil-audit-head-v1 <seq> <hash: 64 lowercase hex> <time_ms> <signature: 128 lowercase hex>
// decimal integers without sign or leading zeros; no newline.
std::string FormatSignedHead(const SignedHead& h);
// Reads that line back (exactly: one space between fields, nothing after the signature
// but an optional "\n"). False (and *out unchanged) for anything else. It checks the form
// only; HeadVerifier::Verify checks the signature.
bool ParseSignedHead(std::string_view line, SignedHead* out);

namespace detail {
struct PkeyFree {
  void operator()(evp_pkey_st* p) const;
};
}  // namespace detail

class HeadSigner {
 public:
  // From the 32-byte Ed25519 private key (RFC 8032 seed). kInvalidArgument for another
  // length, kCrypto if OpenSSL refuses it.
  Error Init(std::span<const uint8_t> seed);
  bool ready() const { return key_ != nullptr; }
  // REQUIRES: ready(). kCrypto if signing failed (*out unchanged).
  Error Sign(const ChainHead& head, int64_t time_ms, SignedHead* out) const;
  // The 32-byte public key, for HeadVerifier. REQUIRES: ready().
  std::array<uint8_t, kEd25519KeyBytes> public_key() const;

 private:
  std::unique_ptr<evp_pkey_st, detail::PkeyFree> key_;
};

class HeadVerifier {
 public:
  // From the 32-byte Ed25519 public key. kInvalidArgument for another length, kCrypto if
  // OpenSSL refuses it.
  Error Init(std::span<const uint8_t> public_key);
  bool ready() const { return key_ != nullptr; }
  // True if `h` carries a valid signature under this key. REQUIRES: ready().
  bool Verify(const SignedHead& h) const;

 private:
  std::unique_ptr<evp_pkey_st, detail::PkeyFree> key_;
};

}  // namespace vigil::audit
