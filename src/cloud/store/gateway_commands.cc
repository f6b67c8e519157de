#include "cloud/store/gateway_commands.h"

#include <algorithm>

#include "cloud/auth/secrets.h"
#include "cloud/store/device_inventory.h"
#include "common/hex.h"

namespace vigil::cloud {
namespace {

FieldContext SeedContext(const std::string& key_id) {
  return {"command_keys", "private_key", "commands", key_id};
}

Status OpenActive(Database& db, const Keyring& keys, uplink::CommandSigner* signer, bool* found) {
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT key_id, private_key FROM command_keys WHERE retired_us IS NULL "
                            "ORDER BY created_us DESC, key_id DESC LIMIT 1",
                            {}, &rows);
      !s.ok())
    return s;
  *found = !rows.empty();
  if (rows.empty()) return Status::Ok();
  const std::string id = rows[0].Text(0);
  std::vector<uint8_t> seed;
  if (Status s = keys.Unseal(SeedContext(id), rows[0].Bytes(1), &seed); !s.ok())
    return Fail(StoreError::kCrypto, "command key " + id + " does not open: " + s.message);
  if (signer->Init(seed) != Error::kOk)
    return Fail(StoreError::kCrypto, "command key " + id + " is not an Ed25519 seed");
  return Status::Ok();
}

constexpr std::string_view kCommandColumns =
    "SELECT command_id, gateway, site, action, device_uid, reason, requested_by, line, state, "
    "result, created_ms, expires_ms, sent_ms, done_ms, sends FROM gateway_commands ";

StoredCommand FromRow(const Row& r) {
  StoredCommand c;
  c.command_id = r.Text(0);
  c.gateway = r.Text(1);
  c.site = r.Text(2);
  c.action = r.Text(3);
  c.device_uid = r.Text(4);
  c.reason = r.Text(5);
  c.requested_by = r.Text(6);
  c.line = r.Text(7);
  c.state = r.Text(8);
  c.result = r.IsNull(9) ? "" : r.Text(9);
  c.created_ms = r.Int(10);
  c.expires_ms = r.Int(11);
  c.sent_ms = r.IsNull(12) ? 0 : r.Int(12);
  c.done_ms = r.IsNull(13) ? 0 : r.Int(13);
  c.sends = r.Int(14);
  return c;
}

}  // namespace

Status LoadOrCreateCommandSigner(Database& db, const Keyring& keys, int64_t now_us,
                                 uplink::CommandSigner* signer) {
  bool found = false;
  if (Status s = OpenActive(db, keys, signer, &found); !s.ok() || found) return s;
  const Status made = WithinTransaction(db, [&]() -> Status {
    if (db.backend() == Backend::kPostgres)
      if (Status s = db.ExecScript("LOCK TABLE command_keys IN SHARE ROW EXCLUSIVE MODE"); !s.ok())
        return s;
    std::vector<Row> rows;
    if (Status s =
            db.Execute("SELECT COUNT(*), SUM(CASE WHEN retired_us IS NULL THEN 1 ELSE 0 END) "
                       "FROM command_keys",
                       {}, &rows);
        !s.ok())
      return s;
    if (rows.at(0).Int(1) > 0) return Status::Ok();  // another replica made it meanwhile
    const std::string id = "cmk-" + std::to_string(rows.at(0).Int(0) + 1);
    const auto seed = auth::RandomBytes(uplink::kCommandSeedBytes);
    if (!seed) return Fail(StoreError::kCrypto, "no random bytes for the command key");
    uplink::CommandSigner fresh;
    if (fresh.Init(*seed) != Error::kOk)
      return Fail(StoreError::kCrypto, "Ed25519 refused a fresh seed");
    Blob sealed;
    if (Status s = keys.Seal(SeedContext(id), ByteSpan(seed->data(), seed->size()), &sealed);
        !s.ok())
      return s;
    const auto pub = fresh.public_key();
    return db.Execute(
        "INSERT INTO command_keys (key_id, private_key, public_key, created_us, retired_us) "
        "VALUES (?, ?, ?, ?, NULL)",
        {Value{id}, Value{sealed}, Value{Blob(pub.begin(), pub.end())}, Value{now_us}});
  });
  if (!made.ok()) return made;
  if (Status s = OpenActive(db, keys, signer, &found); !s.ok()) return s;
  if (!found) return Fail(StoreError::kSchema, "command key vanished after creating it");
  return Status::Ok();
}

