#include "cloud/ingest/ingester.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cloud/ingest/rollup.h"
#include "cloud/store/device_inventory.h"
#include "cloud/store/gateway_commands.h"
#include "common/hex.h"

namespace vigil::cloud {
namespace {

// Ids per dedup INSERT (and pseudonyms per lookup): three parameters each, 1500 in all,
// under both databases' limits (SQLite 32766, PostgreSQL 65535); one round trip per batch.
constexpr size_t kDedupChunk = 500;
// A dead letter keeps at most this much of a payload (the check refuses anything above
// 64 KiB, so only a payload far beyond any valid message is cut; the detail says so).
constexpr size_t kMaxDeadLetterBytes = 1 << 20;

constexpr std::array<std::string_view, 9> kVitalColumns = {
    "message_id", "patient_id", "pseudonym_hash", "vital", "time_ms",
    "quality",    "ward",       "gateway",        "value"};

std::string LetterKey(std::string_view topic, std::string_view payload) {
  std::string in(topic);
  in += '\0';
  in.append(payload);
  uint8_t d[32];
  EVP_Digest(in.data(), in.size(), d, nullptr, EVP_sha256(), nullptr);
  return ToHex(ByteSpan(d, 16));
}

struct Accepted {
  const IngestMessage* msg;
  Envelope env;
};

}  // namespace

void IngestCounters::Add(const IngestCounters& o) {
  batches += o.batches;
  stored += o.stored;
  duplicates += o.duplicates;
  dead_letters += o.dead_letters;
  for (size_t i = 0; i < rejected.size(); ++i) rejected[i] += o.rejected[i];
  for (size_t i = 0; i < stored_by_kind.size(); ++i) stored_by_kind[i] += o.stored_by_kind[i];
  failed_batches += o.failed_batches;
}

Blob EncodeVitalValue(double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  Blob out(8);
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<uint8_t>(bits >> (8 * i));
  return out;
}

bool DecodeVitalValue(ByteSpan plain, double* v) {
  if (plain.size() != 8) return false;
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= uint64_t{plain[static_cast<size_t>(i)]} << (8 * i);
  *v = std::bit_cast<double>(bits);
  return true;
}

Status Ingester::IngestBatch(std::span<const IngestMessage> batch, IngestCounters* counters) {
  IngestCounters c;
  c.batches = 1;
  std::vector<Accepted> accepted;
  std::vector<std::pair<const IngestMessage*, CheckResult>> refused;
  accepted.reserve(batch.size());
  {
    std::set<std::string_view> seen;
    for (const IngestMessage& m : batch) {
      Accepted a{&m, {}};
      CheckResult r = CheckEnvelope(m.topic, m.payload, &a.env);
      if (!r.ok()) {
        refused.emplace_back(&m, std::move(r));
        continue;
      }
      accepted.push_back(std::move(a));
    }
    // Copies within the batch: the first one stands for them.
    std::vector<Accepted> unique;
    unique.reserve(accepted.size());
    for (Accepted& a : accepted) {
      if (!seen.insert(a.env.id).second) {
        ++c.duplicates;
        continue;
      }
      unique.push_back(std::move(a));
    }
    accepted = std::move(unique);
  }

  Transaction tx(db_);
  if (Status s = tx.Begin(); !s.ok()) return s;

  // 1. Dead letters.
  for (const auto& [m, r] : refused) {
    const std::string key = LetterKey(m->topic, m->payload);
    std::string detail = r.field;
    std::string_view body = m->payload;
    if (body.size() > kMaxDeadLetterBytes) {
      body = body.substr(0, kMaxDeadLetterBytes);
      detail += detail.empty() ? "payload cut at 1 MiB" : "; payload cut at 1 MiB";
    }
    Blob sealed;
    if (Status s = keys_.Seal({kDeadLettersTable, "payload", "dead-letter", key}, body, &sealed);
        !s.ok())
      return s;
    int64_t changes = 0;
    if (Status s = db_.Execute(
            "INSERT INTO dead_letters (letter_key, received_ms, topic, reason, detail, payload) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (letter_key) DO NOTHING",
            {Value{key}, Value{m->received_ms}, Value{m->topic},
             Value{std::string(RejectName(r.reason))}, Value{detail}, Value{std::move(sealed)}},
            nullptr, &changes);
        !s.ok())
      return s;
    ++c.rejected[static_cast<size_t>(r.reason)];
    if (changes > 0) ++c.dead_letters;
  }

  // 2. Deduplication by id, in sorted order (the same lock order for every ingester).
  // A repeat inside the batch is a duplicate at once. The ids are first written by the
  // bulk path (COPY on PostgreSQL) inside a savepoint: in steady state no id was seen
  // before, and one bulk write costs a fraction of an INSERT ... ON CONFLICT per chunk.
  // Only when that fails on the unique key (a redelivery) does the batch fall back to the
  // conflict-tolerant insert, which says which ids are new.
  std::sort(accepted.begin(), accepted.end(),
            [](const Accepted& a, const Accepted& b) { return a.env.id < b.env.id; });
  std::set<std::string> fresh;
  {
    std::vector<std::vector<Value>> rows;
    rows.reserve(accepted.size());
    for (size_t i = 0; i < accepted.size(); ++i) {
      if (i > 0 && accepted[i].env.id == accepted[i - 1].env.id) continue;
      const Accepted& a = accepted[i];
      rows.push_back(
          {Value{a.env.id}, Value{std::string(KindName(a.env.kind))}, Value{a.msg->received_ms}});
    }
    static constexpr std::string_view kDedupColumns[] = {"message_id", "kind", "received_ms"};
    bool bulk_ok = false;
    if (!rows.empty()) {
      if (Status s = db_.ExecScript("SAVEPOINT vigil_dedup"); !s.ok()) return s;
      const Status b = db_.BulkInsert("ingest_dedup", kDedupColumns, rows);
      if (b.ok()) {
        if (Status s = db_.ExecScript("RELEASE SAVEPOINT vigil_dedup"); !s.ok()) return s;
        bulk_ok = true;
        for (const auto& r : rows) fresh.insert(std::get<std::string>(r[0]));
      } else if (b.code == StoreError::kConstraint) {
        if (Status s = db_.ExecScript("ROLLBACK TO SAVEPOINT vigil_dedup"); !s.ok()) return s;
        if (Status s = db_.ExecScript("RELEASE SAVEPOINT vigil_dedup"); !s.ok()) return s;
      } else {
        return b;
      }
    }
    for (size_t i = 0; !bulk_ok && i < rows.size(); i += kDedupChunk) {
      const size_t n = std::min(kDedupChunk, rows.size() - i);
      std::string sql = "INSERT INTO ingest_dedup (message_id, kind, received_ms) VALUES ";
      std::vector<Value> params;
      params.reserve(n * 3);
      for (size_t k = 0; k < n; ++k) {
        sql += k ? ",(?,?,?)" : "(?,?,?)";
        for (const Value& v : rows[i + k]) params.push_back(v);
      }
      sql += " ON CONFLICT (message_id) DO NOTHING RETURNING message_id";
      std::vector<Row> out;
      if (Status s = db_.Execute(sql, params, &out); !s.ok()) return s;
      for (const Row& r : out) fresh.insert(r.Text(0));
    }
  }
  // In-batch repeats: only the first copy of an id is stored.
  std::set<std::string> stored_ids;

  // 3. The patients of the batch's pseudonyms: one lookup per distinct unknown pseudonym,
  // in chunks (a binding, once made, never changes: found ones are cached).
  std::map<std::string, Blob> hashes;  // pseudonym -> blind index
  std::map<Blob, int64_t> batch_patients;
  {
    std::vector<Blob> unknown;
    for (const Accepted& a : accepted) {
      if (!fresh.count(a.env.id)) continue;
      const std::string* p = nullptr;
      if (const auto* t = std::get_if<TelemetryBody>(&a.env.body)) p = &t->pseudonym;
      if (const auto* al = std::get_if<AlarmBody>(&a.env.body)) p = &al->pseudonym;
      if (p == nullptr || hashes.count(*p)) continue;
      Blob h = keys_.PseudonymHash(*p);
      if (!patient_cache_.count(h)) unknown.push_back(h);
      hashes.emplace(*p, std::move(h));
    }
    for (size_t i = 0; i < unknown.size(); i += kDedupChunk) {
      const size_t n = std::min(kDedupChunk, unknown.size() - i);
      std::string sql =
          "SELECT pseudonym_hash, patient_id FROM pseudonyms WHERE pseudonym_hash IN (";
      std::vector<Value> params;
      for (size_t k = 0; k < n; ++k) {
        sql += k ? ",?" : "?";
        params.emplace_back(unknown[i + k]);
      }
      sql += ")";
      std::vector<Row> rows;
      if (Status s = db_.Execute(sql, params, &rows); !s.ok()) return s;
      for (const Row& r : rows) batch_patients.emplace(r.Bytes(0), r.Int(1));
    }
  }
  auto patient_of = [&](const Blob& h) -> std::optional<int64_t> {
    if (auto it = patient_cache_.find(h); it != patient_cache_.end()) return it->second;
    if (auto it = batch_patients.find(h); it != batch_patients.end()) return it->second;
    return std::nullopt;
  };

  // 4. Store what is new.
  std::vector<std::vector<Value>> vital_rows;
  CommittedBatch shown;  // for the observer, once committed
  for (const Accepted& a : accepted) {
    if (!fresh.count(a.env.id) || !stored_ids.insert(a.env.id).second) {
      ++c.duplicates;
      continue;
    }
    const Envelope& e = a.env;
    ++c.stored;
    ++c.stored_by_kind[static_cast<size_t>(e.kind)];
    if (const auto* t = std::get_if<TelemetryBody>(&e.body)) {
      Blob hash = hashes.at(t->pseudonym);
      const std::optional<int64_t> patient = patient_of(hash);
      Blob sealed;
      if (Status s = keys_.Seal({kVitalsTable, "value", PseudonymOwner(hash), e.id},
                                EncodeVitalValue(t->value), &sealed);
          !s.ok())
        return s;
      if (observer_ && patient)
        shown.readings.push_back({*patient, "", "", std::string(VitalName(t->vital)), t->quality,
                                  e.gateway, e.id, t->value, e.time_ms});
      vital_rows.push_back({Value{e.id}, patient ? Value{*patient} : Value{nullptr},
                            Value{std::move(hash)}, Value{std::string(VitalName(t->vital))},
                            Value{e.time_ms}, Value{t->quality}, Value{t->ward}, Value{e.gateway},
                            Value{std::move(sealed)}});
    } else if (const auto* al = std::get_if<AlarmBody>(&e.body)) {
      Blob hash = hashes.at(al->pseudonym);
      const std::optional<int64_t> patient = patient_of(hash);
      const std::string key = e.gateway + "/" + al->alarm_id;
      nlohmann::json detail = {{"condition", al->condition}};
      if (al->vital) detail["vital"] = VitalName(*al->vital);
      if (al->value) detail["value"] = *al->value;
      if (!al->unit.empty()) detail["unit"] = al->unit;
      if (!al->message.empty()) detail["message"] = al->message;
      if (observer_ && patient) {
        CommittedAlarm ca;
        ca.patient_id = *patient;
        ca.alarm_key = key;
        ca.state = al->state;
        ca.priority = al->priority;
        ca.condition = al->condition;
        ca.gateway = e.gateway;
        if (al->vital) ca.vital = std::string(VitalName(*al->vital));
        ca.value = al->value;
        ca.unit = al->unit;
        ca.message = al->message;
        ca.technical = al->technical;
        ca.time_ms = e.time_ms;
        shown.alarms.push_back(std::move(ca));
      }
      Blob sealed;
      if (Status s = keys_.Seal({kAlarmsTable, "detail", PseudonymOwner(hash), key}, detail.dump(),
                                &sealed);
          !s.ok())
        return s;
      if (Status s = db_.Execute(
              "INSERT INTO alarms (alarm_key, gateway, patient_id, pseudonym_hash, ward, "
              "device_kind, state, priority, technical, raised_ms, last_ms, cleared_ms, events, "
              "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) "
              "ON CONFLICT (alarm_key) DO UPDATE SET "
              "patient_id = COALESCE(alarms.patient_id, excluded.patient_id), "
              "events = alarms.events + 1, "
              "raised_ms = CASE WHEN excluded.raised_ms < alarms.raised_ms "
              "THEN excluded.raised_ms ELSE alarms.raised_ms END, "
              "state = CASE WHEN alarms.state = 'cleared' THEN 'cleared' "
              "WHEN excluded.last_ms >= alarms.last_ms THEN excluded.state ELSE alarms.state END, "
              "priority = CASE WHEN excluded.last_ms >= alarms.last_ms "
              "THEN excluded.priority ELSE alarms.priority END, "
              "ward = CASE WHEN excluded.last_ms >= alarms.last_ms "
              "THEN excluded.ward ELSE alarms.ward END, "
              "detail = CASE WHEN excluded.last_ms >= alarms.last_ms "
              "THEN excluded.detail ELSE alarms.detail END, "
              "cleared_ms = CASE WHEN excluded.state = 'cleared' "
              "THEN COALESCE(alarms.cleared_ms, excluded.last_ms) ELSE alarms.cleared_ms END, "
              "last_ms = CASE WHEN excluded.last_ms > alarms.last_ms "
              "THEN excluded.last_ms ELSE alarms.last_ms END",
              {Value{key}, Value{e.gateway}, patient ? Value{*patient} : Value{nullptr},
               Value{std::move(hash)}, Value{al->ward}, Value{al->device_kind}, Value{al->state},
               Value{al->priority}, Value{int64_t{al->technical ? 1 : 0}}, Value{e.time_ms},
               Value{e.time_ms}, al->state == "cleared" ? Value{e.time_ms} : Value{nullptr},
               Value{std::move(sealed)}});
          !s.ok())
        return s;
    } else if (const auto* sec = std::get_if<SecurityBody>(&e.body)) {
      if (Status s = db_.Execute(
              "INSERT INTO security_alerts (message_id, site, gateway, time_ms, signature_id, "
              "severity, device_uid, eve) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (message_id) DO NOTHING",
              {Value{e.id}, Value{e.site}, Value{e.gateway}, Value{e.time_ms},
               Value{sec->signature_id}, Value{sec->severity},
               sec->device_uid.empty() ? Value{nullptr} : Value{sec->device_uid}, Value{sec->eve}});
          !s.ok())
        return s;
    } else if (const auto* st = std::get_if<StatusBody>(&e.body)) {
      if (Status s = db_.Execute(
              "INSERT INTO gateway_status (gateway, site, stream, state, time_ms, version, "
              "queued, dropped_telemetry, dropped_security, dropped_alarm) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (gateway) DO UPDATE SET "
              "site = excluded.site, stream = excluded.stream, state = excluded.state, "
              "time_ms = excluded.time_ms, version = excluded.version, queued = excluded.queued, "
              "dropped_telemetry = excluded.dropped_telemetry, "
              "dropped_security = excluded.dropped_security, "
              "dropped_alarm = excluded.dropped_alarm "
              "WHERE excluded.time_ms >= gateway_status.time_ms",
              {Value{e.gateway}, Value{e.site}, Value{e.stream}, Value{st->state}, Value{e.time_ms},
               Value{st->version}, Value{st->queued}, Value{st->dropped[0]}, Value{st->dropped[1]},
               Value{st->dropped[2]}});
          !s.ok())
        return s;
    } else if (const auto* dv = std::get_if<DeviceBody>(&e.body)) {
      InventoryDevice d;
      d.uid = dv->device_uid;
      d.gateway = e.gateway;
      d.site = e.site;
      d.kind = dv->device_kind;
      d.ward = dv->ward;
      d.state = dv->state;
      d.firmware_version = dv->firmware_version;
      d.last_seen_ms = dv->last_seen_ms;
      d.reported_ms = e.time_ms;
      if (Status s = UpsertDevice(db_, keys_, d, dv->pseudonym); !s.ok()) return s;
      // The gateway's answer to a command: only the gateway it was sent to settles it
      // (the topic and the broker's ACL say who sent this).
      if (!dv->command_id.empty())
        if (Status s = SettleCommand(db_, dv->command_id, e.gateway, dv->command_result == "done",
                                     dv->detail, e.time_ms, nullptr);
            !s.ok())
          return s;
    }
  }
  if (Status s = db_.BulkInsert(kVitalsTable, kVitalColumns, vital_rows); !s.ok()) return s;
  if (Status s = tx.Commit(); !s.ok()) return s;
  patient_cache_.insert(batch_patients.begin(), batch_patients.end());  // only once committed
  totals_.Add(c);
  if (counters != nullptr) *counters = c;
  if (observer_ && !shown.empty()) Notify(std::move(shown));
  return Status::Ok();
}

void Ingester::Notify(CommittedBatch batch) {
  std::set<int64_t> patients;
  for (const CommittedReading& r : batch.readings) patients.insert(r.patient_id);
  for (const CommittedAlarm& a : batch.alarms) patients.insert(a.patient_id);
  std::map<int64_t, std::pair<std::string, std::string>> where;  // patient -> ward, bed
  std::vector<int64_t> ids(patients.begin(), patients.end());
  for (size_t i = 0; i < ids.size(); i += kDedupChunk) {
    const size_t n = std::min(kDedupChunk, ids.size() - i);
    std::string sql =
        "SELECT patient_id, ward, bed FROM admissions WHERE end_ms IS NULL AND patient_id IN (";
    std::vector<Value> params;
    for (size_t k = 0; k < n; ++k) {
      sql += k ? ",?" : "?";
      params.emplace_back(ids[i + k]);
    }
    sql += ")";
    std::vector<Row> rows;
    // Shown live or not, the batch is stored: a failed lookup only skips the live view
    // (the next page load shows it).
    if (!db_.Execute(sql, params, &rows).ok()) return;
    for (const Row& r : rows) where[r.Int(0)] = {r.Text(1), r.Text(2)};
  }
  auto place = [&](auto& items) {
    std::erase_if(items, [&](auto& it) {
      auto w = where.find(it.patient_id);
      if (w == where.end()) return true;  // discharged: no ward shows it
      it.ward = w->second.first;
      it.bed = w->second.second;
      return false;
    });
  };
  place(batch.readings);
  place(batch.alarms);
  if (!batch.empty()) observer_(batch);
}

Status Ingester::LinkPending(size_t* linked) {
  Transaction tx(db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  std::vector<Row> pending;
  for (std::string_view table : {kVitalsTable, kAlarmsTable}) {
    if (Status s = db_.Execute("SELECT DISTINCT p.pseudonym_hash, p.patient_id FROM " +
                                   std::string(table) +
                                   " t JOIN pseudonyms p ON p.pseudonym_hash = t.pseudonym_hash "
                                   "WHERE t.patient_id IS NULL",
                               {}, &pending);
        !s.ok())
      return s;
  }
  size_t total = 0;
  std::set<Blob> done;
  for (const Row& r : pending) {
    const Blob hash = r.Bytes(0);
    if (!done.insert(hash).second) continue;
    size_t n = 0;
    if (Status s = LinkPseudonym(db_, keys_, hash, r.Int(1), &n); !s.ok()) return s;
    total += n;
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  if (linked != nullptr) *linked = total;
  return Status::Ok();
}

}  // namespace vigil::cloud
