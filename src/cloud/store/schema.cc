#include "cloud/store/schema.h"

#include <array>

namespace vigil::cloud {
namespace {

// What is in clear and why (docs/cloud.md, "What a copy of the database tells"): only
// what the dashboard's queries select, join and order by. Every @BLOB@ column named
// below as "sealed" is AES-256-GCM under a data key (src/cloud/crypto/), bound to its
// table, column, owner and row.
constexpr std::string_view kInitial = R"sql(
CREATE TABLE data_keys (
  key_id BIGINT PRIMARY KEY,
  purpose TEXT NOT NULL CHECK (purpose IN ('field', 'index')),
  master_id TEXT NOT NULL,
  wrapped @BLOB@ NOT NULL,
  created_ms BIGINT NOT NULL,
  active INTEGER NOT NULL
);

CREATE TABLE patients (
  patient_id @ID@,
  created_ms BIGINT NOT NULL,
  identity @BLOB@ NOT NULL
);

CREATE TABLE pseudonyms (
  pseudonym_hash @BLOB@ PRIMARY KEY,
  pseudonym @BLOB@ NOT NULL,
  patient_id BIGINT NOT NULL REFERENCES patients (patient_id),
  created_ms BIGINT NOT NULL
);

CREATE TABLE admissions (
  admission_id @ID@,
  patient_id BIGINT NOT NULL REFERENCES patients (patient_id),
  pseudonym_hash @BLOB@ NOT NULL REFERENCES pseudonyms (pseudonym_hash),
  device_kind TEXT NOT NULL,
  ward TEXT NOT NULL,
  bed TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT
);
CREATE INDEX admissions_ward ON admissions (ward, start_ms) WHERE end_ms IS NULL;
CREATE INDEX admissions_patient ON admissions (patient_id, start_ms);

CREATE TABLE vitals (
  vital_row @ID@,
  message_id TEXT NOT NULL,
  patient_id BIGINT,
  pseudonym_hash @BLOB@ NOT NULL,
  vital TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  quality TEXT NOT NULL,
  ward TEXT NOT NULL,
  gateway TEXT NOT NULL,
  value @BLOB@ NOT NULL
);
CREATE INDEX vitals_patient_vital_time ON vitals (patient_id, vital, time_ms);
CREATE INDEX vitals_unlinked ON vitals (pseudonym_hash) WHERE patient_id IS NULL;

CREATE TABLE vitals_minute (
  patient_id BIGINT NOT NULL,
  vital TEXT NOT NULL,
  minute_ms BIGINT NOT NULL,
  stats @BLOB@ NOT NULL,
  PRIMARY KEY (patient_id, vital, minute_ms)
);

CREATE TABLE alarms (
  alarm_key TEXT PRIMARY KEY,
  gateway TEXT NOT NULL,
  patient_id BIGINT,
  pseudonym_hash @BLOB@ NOT NULL,
  ward TEXT NOT NULL,
  device_kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('raised', 'updated', 'cleared')),
  priority TEXT NOT NULL,
  technical INTEGER NOT NULL,
  raised_ms BIGINT NOT NULL,
  last_ms BIGINT NOT NULL,
  cleared_ms BIGINT,
  events BIGINT NOT NULL,
  detail @BLOB@ NOT NULL
);
CREATE INDEX alarms_open_ward ON alarms (ward, raised_ms) WHERE state <> 'cleared';
CREATE INDEX alarms_unlinked ON alarms (pseudonym_hash) WHERE patient_id IS NULL;

CREATE TABLE security_alerts (
  message_id TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  gateway TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  signature_id BIGINT NOT NULL,
  severity INTEGER NOT NULL,
  device_uid TEXT,
  eve TEXT NOT NULL
);
CREATE INDEX security_alerts_time ON security_alerts (time_ms);

CREATE TABLE gateway_status (
  gateway TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  stream TEXT NOT NULL,
  state TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  version TEXT NOT NULL,
  queued BIGINT NOT NULL,
  dropped_telemetry BIGINT NOT NULL,
  dropped_security BIGINT NOT NULL,
  dropped_alarm BIGINT NOT NULL
);

CREATE TABLE ingest_dedup (
  message_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  received_ms BIGINT NOT NULL
);

CREATE TABLE dead_letters (
  letter_id @ID@,
  letter_key TEXT NOT NULL UNIQUE,
  received_ms BIGINT NOT NULL,
  topic TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  payload @BLOB@ NOT NULL
);
CREATE INDEX dead_letters_received ON dead_letters (received_ms);

CREATE TABLE cloud_state (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
)sql";

// The API's views: acknowledgements of clinical alarms (who, when, until when silenced,
// and which change of the alarm they saw) and of security alerts, and the index of a
// patient's alarms.
constexpr std::string_view kApiViews = R"sql(
CREATE TABLE alarm_acks (
  ack_id @ID@,
  alarm_key TEXT NOT NULL,
  user_id TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  silence_until_ms BIGINT,
  alarm_last_ms BIGINT NOT NULL
);
CREATE INDEX alarm_acks_alarm ON alarm_acks (alarm_key, time_ms);
CREATE INDEX alarms_patient ON alarms (patient_id, raised_ms);

CREATE TABLE security_alert_acks (
  message_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  time_ms BIGINT NOT NULL
);
)sql";

constexpr std::array<Migration, 2> kMigrations = {{
    {1, "initial", kInitial},
    {3, "api views", kApiViews},
}};

}  // namespace

std::span<const Migration> CloudMigrations() { return kMigrations; }

}  // namespace vigil::cloud
