// vigil cloud: the cloud's storage spine (docs/cloud.md).
//
//   vigil cloud serve       ingest from the broker into the database, serve the HTTPS API
//                           (docs/api.md); /metrics, /health/* on the management port
//   vigil cloud migrate     apply the schema's migrations and exit
//   vigil cloud rotate-keys re-wrap every data key under the current master key
//                           (--data-key: also start a new data key for new writes)
//   vigil cloud admit       create a patient and bind a pseudonym to them (demos, tests)
//   vigil cloud user add | api-key add | client add | care-team
//                           staff accounts (the first admin), gateways' API keys, OAuth2
//                           clients, a patient's care teams
//   vigil cloud command-key the public key gateways verify the cloud's commands with
//
// Every subcommand takes --db (sqlite path or URL, or postgresql://...) and
// --master-key-file (or VIGIL_CLOUD_MASTER_KEY). With no arguments, `serve` uses
// vigil-cloud.db and vigil-cloud.key in the working directory (creating the key file,
// mode 0600, when neither it nor the variable exists and no data key was made yet), and the
// broker at 127.0.0.1:8883 with the certificates of scripts/pki.sh in ./pki.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cli/command.h"
#include "cloud/api/api_runtime.h"
#include "cloud/api/database_stores.h"
#include "cloud/auth/api_keys.h"
#include "cloud/auth/client_credentials.h"
#include "cloud/auth/mfa.h"
#include "cloud/auth/password_hash.h"
#include "cloud/auth/password_policy.h"
#include "cloud/auth/qr_code.h"
#include "cloud/crypto/keyring.h"
#include "cloud/crypto/master_key.h"
#include "cloud/ingest/ingester.h"
#include "cloud/ingest/mqtt_source.h"
#include "cloud/ingest/rollup.h"
#include "cloud/store/database.h"
#include "cloud/store/gateway_commands.h"
#include "cloud/store/patient_records.h"
#include "cloud/store/schema.h"
#include "cloud/store/sql_api_key_store.h"
#include "cloud/store/sql_client_store.h"
#include "cloud/store/sql_mfa_store.h"
#include "cloud/store/staff_directory.h"
#include "daemon/http_server.h"
#include "daemon/log.h"
#include "daemon/metrics_text.h"
#include "daemon/mqtt_subscriber.h"
#include "edge/uplink/command.h"

