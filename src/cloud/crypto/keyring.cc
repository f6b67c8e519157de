#include "cloud/crypto/keyring.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/hex.h"
#include "edge/record_cipher.h"

namespace vigil::cloud {
namespace {

constexpr size_t kWrappedSize = kSealOverhead + 32;

Blob KeyAad(uint32_t id, std::string_view purpose) {
  std::string s = "vigil-cloud-data-key-v1|" + std::to_string(id) + "|" + std::string(purpose);
  return Blob(s.begin(), s.end());
}

void AppendField(Blob* out, std::string_view s) {
  const size_t n = std::min<size_t>(s.size(), 0xffff);
  out->push_back(static_cast<uint8_t>(n >> 8));
  out->push_back(static_cast<uint8_t>(n));
  out->insert(out->end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
}

Blob FieldAad(ByteSpan header, const FieldContext& c) {
  Blob aad(header.begin(), header.end());
  AppendField(&aad, c.table);
  AppendField(&aad, c.column);
  AppendField(&aad, c.owner);
  AppendField(&aad, c.row);
  return aad;
}

}  // namespace

std::string PatientOwner(int64_t patient_id) { return "patient:" + std::to_string(patient_id); }
std::string PseudonymOwner(ByteSpan h) { return "pseudonym:" + ToHex(h); }

Keyring::Keyring() = default;
Keyring::~Keyring() { OPENSSL_cleanse(index_key_.data(), index_key_.size()); }

const MasterKey* Keyring::FindMaster(std::string_view id) const {
  for (const MasterKey& m : masters_)
    if (m.id == id) return &m;
  return nullptr;
}

Status Keyring::Open(Database& db, std::vector<MasterKey> masters, int64_t now_ms) {
  if (masters.empty()) return Fail(StoreError::kMisuse, "no master key");
  masters_ = std::move(masters);
  if (Status s = Load(db); !s.ok()) return s;
  if (has_index_ && active_ != 0) return Status::Ok();
  // An empty table: create the index key (1) and the first field key (2) together.
  // Two processes doing it at once: the second gets a constraint error and loads.
  Transaction tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  Status s = CreateKey(db, 1, "index", now_ms);
  if (s.ok()) s = CreateKey(db, 2, "field", now_ms);
  if (s.ok()) s = tx.Commit();
  if (!s.ok() && s.code != StoreError::kConstraint) return s;
  return Load(db);
}

Status Keyring::Reload(Database& db) { return Load(db); }

Status Keyring::CreateKey(Database& db, uint32_t id, std::string_view purpose, int64_t now_ms) {
  std::array<uint8_t, 32> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
    return Fail(StoreError::kCrypto, "the random source failed");
  RecordCipher wrap;
  wrap.SetKey(masters_.front().key);
  std::vector<uint8_t> wrapped;
  const Error e = wrap.Seal(key, KeyAad(id, purpose), &wrapped);
  OPENSSL_cleanse(key.data(), key.size());
  if (e != Error::kOk) return Fail(StoreError::kCrypto, "cannot wrap a data key");
  return db.Execute(
      "INSERT INTO data_keys (key_id, purpose, master_id, wrapped, created_ms, active) "
      "VALUES (?, ?, ?, ?, ?, 1)",
      {Value{int64_t{id}}, Value{std::string(purpose)}, Value{masters_.front().id},
       Value{Blob(wrapped)}, Value{now_ms}});
}

Status Keyring::Load(Database& db) {
  std::vector<Row> rows;
  if (Status s = db.Execute(
          "SELECT key_id, purpose, master_id, wrapped, active FROM data_keys ORDER BY key_id", {},
          &rows);
      !s.ok())
    return s;
  std::map<uint32_t, std::unique_ptr<RecordCipher>> keys;
  uint32_t active = 0;
  bool has_index = false;
  std::array<uint8_t, 32> index_key{};
  for (const Row& r : rows) {
    const auto id = static_cast<uint32_t>(r.Int(0));
    const std::string purpose = r.Text(1), master_id = r.Text(2);
    const Blob wrapped = r.Bytes(3);
    const MasterKey* m = FindMaster(master_id);
    if (m == nullptr)
      return Fail(StoreError::kCrypto, "data key " + std::to_string(id) +
                                           " is wrapped under master key " + master_id +
                                           ", which was not given");
    std::array<uint8_t, 32> key{};
    RecordCipher unwrap;
    unwrap.SetKey(m->key);
    if (wrapped.size() != kWrappedSize ||
        unwrap.Open(wrapped, KeyAad(id, purpose), key) != Error::kOk)
      return Fail(StoreError::kCrypto, "data key " + std::to_string(id) +
                                           " does not unwrap under master key " + master_id +
                                           " (wrong key, or the row was altered)");
    if (purpose == "index") {
      index_key = key;
      has_index = true;
    } else {
      auto c = std::make_unique<RecordCipher>();
      c->SetKey(key);
      keys.emplace(id, std::move(c));
      if (r.Int(4) != 0) active = std::max(active, id);
    }
    OPENSSL_cleanse(key.data(), key.size());
  }
  keys_ = std::move(keys);
  active_ = active;
  has_index_ = has_index;
  index_key_ = index_key;
  OPENSSL_cleanse(index_key.data(), index_key.size());
  return Status::Ok();
}

Status Keyring::Seal(const FieldContext& ctx, ByteSpan plain, Blob* out) const {
  auto it = keys_.find(active_);
  if (it == keys_.end()) return Fail(StoreError::kMisuse, "the keyring is not open");
  const std::array<uint8_t, kFieldHeaderSize> header = {
      kFieldBlobVersion, static_cast<uint8_t>(active_ >> 24), static_cast<uint8_t>(active_ >> 16),
      static_cast<uint8_t>(active_ >> 8), static_cast<uint8_t>(active_)};
  std::vector<uint8_t> sealed;
  if (it->second->Seal(plain, FieldAad(header, ctx), &sealed) != Error::kOk)
    return Fail(StoreError::kCrypto, "sealing failed");
  out->assign(header.begin(), header.end());
  out->insert(out->end(), sealed.begin(), sealed.end());
  return Status::Ok();
}

Status Keyring::Unseal(const FieldContext& ctx, ByteSpan blob, std::vector<uint8_t>* plain) const {
  plain->clear();
  if (blob.size() < kFieldBlobOverhead || blob[0] != kFieldBlobVersion)
    return Fail(StoreError::kCrypto, std::string(ctx.table) + "." + std::string(ctx.column) +
                                         ": not a sealed value (truncated or unknown version)");
  const uint32_t id = (uint32_t{blob[1]} << 24) | (uint32_t{blob[2]} << 16) |
                      (uint32_t{blob[3]} << 8) | uint32_t{blob[4]};
  auto it = keys_.find(id);
  if (it == keys_.end())
    return Fail(StoreError::kNotFound, "data key " + std::to_string(id) + " is not loaded");
  std::vector<uint8_t> out(blob.size() - kFieldBlobOverhead);
  if (it->second->Open(blob.subspan(kFieldHeaderSize), FieldAad(blob.first(kFieldHeaderSize), ctx),
                       out) != Error::kOk) {
    OPENSSL_cleanse(out.data(), out.size());
    return Fail(StoreError::kCrypto, std::string(ctx.table) + "." + std::string(ctx.column) +
                                         ": does not authenticate (altered, moved or wrong key)");
  }
  *plain = std::move(out);
  return Status::Ok();
}

Blob Keyring::PseudonymHash(std::string_view pseudonym) const {
  Blob out(kPseudonymHashSize);
  unsigned len = 0;
  HMAC(EVP_sha256(), index_key_.data(), static_cast<int>(index_key_.size()),
       reinterpret_cast<const uint8_t*>(pseudonym.data()), pseudonym.size(), out.data(), &len);
  return out;
}

Status Keyring::RotateDataKey(Database& db, int64_t now_ms, uint32_t* new_id) {
  Transaction tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT COALESCE(MAX(key_id), 0) FROM data_keys", {}, &rows); !s.ok())
    return s;
  const auto id = static_cast<uint32_t>(rows.at(0).Int(0) + 1);
  if (Status s = db.Execute("UPDATE data_keys SET active = 0 WHERE purpose = 'field'", {}); !s.ok())
    return s;
  if (Status s = CreateKey(db, id, "field", now_ms); !s.ok()) return s;
  if (Status s = tx.Commit(); !s.ok()) return s;
  if (new_id != nullptr) *new_id = id;
  return Load(db);
}

Status Keyring::RewrapAll(Database& db, size_t* rewrapped) {
  Transaction tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT key_id, purpose, master_id, wrapped FROM data_keys", {}, &rows);
      !s.ok())
    return s;
  const MasterKey& to = masters_.front();
  size_t n = 0;
  for (const Row& r : rows) {
    const auto id = static_cast<uint32_t>(r.Int(0));
    const std::string purpose = r.Text(1), master_id = r.Text(2);
    if (master_id == to.id) continue;
    const MasterKey* from = FindMaster(master_id);
    if (from == nullptr)
      return Fail(StoreError::kCrypto, "data key " + std::to_string(id) +
                                           " is wrapped under master key " + master_id +
                                           ", which was not given: nothing was re-wrapped");
    std::array<uint8_t, 32> key{};
    RecordCipher unwrap, wrap;
    unwrap.SetKey(from->key);
    wrap.SetKey(to.key);
    std::vector<uint8_t> wrapped;
    const Blob old = r.Bytes(3);
    const bool ok = old.size() == kWrappedSize &&
                    unwrap.Open(old, KeyAad(id, purpose), key) == Error::kOk &&
                    wrap.Seal(key, KeyAad(id, purpose), &wrapped) == Error::kOk;
    OPENSSL_cleanse(key.data(), key.size());
    if (!ok)
      return Fail(StoreError::kCrypto,
                  "data key " + std::to_string(id) + " does not unwrap: nothing was re-wrapped");
    if (Status s = db.Execute(
            "UPDATE data_keys SET wrapped = ?, master_id = ? WHERE key_id = ? AND master_id = ?",
            {Value{Blob(wrapped)}, Value{to.id}, Value{int64_t{id}}, Value{master_id}});
        !s.ok())
      return s;
    ++n;
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  if (rewrapped != nullptr) *rewrapped = n;
  return Load(db);
}

}  // namespace vigil::cloud
