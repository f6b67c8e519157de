// The JWT signing keys (jwt.h) that every replica signs access tokens with and verifies
// them by (table `jwt_signing_keys`, migration 2). The private key's PEM is sealed under
// the keyring (FieldContext jwt_signing_keys / private_key / "jwt" / kid), so a copy of
// the database mints no token, and a sealed key copied under another kid does not open.
// The public PEM is in clear: it is what /.well-known/jwks publishes anyway.
//
// Rotation: Rotate makes a new key the active one (the newest not retired); the older
// ones keep verifying until retired, so tokens issued just before a rotation stay valid
// for their few minutes. Two replicas rotating at once both add a key; the newest wins for
// signing and both verify.
//
// Errors: kCrypto (a private key that does not open, or OpenSSL failed), kNotFound (no
// active key, or Retire of an unknown kid), or the database's.
// Thread-safety: one instance per Database connection; neither is thread-safe.
#pragma once

#include <string>
#include <vector>

#include "cloud/auth/jwt.h"
#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"
#include "common/time.h"

namespace vigil::cloud {

struct PublicSigningKey {
  std::string kid;
  std::string public_pem;
  TimeUs created = 0;
  TimeUs retired = 0;  // 0 while active
};

class SqlSigningKeys {
 public:
  SqlSigningKeys(Database& db, const Keyring& keys) : db_(db), keys_(keys) {}

  // Generates a key with a random kid, stores it sealed; it becomes the active one.
  Status Rotate(TimeUs now, auth::JwtSigningKey* out);
  // The newest key not retired, private half opened. kNotFound if there is none.
  Status Active(auth::JwtSigningKey* out);
  // The active one, created first when there is none (a fresh database).
  Status ActiveOrCreate(TimeUs now, auth::JwtSigningKey* out);
  // Every key not retired before `since`, newest first: what verifiers accept.
  Status PublicKeys(TimeUs since, std::vector<PublicSigningKey>* out);
  Status Retire(std::string_view kid, TimeUs now);

 private:
  Database& db_;
  const Keyring& keys_;
};

}  // namespace vigil::cloud
