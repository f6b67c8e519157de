#include "cloud/ingest/rollup.h"

#include <bit>
#include <map>
#include <tuple>

#include "cloud/ingest/ingester.h"

namespace vigil::cloud {
namespace {

constexpr std::string_view kCursor = "rollup_row";

void PutDouble(Blob* out, double d) {
  const uint64_t bits = std::bit_cast<uint64_t>(d);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(bits >> (8 * i)));
}
double GetDouble(ByteSpan in) {
  uint64_t bits = 0;
  for (size_t i = 0; i < 8; ++i) bits |= uint64_t{in[i]} << (8 * i);
  return std::bit_cast<double>(bits);
}

Status ReadCursor(Database& db, int64_t* cursor) {
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT value FROM cloud_state WHERE name = ?",
                            {Value{std::string(kCursor)}}, &rows);
      !s.ok())
    return s;
  *cursor = rows.empty() ? 0 : rows[0].Int(0);
  return Status::Ok();
}

// Rows: vital_row, patient_id, pseudonym_hash, vital, time_ms, message_id, value.
constexpr std::string_view kSelect =
    "SELECT vital_row, patient_id, pseudonym_hash, vital, time_ms, message_id, value FROM vitals ";

Status Merge(Database& db, const Keyring& keys, const std::vector<Row>& rows) {
  using Key = std::tuple<int64_t, std::string, int64_t>;  // patient, vital, minute
  std::map<Key, MinuteStats> add;
  for (const Row& r : rows) {
    if (r.IsNull(1)) continue;
    const Blob hash = r.Bytes(2);
    std::vector<uint8_t> plain;
    if (Status s = keys.Unseal({kVitalsTable, "value", PseudonymOwner(hash), r.Text(5)}, r.Bytes(6),
                               &plain);
        !s.ok())
      return s;
    double v = 0;
    if (!DecodeVitalValue(plain, &v)) return Fail(StoreError::kCrypto, "vitals: bad value size");
    MinuteStats& m = add[{r.Int(1), r.Text(3), r.Int(4) - r.Int(4) % 60000}];
    m.min = m.n == 0 ? v : std::min(m.min, v);
    m.max = m.n == 0 ? v : std::max(m.max, v);
    m.sum += v;
    ++m.n;
  }
  for (const auto& [key, a] : add) {
    const auto& [patient, vital, minute] = key;
    const std::string owner = PatientOwner(patient), row = MinuteRowKey(vital, minute);
    std::vector<Row> old;
    if (Status s = db.Execute(
            "SELECT stats FROM vitals_minute WHERE patient_id = ? AND vital = ? AND minute_ms = ?",
            {Value{patient}, Value{vital}, Value{minute}}, &old);
        !s.ok())
      return s;
    MinuteStats m = a;
    if (!old.empty()) {
      std::vector<uint8_t> plain;
      MinuteStats o;
      if (Status s = keys.Unseal({"vitals_minute", "stats", owner, row}, old[0].Bytes(0), &plain);
          !s.ok())
        return s;
      if (!DecodeMinuteStats(plain, &o)) return Fail(StoreError::kCrypto, "vitals_minute: size");
      m = {o.n + a.n, std::min(o.min, a.min), std::max(o.max, a.max), o.sum + a.sum};
    }
    Blob sealed;
    if (Status s = keys.Seal({"vitals_minute", "stats", owner, row}, EncodeMinuteStats(m), &sealed);
        !s.ok())
      return s;
    if (Status s = db.Execute(
            "INSERT INTO vitals_minute (patient_id, vital, minute_ms, stats) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (patient_id, vital, minute_ms) DO UPDATE SET stats = excluded.stats",
            {Value{patient}, Value{vital}, Value{minute}, Value{std::move(sealed)}});
        !s.ok())
      return s;
  }
  return Status::Ok();
}

}  // namespace

