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

// The state that replicas of `vigil cloud` share (docs/cloud.md, "Shared state: what
// replicas share and how"): nothing a request needs lives only in one process. Times
// ending in _us are Unix microseconds (the auth and guard modules' TimeUs), _ms are Unix
// milliseconds (the audit record's). Secrets are stored as hashes (sessions, API keys,
// clients) or sealed (signing keys, notes); what stays in clear is what lookups need.
constexpr std::string_view kSharedState = R"sql(
CREATE TABLE sessions (
  id_hash @BLOB@ PRIMARY KEY,
  user_id TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  last_seen_us BIGINT NOT NULL,
  revoked INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked = 0;
CREATE INDEX sessions_last_seen ON sessions (last_seen_us);

CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  secret_hash @BLOB@ NOT NULL,
  owner TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  revoked_us BIGINT NOT NULL,
  last_used_us BIGINT NOT NULL
);

CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  secret_hash @BLOB@ NOT NULL,
  scopes TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  created_us BIGINT NOT NULL
);

CREATE TABLE counters (
  counter_key TEXT PRIMARY KEY,
  value @REAL@ NOT NULL,
  updated_us BIGINT NOT NULL
);
CREATE INDEX counters_updated ON counters (updated_us);

CREATE TABLE break_glass_grants (
  grant_id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  opened_us BIGINT NOT NULL,
  expires_us BIGINT NOT NULL
);
CREATE INDEX break_glass_subject ON break_glass_grants (subject_id, expires_us);

CREATE TABLE jwt_signing_keys (
  kid TEXT PRIMARY KEY,
  private_key @BLOB@ NOT NULL,
  public_pem TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  retired_us BIGINT
);

CREATE TABLE staff (
  user_id TEXT PRIMARY KEY,
  role TEXT NOT NULL
    CHECK (role IN ('admin', 'doctor', 'nurse', 'patient', 'auditor')),
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  patient_id TEXT,
  disabled INTEGER NOT NULL,
  created_us BIGINT NOT NULL,
  CHECK ((role = 'patient') = (patient_id IS NOT NULL))
);

CREATE TABLE duty_assignments (
  duty_id @ID@,
  user_id TEXT NOT NULL REFERENCES staff (user_id),
  kind TEXT NOT NULL CHECK (kind IN ('ward', 'care_team')),
  unit TEXT NOT NULL,
  start_us BIGINT NOT NULL,
  end_us BIGINT NOT NULL,
  CHECK (start_us < end_us)
);
CREATE INDEX duty_assignments_user ON duty_assignments (user_id, end_us);

CREATE TABLE patient_care_teams (
  patient_id BIGINT NOT NULL REFERENCES patients (patient_id),
  care_team TEXT NOT NULL,
  PRIMARY KEY (patient_id, care_team)
);

CREATE TABLE notes (
  note_id @ID@,
  patient_id BIGINT NOT NULL REFERENCES patients (patient_id),
  author TEXT NOT NULL,
  time_us BIGINT NOT NULL,
  body @BLOB@ NOT NULL
);
CREATE INDEX notes_patient_time ON notes (patient_id, time_us);

CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  time_ms BIGINT NOT NULL,
  record @BLOB@ NOT NULL,
  prev_hash @BLOB@ NOT NULL,
  hash @BLOB@ NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (time_ms);

CREATE TABLE audit_tail (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash @BLOB@ NOT NULL
);

CREATE TABLE audit_heads (
  head_id @ID@,
  seq BIGINT NOT NULL,
  hash @BLOB@ NOT NULL,
  time_ms BIGINT NOT NULL,
  signature @BLOB@ NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX audit_heads_seq ON audit_heads (seq, time_ms);

CREATE TABLE audit_head_keys (
  key_id TEXT PRIMARY KEY,
  private_key @BLOB@ NOT NULL,
  public_key @BLOB@ NOT NULL,
  created_us BIGINT NOT NULL,
  retired_us BIGINT
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

// The second factor (store/sql_mfa_store.h): each person's TOTP secret, sealed (owner
// "user:<id>"), with the last time step accepted; their recovery codes and the login
// tickets between the password and the second factor, as hashes only.
constexpr std::string_view kMfa = R"sql(
CREATE TABLE mfa_totp (
  user_id TEXT PRIMARY KEY,
  secret @BLOB@ NOT NULL,
  confirmed INTEGER NOT NULL,
  last_step BIGINT NOT NULL,
  created_us BIGINT NOT NULL
);

CREATE TABLE mfa_recovery_codes (
  user_id TEXT NOT NULL,
  code_hash @BLOB@ NOT NULL,
  used_us BIGINT,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE mfa_tickets (
  ticket_hash @BLOB@ PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_us BIGINT NOT NULL,
  failures INTEGER NOT NULL
);
CREATE INDEX mfa_tickets_expires ON mfa_tickets (expires_us);
)sql";

// The devices the gateways report (inventory), the bed a device is assigned to, and the
// commands the cloud sends down to a gateway (docs/uplink.md, "Downlink"). A device's
// pseudonym is the one its readings carry while the edge assigns it no patient: kept as a
// blind index (for ingest's lookup) and sealed under the device (for binding it to the
// bed's patient). Commands keep the signed line as sent so that a re-send is byte for
// byte the same command (same id and nonce: the gateway refuses a second execution).
constexpr std::string_view kAdminDevices = R"sql(
CREATE TABLE devices (
  device_uid TEXT PRIMARY KEY,
  gateway TEXT NOT NULL,
  site TEXT NOT NULL,
  device_kind TEXT NOT NULL,
  ward TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('associated', 'idle', 'revoked', 'tampered')),
  firmware_version TEXT,
  last_seen_ms BIGINT,
  reported_ms BIGINT NOT NULL,
  pseudonym_hash @BLOB@,
  pseudonym @BLOB@
);
CREATE INDEX devices_gateway ON devices (gateway);

ALTER TABLE admissions ADD COLUMN device_uid TEXT;
CREATE INDEX admissions_bed ON admissions (ward, bed) WHERE end_ms IS NULL;

CREATE TABLE gateway_commands (
  command_id TEXT PRIMARY KEY,
  gateway TEXT NOT NULL,
  site TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('revoke')),
  device_uid TEXT NOT NULL,
  reason TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  line TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'refused', 'expired')),
  sends BIGINT NOT NULL,
  sent_ms BIGINT,
  done_ms BIGINT,
  result TEXT
);
CREATE INDEX gateway_commands_pending ON gateway_commands (gateway, created_ms)
  WHERE state = 'pending';

CREATE TABLE command_keys (
  key_id TEXT PRIMARY KEY,
  private_key @BLOB@ NOT NULL,
  public_key @BLOB@ NOT NULL,
  created_us BIGINT NOT NULL,
  retired_us BIGINT
);
)sql";

constexpr std::array<Migration, 5> kMigrations = {{
    {1, "initial", kInitial},
    {2, "shared_state", kSharedState},
    {3, "api views", kApiViews},
    {4, "second factor", kMfa},
    {5, "admin devices", kAdminDevices},
}};

}  // namespace

std::span<const Migration> CloudMigrations() { return kMigrations; }

}  // namespace vigil::cloud
