#include "cloud/store/device_inventory.h"

namespace vigil::cloud {
namespace {

std::string DeviceOwner(std::string_view uid) { return "device:" + std::string(uid); }

InventoryDevice FromRow(const Row& r) {
  InventoryDevice d;
  d.uid = r.Text(0);
  d.gateway = r.Text(1);
  d.site = r.Text(2);
  d.kind = r.Text(3);
  d.ward = r.Text(4);
  d.state = r.Text(5);
  d.firmware_version = r.IsNull(6) ? "" : r.Text(6);
  d.last_seen_ms = r.IsNull(7) ? 0 : r.Int(7);
  d.reported_ms = r.Int(8);
  return d;
}

constexpr std::string_view kColumns =
    "SELECT device_uid, gateway, site, device_kind, ward, state, firmware_version, "
    "last_seen_ms, reported_ms, pseudonym FROM devices ";

}  // namespace

Status UpsertDevice(Database& db, const Keyring& keys, const InventoryDevice& d,
                    std::string_view pseudonym) {
  Value hash{nullptr}, sealed{nullptr};
  if (!pseudonym.empty()) {
    hash = Value{keys.PseudonymHash(pseudonym)};
    Blob b;
    if (Status s = keys.Seal({"devices", "pseudonym", DeviceOwner(d.uid), d.uid}, pseudonym, &b);
        !s.ok())
      return s;
    sealed = Value{std::move(b)};
  }
  return db.Execute(
      "INSERT INTO devices (device_uid, gateway, site, device_kind, ward, state, "
      "firmware_version, last_seen_ms, reported_ms, pseudonym_hash, pseudonym) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_uid) DO UPDATE SET "
      "gateway = excluded.gateway, site = excluded.site, device_kind = excluded.device_kind, "
      "ward = excluded.ward, state = excluded.state, "
      "firmware_version = COALESCE(excluded.firmware_version, devices.firmware_version), "
      "last_seen_ms = COALESCE(excluded.last_seen_ms, devices.last_seen_ms), "
      "reported_ms = excluded.reported_ms, "
      "pseudonym_hash = COALESCE(excluded.pseudonym_hash, devices.pseudonym_hash), "
      "pseudonym = COALESCE(excluded.pseudonym, devices.pseudonym) "
      "WHERE excluded.reported_ms >= devices.reported_ms",
      {Value{d.uid}, Value{d.gateway}, Value{d.site}, Value{d.kind}, Value{d.ward}, Value{d.state},
       d.firmware_version.empty() ? Value{nullptr} : Value{d.firmware_version},
       d.last_seen_ms > 0 ? Value{d.last_seen_ms} : Value{nullptr}, Value{d.reported_ms}, hash,
       sealed});
}

Status ReadDevice(Database& db, const Keyring& keys, std::string_view uid, InventoryDevice* out,
                  std::string* pseudonym) {
  std::vector<Row> rows;
  if (Status s = db.Execute(std::string(kColumns) + "WHERE device_uid = ?",
                            {Value{std::string(uid)}}, &rows);
      !s.ok())
    return s;
  if (rows.empty()) return Fail(StoreError::kNotFound, "no such device in the inventory");
  *out = FromRow(rows[0]);
  if (pseudonym != nullptr) {
    pseudonym->clear();
    if (!rows[0].IsNull(9)) {
      std::vector<uint8_t> plain;
      if (Status s = keys.Unseal({"devices", "pseudonym", DeviceOwner(out->uid), out->uid},
                                 rows[0].Bytes(9), &plain);
          !s.ok())
        return s;
      pseudonym->assign(plain.begin(), plain.end());
    }
  }
  return Status::Ok();
}

Status ListDevices(Database& db, std::vector<InventoryDevice>* out) {
  std::vector<Row> rows;
  if (Status s = db.Execute(std::string(kColumns) + "ORDER BY gateway, device_uid", {}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) out->push_back(FromRow(r));
  return Status::Ok();
}

Status MarkDeviceRevoked(Database& db, std::string_view uid, int64_t time_ms) {
  return db.Execute(
      "UPDATE devices SET state = 'revoked', reported_ms = ? WHERE device_uid = ? "
      "AND reported_ms <= ?",
      {Value{time_ms}, Value{std::string(uid)}, Value{time_ms}});
}

}  // namespace vigil::cloud
