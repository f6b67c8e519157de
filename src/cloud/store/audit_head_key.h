// The Ed25519 key that signs the audit chain's head (chain_head.h), kept in the database
// sealed under the keyring (table `audit_head_keys`, migration 2), so that every replica
// signs with the same key and the key is as safe as the master key that seals it.
//
// Why in the database at all: the replicas share nothing else. Why sealed: whoever can
// write the database could otherwise sign a head over a rewritten chain; without the
// master key the sealed seed opens for no one, and a seed sealed for another row or
// table does not open here (FieldContext: audit_head_keys / private_key / "audit" /
// key id). The public key is stored beside it in clear for convenience only: a verifier
// trusts the public key it derives from the opened seed (needs the master key) or one it
// was given (`vigil audit verify --head-key`), never the stored column.
//
// One active key (retired_us NULL); LoadOrCreateHeadSigner creates it on first use, race
// free: replicas starting together on a fresh database end up with the same key.
// Errors: kCrypto (the seed does not open: wrong master key, moved or altered row), kNotFound
// (LoadHeadVerifier on a database where no key was made yet), or the database's.
// Thread-safety: the calls use `db` (one connection, not thread-safe); the signer and
// verifier they fill are safe to share afterwards.
#pragma once

#include <string>

#include "cloud/audit/chain_head.h"
#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

inline constexpr std::string_view kAuditHeadKeyTable = "audit_head_keys";

// REQUIRES: keys opened on `db`. `key_id` (may be null) receives the key's id.
Status LoadOrCreateHeadSigner(Database& db, const Keyring& keys, int64_t now_us,
                              audit::HeadSigner* signer, std::string* key_id = nullptr);

// The verifier of the active key, from its opened seed.
Status LoadHeadVerifier(Database& db, const Keyring& keys, audit::HeadVerifier* verifier);

// True when a head key was made (so that opening the keyring is worth it).
Status HasHeadKey(Database& db, bool* has);

}  // namespace vigil::cloud
