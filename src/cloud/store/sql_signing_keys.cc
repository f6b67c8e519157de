#include "cloud/store/sql_signing_keys.h"

#include "cloud/auth/secrets.h"
#include "common/hex.h"

namespace vigil::cloud {
namespace {

FieldContext PrivateContext(const std::string& kid) {
  return {"jwt_signing_keys", "private_key", "jwt", kid};
}

}  // namespace

Status SqlSigningKeys::Rotate(TimeUs now, auth::JwtSigningKey* out) {
  const auto id = auth::RandomBytes(8);
  if (!id.has_value()) return Fail(StoreError::kCrypto, "no random bytes for a kid");
  auth::JwtSigningKey key;
  if (auth::GenerateSigningKey("k-" + ToHex(*id), &key) != vigil::Error::kOk)
    return Fail(StoreError::kCrypto, "generating a signing key failed");
  Blob sealed;
  if (Status s = keys_.Seal(PrivateContext(key.kid), key.private_pem, &sealed); !s.ok()) return s;
  if (Status s = db_.Execute(
          "INSERT INTO jwt_signing_keys (kid, private_key, public_pem, created_us, retired_us) "
          "VALUES (?, ?, ?, ?, NULL)",
          {Value{key.kid}, Value{sealed}, Value{key.public_pem}, Value{now}});
      !s.ok())
    return s;
  *out = std::move(key);
  return Status::Ok();
}

Status SqlSigningKeys::Active(auth::JwtSigningKey* out) {
  std::vector<Row> rows;
  if (Status s = db_.Execute(
          "SELECT kid, private_key, public_pem FROM jwt_signing_keys WHERE retired_us IS NULL "
          "ORDER BY created_us DESC, kid DESC LIMIT 1",
          {}, &rows);
      !s.ok())
    return s;
  if (rows.empty()) return Fail(StoreError::kNotFound, "no active JWT signing key");
  auth::JwtSigningKey key;
  key.kid = rows[0].Text(0);
  std::vector<uint8_t> pem;
  if (Status s = keys_.Unseal(PrivateContext(key.kid), rows[0].Bytes(1), &pem); !s.ok())
    return Fail(s.code, "signing key " + key.kid + ": " + s.message);
  key.private_pem.assign(pem.begin(), pem.end());
  key.public_pem = rows[0].Text(2);
  *out = std::move(key);
  return Status::Ok();
}

Status SqlSigningKeys::ActiveOrCreate(TimeUs now, auth::JwtSigningKey* out) {
  Status s = Active(out);
  if (s.code != StoreError::kNotFound) return s;
  return Rotate(now, out);
}

Status SqlSigningKeys::PublicKeys(TimeUs since, std::vector<PublicSigningKey>* out) {
  std::vector<Row> rows;
  if (Status s = db_.Execute(
          "SELECT kid, public_pem, created_us, retired_us FROM jwt_signing_keys "
          "WHERE retired_us IS NULL OR retired_us >= ? ORDER BY created_us DESC, kid DESC",
          {Value{since}}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows)
    out->push_back({r.Text(0), r.Text(1), r.Int(2), r.IsNull(3) ? 0 : r.Int(3)});
  return Status::Ok();
}

Status SqlSigningKeys::Retire(std::string_view kid, TimeUs now) {
  int64_t n = 0;
  if (Status s = db_.Execute(
          "UPDATE jwt_signing_keys SET retired_us = ? WHERE kid = ? AND retired_us IS NULL",
          {Value{now}, Value{std::string(kid)}}, nullptr, &n);
      !s.ok())
    return s;
  if (n > 0) return Status::Ok();
  std::vector<Row> rows;
  if (Status s = db_.Execute("SELECT 1 FROM jwt_signing_keys WHERE kid = ?",
                             {Value{std::string(kid)}}, &rows);
      !s.ok())
    return s;
  return rows.empty() ? Fail(StoreError::kNotFound, "no signing key " + std::string(kid))
                      : Status::Ok();
}

}  // namespace vigil::cloud