Blob EncodeMinuteStats(const MinuteStats& s) {
  Blob out;
  PutDouble(&out, static_cast<double>(s.n));
  PutDouble(&out, s.min);
  PutDouble(&out, s.max);
  PutDouble(&out, s.sum);
  return out;
}

bool DecodeMinuteStats(ByteSpan plain, MinuteStats* s) {
  if (plain.size() != 32) return false;
  s->n = static_cast<int64_t>(GetDouble(plain.subspan(0, 8)));
  s->min = GetDouble(plain.subspan(8, 8));
  s->max = GetDouble(plain.subspan(16, 8));
  s->sum = GetDouble(plain.subspan(24, 8));
  return true;
}

std::string MinuteRowKey(std::string_view vital, int64_t minute_ms) {
  return std::string(vital) + "/" + std::to_string(minute_ms);
}

Status RollUp(Database& db, const Keyring& keys, size_t limit, size_t* merged) {
  Transaction tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  int64_t cursor = 0;
  if (Status s = ReadCursor(db, &cursor); !s.ok()) return s;
  std::vector<Row> rows;
  if (Status s = db.Execute(std::string(kSelect) + "WHERE vital_row > ? ORDER BY vital_row LIMIT ?",
                            {Value{cursor}, Value{static_cast<int64_t>(limit)}}, &rows);
      !s.ok())
    return s;
  if (rows.empty()) {
    if (merged != nullptr) *merged = 0;
    return Status::Ok();
  }
  if (Status s = Merge(db, keys, rows); !s.ok()) return s;
  if (Status s = db.Execute("INSERT INTO cloud_state (name, value) VALUES (?, ?) "
                            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                            {Value{std::string(kCursor)}, Value{rows.back().Int(0)}});
      !s.ok())
    return s;
  if (Status s = tx.Commit(); !s.ok()) return s;
  if (merged != nullptr) {
    size_t n = 0;
    for (const Row& r : rows) n += r.IsNull(1) ? 0 : 1;
    *merged = n;
  }
  return Status::Ok();
}

Status LinkPseudonym(Database& db, const Keyring& keys, const Blob& pseudonym_hash,
                     int64_t patient_id, size_t* linked) {
  int64_t cursor = 0;
  if (Status s = ReadCursor(db, &cursor); !s.ok()) return s;
  std::vector<Row> rows;
  if (Status s =
          db.Execute(std::string(kSelect) +
                         "WHERE pseudonym_hash = ? AND patient_id IS NULL AND vital_row <= ?",
                     {Value{pseudonym_hash}, Value{cursor}}, &rows);
      !s.ok())
    return s;
  int64_t total = 0;
  for (std::string_view table : {"vitals", "alarms"}) {
    int64_t n = 0;
    if (Status s = db.Execute("UPDATE " + std::string(table) +
                                  " SET patient_id = ? WHERE pseudonym_hash = ? AND "
                                  "patient_id IS NULL",
                              {Value{patient_id}, Value{pseudonym_hash}}, nullptr, &n);
        !s.ok())
      return s;
    total += n;
  }
  for (Row& r : rows) r.cols[1] = Value{patient_id};
  if (Status s = Merge(db, keys, rows); !s.ok()) return s;
  if (linked != nullptr) *linked = static_cast<size_t>(total);
  return Status::Ok();
}

Status Prune(Database& db, int64_t now_ms, int64_t retention_ms, size_t* deleted) {
  int64_t cursor = 0;
  if (Status s = ReadCursor(db, &cursor); !s.ok()) return s;
  int64_t n = 0;
  if (Status s = db.Execute(
          "DELETE FROM vitals WHERE vital_row <= ? AND time_ms < ? AND patient_id IS NOT NULL",
          {Value{cursor}, Value{now_ms - retention_ms}}, nullptr, &n);
      !s.ok())
    return s;
  if (deleted != nullptr) *deleted = static_cast<size_t>(n);
  return Status::Ok();
}

}  // namespace vigil::cloud
