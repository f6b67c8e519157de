#include "cloud/store/audit_head_key.h"

#include <vector>

#include "cloud/auth/secrets.h"
#include "common/hex.h"

namespace vigil::cloud {
namespace {

FieldContext SeedContext(const std::string& key_id) {
  return {kAuditHeadKeyTable, "private_key", "audit", key_id};
}

Status OpenActive(Database& db, const Keyring& keys, audit::HeadSigner* signer, std::string* key_id,
                  bool* found) {
  std::vector<Row> rows;
  if (Status s =
          db.Execute("SELECT key_id, private_key FROM audit_head_keys WHERE retired_us IS NULL "
                     "ORDER BY created_us DESC, key_id DESC LIMIT 1",
                     {}, &rows);
      !s.ok())
    return s;
  *found = !rows.empty();
  if (rows.empty()) return Status::Ok();
  const std::string id = rows[0].Text(0);
  const Blob sealed = rows[0].Bytes(1);
  std::vector<uint8_t> seed;
  if (Status s = keys.Unseal(SeedContext(id), sealed, &seed); !s.ok()) {
    return Fail(s.code == StoreError::kNotFound ? s.code : StoreError::kCrypto,
                "audit head key " + id + " does not open: " + s.message);
  }
  if (signer->Init(seed) != Error::kOk)
    return Fail(StoreError::kCrypto, "audit head key " + id + " is not an Ed25519 seed");
  if (key_id != nullptr) *key_id = id;
  return Status::Ok();
}

}  // namespace

Status LoadOrCreateHeadSigner(Database& db, const Keyring& keys, int64_t now_us,
                              audit::HeadSigner* signer, std::string* key_id) {
  bool found = false;
  if (Status s = OpenActive(db, keys, signer, key_id, &found); !s.ok() || found) return s;
  const auto seed = auth::RandomBytes(audit::kEd25519KeyBytes);
  const auto id_bytes = auth::RandomBytes(8);
  if (!seed.has_value() || !id_bytes.has_value())
    return Fail(StoreError::kCrypto, "no random bytes for the audit head key");
  const std::string id = "ahk-" + ToHex(*id_bytes);
  audit::HeadSigner fresh;
  if (fresh.Init(*seed) != Error::kOk)
    return Fail(StoreError::kCrypto, "Ed25519 refused a fresh seed");
  Blob sealed;
  if (Status s = keys.Seal(SeedContext(id), ByteSpan(seed->data(), seed->size()), &sealed); !s.ok())
    return s;
  const auto pub = fresh.public_key();
  // Two replicas starting at once may both create one; the newest is used by both after
  // their next load, and either signature verifies under its own key's public half.
  if (Status s = db.Execute(
          "INSERT INTO audit_head_keys (key_id, private_key, public_key, created_us, retired_us) "
          "VALUES (?, ?, ?, ?, NULL)",
          {Value{id}, Value{sealed}, Value{Blob(pub.begin(), pub.end())}, Value{now_us}});
      !s.ok())
    return s;
  return OpenActive(db, keys, signer, key_id, &found);
}

Status LoadHeadVerifier(Database& db, const Keyring& keys, audit::HeadVerifier* verifier) {
  audit::HeadSigner signer;
  bool found = false;
  if (Status s = OpenActive(db, keys, &signer, nullptr, &found); !s.ok()) return s;
  if (!found) return Fail(StoreError::kNotFound, "no audit head key in the database");
  if (verifier->Init(signer.public_key()) != Error::kOk)
    return Fail(StoreError::kCrypto, "Ed25519 refused the public key");
  return Status::Ok();
}

Status HasHeadKey(Database& db, bool* has) {
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT COUNT(*) FROM audit_head_keys", {}, &rows); !s.ok()) return s;
  *has = rows.at(0).Int(0) > 0;
  return Status::Ok();
}

}  // namespace vigil::cloud
