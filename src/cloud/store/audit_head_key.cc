#include "cloud/store/audit_head_key.h"

#include <vector>

#include "cloud/auth/secrets.h"

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
  // Created under a lock on the table (SQLite: the write lock of BEGIN IMMEDIATE), after
  // looking again: two replicas starting on a fresh database make one key between them,
  // so no head is ever signed with a key the verifier does not take for the active one.
  const Status made = WithinTransaction(db, [&]() -> Status {
    if (db.backend() == Backend::kPostgres)
      if (Status s = db.ExecScript("LOCK TABLE audit_head_keys IN SHARE ROW EXCLUSIVE MODE");
          !s.ok())
        return s;
    std::vector<Row> rows;
    if (Status s =
            db.Execute("SELECT COUNT(*), SUM(CASE WHEN retired_us IS NULL THEN 1 ELSE 0 END) "
                       "FROM audit_head_keys",
                       {}, &rows);
        !s.ok())
      return s;
    if (rows.at(0).Int(1) > 0) return Status::Ok();  // another replica made it meanwhile
    const std::string id = "ahk-" + std::to_string(rows.at(0).Int(0) + 1);
    const auto seed = auth::RandomBytes(audit::kEd25519KeyBytes);
    if (!seed.has_value())
      return Fail(StoreError::kCrypto, "no random bytes for the audit head key");
    audit::HeadSigner fresh;
    if (fresh.Init(*seed) != Error::kOk)
      return Fail(StoreError::kCrypto, "Ed25519 refused a fresh seed");
    Blob sealed;
    if (Status s = keys.Seal(SeedContext(id), ByteSpan(seed->data(), seed->size()), &sealed);
        !s.ok())
      return s;
    const auto pub = fresh.public_key();
    return db.Execute(
        "INSERT INTO audit_head_keys (key_id, private_key, public_key, created_us, retired_us) "
        "VALUES (?, ?, ?, ?, NULL)",
        {Value{id}, Value{sealed}, Value{Blob(pub.begin(), pub.end())}, Value{now_us}});
  });
  if (!made.ok()) return made;
  if (Status s = OpenActive(db, keys, signer, key_id, &found); !s.ok()) return s;
  if (!found) return Fail(StoreError::kSchema, "audit head key vanished after creating it");
  return Status::Ok();
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
