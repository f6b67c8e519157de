// Encryption at rest of the cloud's records (docs/cloud.md, "Encryption at rest").
//
// Data keys: random AES-256 keys (OpenSSL's RNG) kept in the data_keys table, each
// wrapped under a master key (master_key.h) with AES-256-GCM: nonce || ciphertext ||
// tag, with the key's id and purpose as associated data, so that a wrapped key copied to
// another row does not unwrap. (RFC 5649 key wrap would do the wrapping, but binds no
// associated data; GCM does, and is the one primitive used throughout.) Two purposes:
//   - `field`: seals values; the newest active one seals new writes, every one reads;
//   - `index`: the HMAC-SHA-256 key of the pseudonym index (a blind index: the same
//     pseudonym gives the same 32 bytes, so ingest finds its patient without storing the
//     pseudonym in clear). It cannot rotate without re-indexing, and does not.
//
// Sealed field: version (1 byte, 1) || data key id (4 bytes, big-endian) || nonce (12)
// || ciphertext || tag (16). Associated data: the header, then the table, the column,
// the owner ("patient:<id>", "pseudonym:<hex>", ...) and the row key, each length-prefixed.
// A value moved to another row, column, table or owner, a changed key id, a flipped
// byte or a truncated blob fails to open (kCrypto); so does a wrong master key.
//
// Rotation: RewrapAll re-wraps every data key under the current master key (no value is
// re-encrypted); RotateDataKey adds a field key for new writes. Readers that hold both
// master generations keep working throughout; Reload picks up the new rows.
//
// Thread-safety: Seal, Unseal and PseudonymHash are const and may run concurrently after
// Open; Open, Reload and the rotations must not run concurrently with anything.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/crypto/master_key.h"
#include "cloud/store/database.h"
#include "common/bytes.h"

namespace vigil {
class RecordCipher;
}

namespace vigil::cloud {

inline constexpr uint8_t kFieldBlobVersion = 1;
inline constexpr size_t kFieldHeaderSize = 5;
inline constexpr size_t kFieldBlobOverhead = kFieldHeaderSize + 12 + 16;
inline constexpr size_t kPseudonymHashSize = 32;

// Where a sealed value belongs. All four are bound into the tag.
struct FieldContext {
  std::string_view table;
  std::string_view column;
  std::string_view owner;
  std::string_view row;
};

std::string PatientOwner(int64_t patient_id);
std::string PseudonymOwner(ByteSpan pseudonym_hash);

class Keyring {
 public:
  Keyring();
  ~Keyring();
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // Loads the data keys, creating the index key and the first field key in an empty
  // table (wrapped under masters[0]). REQUIRES: masters non-empty; the schema migrated.
  // Errors: kCrypto (a key wrapped under a master key not given, or one that does not
  // unwrap: wrong master key), or the database's.
  Status Open(Database& db, std::vector<MasterKey> masters, int64_t now_ms);
  Status Reload(Database& db);

  // Seals `plain` under the active field key. kCrypto if OpenSSL fails.
  Status Seal(const FieldContext& ctx, ByteSpan plain, Blob* out) const;
  Status Seal(const FieldContext& ctx, std::string_view plain, Blob* out) const {
    return Seal(ctx, ByteSpan(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()), out);
  }
  // Opens a sealed value. kCrypto (and `plain` empty) for anything that does not
  // authenticate, kNotFound for a key id this keyring has not loaded (Reload, then retry).
  Status Unseal(const FieldContext& ctx, ByteSpan blob, std::vector<uint8_t>* plain) const;

  Blob PseudonymHash(std::string_view pseudonym) const;

  uint32_t active_key() const { return active_; }
  size_t key_count() const { return keys_.size(); }
  const std::string& current_master_id() const { return masters_.front().id; }

  // A new field key becomes the active one (the others stay readable).
  Status RotateDataKey(Database& db, int64_t now_ms, uint32_t* new_id);
  // Every data key not yet wrapped under masters[0] is re-wrapped under it, in one
  // transaction. `rewrapped` (may be null) receives how many.
  Status RewrapAll(Database& db, size_t* rewrapped);

 private:
  Status Load(Database& db);
  Status CreateKey(Database& db, uint32_t id, std::string_view purpose, int64_t now_ms);
  const MasterKey* FindMaster(std::string_view id) const;

  std::vector<MasterKey> masters_;
  std::map<uint32_t, std::unique_ptr<RecordCipher>> keys_;
  std::array<uint8_t, 32> index_key_{};
  bool has_index_ = false;
  uint32_t active_ = 0;
};

}  // namespace vigil::cloud