namespace vigil::cli {
namespace {

using namespace vigil::cloud;

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct CommonOptions {
  std::string db = "vigil-cloud.db";
  std::string master_key_file = "vigil-cloud.key";
  bool sync_normal = false;
};

[[noreturn]] void Die(const std::string& what, int code = 2) {
  std::fprintf(stderr, "vigil cloud: %s\n", what.c_str());
  throw CLI::RuntimeError(code);
}

// Opens and migrates the database, loads the master keys (creating a key file only for
// a new database with no key anywhere) and opens the keyring.
std::unique_ptr<Database> OpenStore(const CommonOptions& o, Keyring* keys, Logger* log,
                                    MigrateReport* report = nullptr,
                                    std::vector<MasterKey>* masters_out = nullptr) {
  std::unique_ptr<Database> db;
  OpenOptions oo;
  oo.sqlite_sync_normal = o.sync_normal;
  if (Status s = OpenDatabase(o.db, oo, &db); !s.ok()) Die("database: " + s.ToString());
  MigrateReport r;
  if (Status s = Migrate(*db, CloudMigrations(), WallMs(), &r); !s.ok())
    Die("migrations: " + s.ToString());
  if (report != nullptr) *report = r;
  std::vector<MasterKey> masters;
  std::string why;
  Error e = LoadMasterKeys(o.master_key_file, &masters, &why);
  // A key is created only where nothing was sealed yet: with data keys in the table, a
  // missing key file is an operator's mistake, not a first start.
  std::vector<Row> keys_in_db;
  if (Status s = db->Execute("SELECT COUNT(*) FROM data_keys", {}, &keys_in_db); !s.ok())
    Die("database: " + s.ToString());
  if (e == Error::kNotFound && keys_in_db.at(0).Int(0) == 0) {
    MasterKey k;
    if (CreateMasterKeyFile(o.master_key_file, &k, &why) != Error::kOk) Die("master key: " + why);
    if (log != nullptr)
      Log(*log, "warning",
          "created a master key file; keep it off the database's disk and "
          "its backups")
          .With("path", o.master_key_file);
    else
      std::fprintf(stderr, "vigil cloud: created the master key file %s\n",
                   o.master_key_file.c_str());
    masters = {k};
    e = Error::kOk;
  }
  if (e != Error::kOk) Die("master key: " + why);
  if (masters_out != nullptr) *masters_out = masters;
  if (Status s = keys->Open(*db, std::move(masters), WallMs()); !s.ok())
    Die("keyring: " + s.ToString());
  return db;
}

void AddCommon(CLI::App* cmd, CommonOptions* o) {
  cmd->add_option("--db", o->db, "sqlite:///path, a path, or postgresql://... (libpq URI)");
  cmd->add_option("--master-key-file", o->master_key_file,
                  "hex master key(s), mode 0600, current first (or VIGIL_CLOUD_MASTER_KEY)");
}

struct ServeOptions {
  CommonOptions common;
  std::string broker = "127.0.0.1:8883";
  std::string server_name;
  std::string tls_dir = "pki";
  std::string ca, cert, key, crl;
  std::string client_id = "vigil-cloud-ingest";
  std::string management = "127.0.0.1:9465";
  api::ApiRuntimeOptions api;
  size_t max_batch = 500;
  int max_latency_ms = 50;
  double run_s = 0;
  double raw_retention_days = 30;
};

// What the management port shows: copied from the ingest thread after each batch.
struct Snapshot {
  std::mutex mu;
  IngestCounters totals;
  bool db_ok = true;
  std::string db_error;
};

std::string RenderMetrics(const Snapshot& snap, const MqttSource& src) {
  MetricsText m;
  const IngestCounters& t = snap.totals;
  m.Counter("vigil_cloud_ingest_received_total", "Messages received from the broker.",
            static_cast<double>(src.received()));
  m.Counter("vigil_cloud_ingest_committed_total",
            "Messages committed (stored, duplicate or "
            "dead letter) and then acknowledged.",
            static_cast<double>(src.committed()));
  for (size_t k = 0; k < t.stored_by_kind.size(); ++k)
    m.Counter("vigil_cloud_ingest_stored_total", "New messages stored, by kind.",
              static_cast<double>(t.stored_by_kind[k]),
              {{"kind", std::string(KindName(static_cast<Kind>(k)))}});
  m.Counter("vigil_cloud_ingest_duplicates_total", "Messages refused by id (already stored).",
            static_cast<double>(t.duplicates));
  for (size_t r = 1; r < t.rejected.size(); ++r)
    m.Counter("vigil_cloud_ingest_rejected_total", "Messages refused by validation, by reason.",
              static_cast<double>(t.rejected[r]),
              {{"reason", std::string(RejectName(static_cast<Reject>(r)))}});
  m.Counter("vigil_cloud_ingest_dead_letters_total", "Refused messages kept (new ones).",
            static_cast<double>(t.dead_letters));
  m.Counter("vigil_cloud_ingest_batches_total", "Batches committed.",
            static_cast<double>(t.batches));
  m.Counter("vigil_cloud_ingest_commit_failures_total",
            "Batch commits that failed (retried, not acknowledged).",
            static_cast<double>(src.commit_failures()));
  m.Gauge("vigil_cloud_mqtt_subscribed", "1 while the broker session is up and subscribed.",
          src.subscribed() ? 1 : 0);
  m.Counter("vigil_cloud_mqtt_connects_total", "Sessions established.",
            static_cast<double>(src.connects()));
  return m.Render();
}

void Serve(const ServeOptions& o) {
  Logger log("cloud");
  Keyring keys;
  MigrateReport mr;
  std::vector<MasterKey> masters;
  std::unique_ptr<Database> db = OpenStore(o.common, &keys, &log, &mr, &masters);
  Log(log, "info", "store open")
      .With("backend", BackendName(db->backend()))
      .With("schema", mr.to)
      .With("migrations_applied", mr.applied)
      .With("data_keys", static_cast<uint64_t>(keys.key_count()));
  Ingester ingester(*db, keys);
  Snapshot snap;

  // Each live dashboard holds a connection: the soft limit on descriptors (often 1024)
  // goes up to what the API may open, as far as the hard limit allows.
  if (rlimit rl{}; getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    const rlim_t want = static_cast<rlim_t>(o.api.max_connections) + 256;
    if (rl.rlim_cur < want) {
      rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : std::min(want, rl.rlim_max);
      setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  // The API first: the broker's ingester feeds its ward streams from the first batch.
  std::string why;
  api::ApiRuntime api_runtime;
  if (!o.api.listen.empty()) {
    if (api_runtime.Start(o.api, o.common.db, masters, &log, &why) != Error::kOk)
      Die("api: " + why);
    Log(log, "info", "api")
        .With("listen", o.api.listen)
        .With("port", int{api_runtime.port()})
        .With("ca", api_runtime.ca_cert_path())
        .With("dashboard", api_runtime.web_dir().empty() ? std::string("not served")
                                                         : "https://" + o.api.listen + "/");
    ingester.set_observer(api_runtime.commit_observer());
  }

  // The downlink is on once the database holds the cloud's command key (`vigil cloud
  // command-key` made it for the gateways). Read here, before the ingest thread owns `db`.
  bool downlink = false;
  {
    std::vector<Row> rows;
    downlink = db->Execute("SELECT 1 FROM command_keys LIMIT 1", {}, &rows).ok() && !rows.empty();
  }
  MqttSourceOptions so;
  so.broker = o.broker;
  so.server_name = o.server_name;
  so.tls.ca = o.ca.empty() ? o.tls_dir + "/ca.crt" : o.ca;
  so.tls.cert = o.cert.empty() ? o.tls_dir + "/cloud-ingest.crt" : o.cert;
  so.tls.key = o.key.empty() ? o.tls_dir + "/cloud-ingest.key" : o.key;
  so.tls.crl = o.crl;
  so.client_id = o.client_id;
  so.max_batch = o.max_batch;
  so.max_latency_ms = o.max_latency_ms;
  int64_t last_maintenance = WallMs();
  MqttSource source;
  const Error e =
      o.broker.empty()
          ? Error::kOk
          : source.Start(
                so,
                [&](std::vector<IngestMessage>& batch) {
                  IngestCounters c;
                  const Status s = ingester.IngestBatch(batch, &c);
                  // Maintenance on this thread (the connection and keyring are not shared): link
                  // readings of pseudonyms admitted by another process, learn rotated data keys.
                  if (s.ok() && WallMs() - last_maintenance > 2000) {
                    last_maintenance = WallMs();
                    size_t linked = 0;
                    if (Status l = ingester.LinkPending(&linked); !l.ok())
                      Log(log, "warning", "link pending").With("error", l.ToString());
                    if (Status k = keys.Reload(*db); !k.ok())
                      Log(log, "error", "keyring reload").With("error", k.ToString());
                    // The per-minute history (one bounded step: ingest waits while it runs), then
                    // the raw readings past their retention.
                    size_t merged = 0;
                    if (Status r = RollUp(*db, keys, 20000, &merged); !r.ok())
                      Log(log, "error", "roll-up").With("error", r.ToString());
                    if (o.raw_retention_days > 0) {
                      size_t pruned = 0;
                      const auto keep = static_cast<int64_t>(o.raw_retention_days * 86400000.0);
                      if (Status p = Prune(*db, WallMs(), keep, &pruned); !p.ok())
                        Log(log, "error", "prune").With("error", p.ToString());
                    }
                  }
                  std::lock_guard lk(snap.mu);
                  snap.totals = ingester.totals();
                  snap.db_ok = s.ok();
                  if (!s.ok()) {
                    snap.db_error = s.ToString();
                    Log(log, "error", "batch not committed; the broker keeps it")
                        .With("messages", static_cast<uint64_t>(batch.size()))
                        .With("error", s.ToString());
                  } else if (c.dead_letters > 0) {
                    Log(log, "warning", "messages refused").With("dead_letters", c.dead_letters);
                  }
                  return s.ok();
                },
                WallMs, &why);
  if (e != Error::kOk) Die("broker: " + why);

  // The downlink (docs/uplink.md, "Downlink"): a client of its own (same certificate; the
  // broker lets only this identity write vigil/down/v1/#) publishes the pending commands,
  // from the database, on a connection of its own, until their gateway answers.
  // Only with a command key: with this second client running, a SIGKILL of serve lost
  // exactly the broker's in-flight window towards the ingester (docs/uplink.md, Limits),
  // which the broker did not resend; open until the cloud acknowledges end to end.
  MqttSubscriber commands;
  std::unique_ptr<Database> commands_db;
  if (!o.broker.empty() && downlink) {
    if (Status s = OpenDatabase(o.common.db, {}, &commands_db); !s.ok())
      Die("database: " + s.ToString());
    SubscriberOptions co;
    co.broker = o.broker;
    co.server_name = o.server_name;
    co.tls = so.tls;
    co.client_id = o.client_id + "-commands";
    co.clean_session = true;
    co.topics.clear();
    if (commands.Start(
            co, [](const ReceivedMessage&) {}, &why) != Error::kOk)
      Die("broker (commands): " + why);
  }
  int64_t next_commands = 0;

  HttpServer http;
  if (!o.management.empty()) {
    HttpServer::Options ho;
    ho.listen = o.management;
    const Error he = http.Start(
        ho,
        [&](const HttpRequest& r) {
          if (r.method != "GET" && r.method != "HEAD") return HttpResponse::Text(405, "GET only\n");
          if (r.path == "/health/live") return HttpResponse::Text(200, "live\n");
          std::lock_guard lk(snap.mu);
          if (r.path == "/metrics") {
            HttpResponse resp =
                HttpResponse::Text(200, RenderMetrics(snap, source) + api_runtime.Metrics());
            resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
            return resp;
          }
          if (r.path == "/health/ready") {
            nlohmann::json reasons = nlohmann::json::array();
            if (!o.broker.empty() && !source.subscribed())
              reasons.push_back("broker: " + source.last_error());
            if (!o.api.listen.empty() && api_runtime.port() == 0) reasons.push_back("api: down");
            if (!snap.db_ok) reasons.push_back("database: " + snap.db_error);
            return HttpResponse::Json(
                reasons.empty() ? 200 : 503,
                nlohmann::json{{"ready", reasons.empty()}, {"reasons", reasons}}.dump() + "\n");
          }
          return HttpResponse::Text(404, "not found\n");
        },
        &why);
    if (he != Error::kOk) Die("management: " + why);
    Log(log, "info", "management").With("listen", o.management).With("port", int{http.port()});
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const auto start = std::chrono::steady_clock::now();
  bool said = false;
  while (!g_stop.load()) {
    if (!said && !o.broker.empty() && source.subscribed()) {
      Log(log, "info", "subscribed").With("broker", o.broker).With("client_id", o.client_id);
      said = true;
    }
    if (commands_db && commands.connected() && WallMs() >= next_commands) {
      next_commands = WallMs() + 1000;
      std::vector<StoredCommand> due;
      if (Status s = DueCommands(*commands_db, WallMs(), 100, &due); !s.ok())
        Log(log, "error", "commands").With("error", s.ToString());
      for (const StoredCommand& c : due) {
        std::string w;
        if (commands.Publish(uplink::CommandTopic(c.site, c.gateway), c.line, 1, &w) !=
            Error::kOk) {
          Log(log, "warning", "command not sent; retried")
              .With("command", c.command_id)
              .With("error", w);
          break;
        }
        if (Status s = MarkSent(*commands_db, c.command_id, WallMs()); !s.ok())
          Log(log, "error", "command sent, not marked").With("error", s.ToString());
        Log(log, "info", "command sent")
            .With("command", c.command_id)
            .With("gateway", c.gateway)
            .With("action", c.action)
            .With("device", c.device_uid)
            .With("sends", c.sends + 1);
      }
    }
    if (o.run_s > 0 &&
        std::chrono::steady_clock::now() - start > std::chrono::duration<double>(o.run_s))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  commands.Stop();
  source.Stop();
  api_runtime.Stop();
  http.Stop();
  const IngestCounters t = ingester.totals();
  Log(log, "info", "stopped")
      .With("stored", t.stored)
      .With("duplicates", t.duplicates)
      .With("dead_letters", t.dead_letters)
      .With("batches", t.batches);
}

struct AdmitOptions {
  CommonOptions common;
  AdmitRequest req;
};

void SetupServe(CLI::App* cloud) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = cloud->add_subcommand(
      "serve", "Ingest from the broker into the database; serve the HTTPS API (docs/api.md)");
  AddCommon(cmd, &o->common);
  cmd->add_option("--broker", o->broker, "host:port of the broker (TLS 1.3); empty: no MQTT");
  cmd->add_option("--api", o->api.listen, "host:port of the HTTPS API (TLS 1.3); empty: off");
  cmd->add_option("--ca-dir", o->api.ca_dir,
                  "the local CA's directory (created on first run; docs/tls.md)");
  cmd->add_option("--api-name", o->api.names, "extra DNS name or address of the API's certificate");
  cmd->add_option("--public-base", o->api.public_base,
                  "the API's address as clients see it (FHIR links); default https://<--api>");
  cmd->add_option("--site", o->api.site, "the deployment's name (CA name, alerts, audit)");
  cmd->add_option_function<int64_t>(
         "--session-idle-minutes",
         [o](int64_t m) { o->api.sessions.idle_timeout = m * 60 * kSeconds; },
         "a session ends after this long without a request (default 15)")
      ->check(CLI::Range(1, 24 * 60));
  cmd->add_option_function<int64_t>(
         "--session-absolute-hours",
         [o](int64_t h) { o->api.sessions.absolute_timeout = h * 3600 * kSeconds; },
         "a session ends this long after its login, whatever it does (default 12)")
      ->check(CLI::Range(1, 7 * 24));
  cmd->add_option("--argon2-memory-kib", o->api.password_params.memory_kib,
                  "Argon2id memory of new password hashes, KiB (default 19456)")
      ->check(CLI::Range(1024, 1 << 20));
  cmd->add_option("--argon2-iterations", o->api.password_params.iterations,
                  "Argon2id passes of new password hashes (default 2)")
      ->check(CLI::Range(1, 16));
  cmd->add_option("--argon2-lanes", o->api.password_params.lanes,
                  "Argon2id lanes of new password hashes (default 1)")
      ->check(CLI::Range(1, 8));
  cmd->add_option("--mfa-issuer", o->api.mfa_issuer,
                  "the name authenticator apps show (default \"Vigil <site>\")");
  cmd->add_option("--web-dir", o->api.web_dir,
                  "the built dashboard (scripts/web.sh); default: web/ beside the binary");
  cmd->add_option("--api-max-connections", o->api.max_connections,
                  "open connections of the API at most (each live dashboard holds one)");
  cmd->add_option("--server-name", o->server_name, "name the broker's certificate must carry");
  cmd->add_option("--tls-dir", o->tls_dir, "directory of ca.crt, cloud-ingest.crt/.key");
  cmd->add_option("--ca", o->ca, "CA file (overrides --tls-dir)");
  cmd->add_option("--cert", o->cert, "client certificate (overrides --tls-dir)");
  cmd->add_option("--key", o->key, "client key, mode 0600 (overrides --tls-dir)");
  cmd->add_option("--crl", o->crl, "CRL checked against the broker's certificate");
  cmd->add_option("--client-id", o->client_id, "names the persistent session");
  cmd->add_option("--management", o->management,
                  "host:port for /metrics and /health/* (plain HTTP; empty: off)");
  cmd->add_option("--max-batch", o->max_batch, "messages per transaction at most");
  cmd->add_option("--max-latency-ms", o->max_latency_ms, "a batch is committed within this");
  cmd->add_flag("--sqlite-sync-normal", o->common.sync_normal,
                "SQLite synchronous=NORMAL (a power cut may lose the last commits)");
  cmd->add_option("--raw-retention-days", o->raw_retention_days,
                  "raw readings kept this long once in the per-minute history; 0 = forever");
  cmd->add_option("--run-seconds", o->run_s, "stop after this long (tests); 0 = until signalled");
  cmd->callback([o] { Serve(*o); });
}

void SetupMigrate(CLI::App* cloud) {
  auto o = std::make_shared<CommonOptions>();
  auto* cmd = cloud->add_subcommand("migrate", "Apply the schema's migrations and exit");
  AddCommon(cmd, o.get());
  cmd->callback([o] {
    std::unique_ptr<Database> db;
    if (Status s = OpenDatabase(o->db, {}, &db); !s.ok()) Die("database: " + s.ToString());
    MigrateReport r;
    if (Status s = Migrate(*db, CloudMigrations(), WallMs(), &r); !s.ok())
      Die("migrations: " + s.ToString());
    std::printf(
        "%s\n",
        nlohmann::json{{"from", r.from}, {"to", r.to}, {"applied", r.applied}}.dump().c_str());
  });
}

void SetupRotate(CLI::App* cloud) {
  auto o = std::make_shared<CommonOptions>();
  auto data_key = std::make_shared<bool>(false);
  auto* cmd = cloud->add_subcommand(
      "rotate-keys",
      "Re-wrap every data key under the first master key given (the others: older "
      "generations, still accepted); --data-key also starts a new data key");
  AddCommon(cmd, o.get());
  cmd->add_flag("--data-key", *data_key, "also seal new writes under a new data key");
  cmd->callback([o, data_key] {
    Keyring keys;
    std::unique_ptr<Database> db = OpenStore(*o, &keys, nullptr);
    size_t n = 0;
    if (Status s = keys.RewrapAll(*db, &n); !s.ok()) Die("rotate-keys: " + s.ToString());
    uint32_t id = keys.active_key();
    if (*data_key)
      if (Status s = keys.RotateDataKey(*db, WallMs(), &id); !s.ok())
        Die("rotate-keys: " + s.ToString());
    std::printf("%s\n", nlohmann::json{{"rewrapped", n},
                                       {"master_key", keys.current_master_id()},
                                       {"active_data_key", id}}
                            .dump()
                            .c_str());
  });
}

void SetupAdmit(CLI::App* cloud) {
  auto o = std::make_shared<AdmitOptions>();
  auto* cmd = cloud->add_subcommand("admit", "Create a patient and bind a pseudonym to them");
  AddCommon(cmd, &o->common);
  cmd->add_option("--name", o->req.identity.name, "the patient's name (stored sealed)")->required();
  cmd->add_option("--mrn", o->req.identity.mrn, "medical record number (sealed)");
  cmd->add_option("--birth-date", o->req.identity.birth_date, "YYYY-MM-DD (sealed)");
  cmd->add_option("--pseudonym", o->req.pseudonym, "the edge's pseudonym for them")->required();
  cmd->add_option("--device-kind", o->req.device_kind, "the device kind admitted with");
  cmd->add_option("--ward", o->req.ward, "ward");
  cmd->add_option("--bed", o->req.bed, "bed");
  cmd->callback([o] {
    Keyring keys;
    std::unique_ptr<Database> db = OpenStore(o->common, &keys, nullptr);
    AdmitRequest req = o->req;
    req.start_ms = WallMs();
    AdmitResult r;
    if (Status s = Admit(*db, keys, req, WallMs(), &r); !s.ok()) Die("admit: " + s.ToString());
    std::printf("%s\n", nlohmann::json{{"patient_id", r.patient_id},
                                       {"admission_id", r.admission_id},
                                       {"linked", r.linked}}
                            .dump()
                            .c_str());
  });
}

// Reads a secret from a file ("-": standard input), without its final newline.
std::string ReadSecret(const std::string& path) {
  std::string text;
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "r");
  if (f == nullptr) Die("cannot read " + path);
  char buf[1024];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  if (f != stdin) std::fclose(f);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// "icu" (on duty from now for 12 h) or "icu@<start_ms>-<end_ms>".
policy::DutyAssignment ParseDuty(const std::string& text, int64_t now_ms) {
  policy::DutyAssignment d;
  const size_t at = text.find('@');
  d.unit = text.substr(0, at);
  if (d.unit.empty()) Die("a duty needs a ward or team: " + text);
  if (at == std::string::npos) {
    d.start = now_ms * 1000;
    d.end = (now_ms + 12LL * 3600 * 1000) * 1000;
    return d;
  }
  const std::string range = text.substr(at + 1);
  const size_t dash = range.find('-');
  try {
    d.start = std::stoll(range.substr(0, dash)) * 1000;
    d.end = std::stoll(range.substr(dash + 1)) * 1000;
  } catch (...) {
    Die("a duty's time range: <start_ms>-<end_ms>: " + text);
  }
  if (dash == std::string::npos || d.start >= d.end) Die("a duty's time range: start < end");
  return d;
}

struct UserOptions {
  CommonOptions common;
  std::string id, role, display, password_file, patient, issuer = "Vigil";
  std::vector<std::string> wards, teams;
  bool totp = false;
};

void SetupUser(CLI::App* cloud) {
  auto* user = cloud->add_subcommand("user", "Staff accounts (the first admin, scripts)");
  user->require_subcommand(1);
  auto o = std::make_shared<UserOptions>();
  auto* add = user->add_subcommand("add", "Create an account");
  AddCommon(add, &o->common);
  add->add_option("--id", o->id, "user id and login name, [a-z0-9._-]")->required();
  add->add_option("--role", o->role, "admin, doctor, nurse, patient or auditor")->required();
  add->add_option("--display-name", o->display, "shown in the dashboard");
  add->add_option("--password-file", o->password_file,
                  "file holding the password (\"-\": standard input); none: cannot log in");
  add->add_option("--patient", o->patient, "role patient: the patient's row id");
  add->add_option("--ward", o->wards, "ward on duty: W (12 h from now) or W@start_ms-end_ms");
  add->add_option("--care-team", o->teams, "care team on duty, same forms");
  add->add_flag("--totp", o->totp,
                "enrol a TOTP second factor now: prints the secret, its otpauth URI, a QR "
                "code and the recovery codes (once)");
  add->add_option("--issuer", o->issuer, "with --totp: the name authenticator apps show");
  add->callback([o] {
    Keyring keys;
    std::unique_ptr<Database> db = OpenStore(o->common, &keys, nullptr);
    api::UserAccount u;
    u.user_id = o->id;
    const auto role = policy::RoleFromName(o->role);
    if (!role || *role == policy::Role::kService)
      Die("--role: admin, doctor, nurse, patient or auditor");
    u.role = *role;
    u.display_name = o->display.empty() ? o->id : o->display;
    u.patient_id = o->patient;
    for (const auto& w : o->wards) u.wards.push_back(ParseDuty(w, WallMs()));
    for (const auto& t : o->teams) u.care_teams.push_back(ParseDuty(t, WallMs()));
    if (!o->password_file.empty()) {
      const std::string pw = ReadSecret(o->password_file);
      if (const auto weak = auth::CheckPasswordPolicy(pw, o->id, auth::PasswordPolicy{}))
        Die("weak password: " + *weak);
      auto hash = auth::HashPassword(pw, auth::Argon2Params{});
      if (!hash) Die("password hashing failed");
      u.password_hash = *hash;
    }
    api::DatabaseDirectory dir(*db);
    if (Status s = dir.Create(u); !s.ok()) Die("user add: " + s.ToString());
    if (!o->totp) {
      std::printf("%s\n", nlohmann::json{{"user_id", u.user_id}, {"role", o->role}}.dump().c_str());
      return;
    }
    SqlMfaStore mfa(*db, keys);
    auth::MfaConfig mc;
    mc.issuer = o->issuer;
    auth::TotpEnrolment en;
    if (auth::EnrolTotp(mfa, u.user_id, WallMs() * 1000, mc, &en) != Error::kOk)
      Die("user add --totp: " + mfa.last_status().ToString());
    // The QR code to the terminal (stderr, for a person); the JSON line to stdout.
    std::fprintf(stderr, "%s", auth::TotpTerminalText(u.user_id, en).c_str());
    std::printf("%s\n", nlohmann::json{{"user_id", u.user_id},
                                       {"role", o->role},
                                       {"totp_secret", en.offer.secret_base32},
                                       {"otpauth_uri", en.offer.otpauth_uri},
                                       {"recovery_codes", en.recovery_codes}}
                            .dump()
                            .c_str());
  });
}

struct KeyOptions {
  CommonOptions common;
  std::string owner;
  std::vector<std::string> scopes{"ingest"};
};

void SetupApiKey(CLI::App* cloud) {
  auto* cmd = cloud->add_subcommand("api-key", "API keys of service accounts (gateways)");
  cmd->require_subcommand(1);
  auto o = std::make_shared<KeyOptions>();
  auto* add = cmd->add_subcommand("add", "Create a key; printed once, stored hashed");
  AddCommon(add, &o->common);
  add->add_option("--owner", o->owner, "the service account (the gateway's id)")->required();
  add->add_option("--scope", o->scopes, "scopes (default: ingest)");
  add->callback([o] {
    Keyring keys;
    std::unique_ptr<Database> db = OpenStore(o->common, &keys, nullptr);
    SqlApiKeyStore store(*db);
    auth::NewApiKey k;
    if (auth::CreateApiKey(store, o->owner, o->scopes, WallMs() * 1000, &k) != Error::kOk)
      Die("api-key add: " + store.last_status().ToString());
    std::printf(
        "%s\n",
        nlohmann::json{
            {"key", k.key}, {"key_id", k.record.key_id}, {"owner", o->owner}, {"scopes", o->scopes}}
            .dump()
            .c_str());
  });
}

struct ClientOptions {
  CommonOptions common;
  std::string id;
  std::vector<std::string> scopes{"ingest"};
};

void SetupClient(CLI::App* cloud) {
  auto* cmd = cloud->add_subcommand("client", "OAuth2 clients (client credentials grant)");
  cmd->require_subcommand(1);
  auto o = std::make_shared<ClientOptions>();
  auto* add = cmd->add_subcommand("add", "Create a client; its secret is printed once");
  AddCommon(add, &o->common);
  add->add_option("--id", o->id, "client id")->required();
  add->add_option("--scope", o->scopes, "scopes it may ask for (default: ingest)");
  add->callback([o] {
    Keyring keys;
    std::unique_ptr<Database> db = OpenStore(o->common, &keys, nullptr);
    auto made = auth::GenerateClientSecret(o->id, o->scopes);
    if (!made) Die("no randomness");
    SqlClientStore store(*db);
    if (store.Create(made->second, WallMs() * 1000) != Error::kOk)
      Die("client add: " + store.last_status().ToString());
    std::printf("%s\n", nlohmann::json{{"client_id", o->id},
                                       {"client_secret", made->first},
                                       {"scopes", o->scopes},
                                       {"token_endpoint", "/oauth/token"}}
                            .dump()
                            .c_str());
  });
}

struct TeamOptions {
  CommonOptions common;
  int64_t patient = 0;
  std::vector<std::string> teams;
};

void SetupCareTeam(CLI::App* cloud) {
  auto o = std::make_shared<TeamOptions>();
  auto* cmd = cloud->add_subcommand("care-team", "Set the care teams a patient is under");
  AddCommon(cmd, &o->common);
  cmd->add_option("--patient", o->patient, "the patient's row id")->required();
  cmd->add_option("--team", o->teams, "care team (repeat; none: clears)");
  cmd->callback([o] {
    Keyring keys;
    std::unique_ptr<Database> db = OpenStore(o->common, &keys, nullptr);
    StaffDirectory staff(*db);
    if (staff.SetCareTeams(o->patient, o->teams) != Error::kOk)
      Die("care-team: " + staff.last_status().ToString());
    std::printf(
        "%s\n",
        nlohmann::json{{"patient_id", o->patient}, {"care_teams", o->teams}}.dump().c_str());
  });
}

struct CommandKeyOptions {
  CommonOptions common;
  std::string out;
};

// The public half of the cloud's command key, for the gateways' [uplink] command_key.
void SetupCommandKey(CLI::App* cloud) {
  auto o = std::make_shared<CommandKeyOptions>();
  auto* cmd = cloud->add_subcommand(
      "command-key", "Write the public key gateways verify the cloud's commands with (PEM)");
  AddCommon(cmd, &o->common);
  cmd->add_option("--out", o->out, "file to write (default: standard output)");
  cmd->callback([o] {
    Keyring keys;
    std::unique_ptr<Database> db = OpenStore(o->common, &keys, nullptr);
    uplink::CommandSigner signer;
    if (Status s = LoadOrCreateCommandSigner(*db, keys, WallMs() * 1000, &signer); !s.ok())
      Die("command key: " + s.ToString());
    const std::string pem = signer.PublicKeyPem();
    if (pem.empty()) Die("command key: cannot write the public key");
    if (o->out.empty()) {
      std::fputs(pem.c_str(), stdout);
      return;
    }
    FILE* f = std::fopen(o->out.c_str(), "w");
    if (f == nullptr || std::fputs(pem.c_str(), f) < 0 || std::fclose(f) != 0)
      Die("cannot write " + o->out);
  });
}

void Setup(CLI::App& app) {
  auto* cloud = app.add_subcommand("cloud", "The cloud: ingest, storage, keys");
  cloud->require_subcommand(1);
  SetupServe(cloud);
  SetupMigrate(cloud);
  SetupRotate(cloud);
  SetupAdmit(cloud);
  SetupUser(cloud);
  SetupApiKey(cloud);
  SetupClient(cloud);
  SetupCareTeam(cloud);
  SetupCommandKey(cloud);
}

Registrar reg("cloud", &Setup);

}  // namespace
}  // namespace vigil::cli