Status IssueRevoke(Database& db, const uplink::CommandSigner& signer, std::string_view device_uid,
                   std::string_view reason, std::string_view requested_by, int64_t now_ms,
                   StoredCommand* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT gateway, site FROM devices WHERE device_uid = ?",
                            {Value{std::string(device_uid)}}, &rows);
      !s.ok())
    return s;
  if (rows.empty()) return Fail(StoreError::kNotFound, "no gateway reported that device");
  const std::optional<uint64_t> uid = UidFromString(device_uid);
  if (!uid) return Fail(StoreError::kMisuse, "a device uid is 16 hex digits");
  const auto id_bytes = auth::RandomBytes(8);
  const auto nonce = auth::RandomBytes(uplink::kCommandNonceBytes);
  if (!id_bytes || !nonce) return Fail(StoreError::kCrypto, "no random bytes for a command");
  uplink::Command c;
  c.id = "cmd-" + ToHex(ByteSpan(id_bytes->data(), id_bytes->size()));
  c.gateway = rows[0].Text(0);
  c.site = rows[0].Text(1);
  c.action = uplink::CommandAction::kRevoke;
  c.device_uid = *uid;
  c.issued_ms = now_ms;
  c.expires_ms = now_ms + kCommandLifetimeMs;
  std::copy(nonce->begin(), nonce->end(), c.nonce.begin());
  if (signer.Sign(&c) != Error::kOk) return Fail(StoreError::kCrypto, "signing the command failed");
  StoredCommand sc;
  sc.command_id = c.id;
  sc.gateway = c.gateway;
  sc.site = c.site;
  sc.action = "revoke";
  sc.device_uid = std::string(device_uid);
  sc.reason = std::string(reason);
  sc.requested_by = std::string(requested_by);
  sc.line = uplink::FormatCommand(c);
  sc.state = "pending";
  sc.created_ms = now_ms;
  sc.expires_ms = c.expires_ms;
  if (Status s = db.Execute(
          "INSERT INTO gateway_commands (command_id, gateway, site, action, device_uid, reason, "
          "requested_by, created_ms, expires_ms, line, state, sends) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0)",
          {Value{sc.command_id}, Value{sc.gateway}, Value{sc.site}, Value{sc.action},
           Value{sc.device_uid}, Value{sc.reason}, Value{sc.requested_by}, Value{now_ms},
           Value{sc.expires_ms}, Value{sc.line}});
      !s.ok())
    return s;
  if (out != nullptr) *out = std::move(sc);
  return Status::Ok();
}

Status DueCommands(Database& db, int64_t now_ms, size_t limit, std::vector<StoredCommand>* out) {
  if (Status s = db.Execute("UPDATE gateway_commands SET state = 'expired', done_ms = ? "
                            "WHERE state = 'pending' AND expires_ms <= ?",
                            {Value{now_ms}, Value{now_ms}});
      !s.ok())
    return s;
  std::vector<Row> rows;
  if (Status s =
          db.Execute(std::string(kCommandColumns) +
                         "WHERE state = 'pending' AND (sent_ms IS NULL OR sent_ms <= ?) "
                         "ORDER BY created_ms, command_id LIMIT ?",
                     {Value{now_ms - kCommandResendMs}, Value{static_cast<int64_t>(limit)}}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) out->push_back(FromRow(r));
  return Status::Ok();
}

Status MarkSent(Database& db, std::string_view command_id, int64_t now_ms) {
  return db.Execute(
      "UPDATE gateway_commands SET sent_ms = ?, sends = sends + 1 WHERE command_id = ?",
      {Value{now_ms}, Value{std::string(command_id)}});
}

Status SettleCommand(Database& db, std::string_view command_id, std::string_view gateway, bool done,
                     std::string_view detail, int64_t now_ms, bool* settled) {
  return WithinTransaction(db, [&]() -> Status {
    std::vector<Row> rows;
    if (Status s = db.Execute("UPDATE gateway_commands SET state = ?, done_ms = ?, result = ? "
                              "WHERE command_id = ? AND gateway = ? AND state = 'pending' "
                              "RETURNING device_uid, action",
                              {Value{std::string(done ? "done" : "refused")}, Value{now_ms},
                               Value{std::string(detail)}, Value{std::string(command_id)},
                               Value{std::string(gateway)}},
                              &rows);
        !s.ok())
      return s;
    if (settled != nullptr) *settled = !rows.empty();
    if (!rows.empty() && done && rows[0].Text(1) == "revoke")
      return MarkDeviceRevoked(db, rows[0].Text(0), now_ms);
    return Status::Ok();
  });
}

Status ReadCommand(Database& db, std::string_view command_id, StoredCommand* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute(std::string(kCommandColumns) + "WHERE command_id = ?",
                            {Value{std::string(command_id)}}, &rows);
      !s.ok())
    return s;
  if (rows.empty()) return Fail(StoreError::kNotFound, "no such command");
  *out = FromRow(rows[0]);
  return Status::Ok();
}

Status ListCommands(Database& db, size_t limit, std::vector<StoredCommand>* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute(
          std::string(kCommandColumns) + "ORDER BY created_ms DESC, command_id DESC LIMIT ?",
          {Value{static_cast<int64_t>(limit)}}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) out->push_back(FromRow(r));
  return Status::Ok();
}

}  // namespace vigil::cloud
