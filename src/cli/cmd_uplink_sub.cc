// vigil uplink-sub: reads the uplink's topics with its own client certificate and prints
// every message as a JSON line (docs/uplink.md, "Reading the uplink"): for operators, for
// the end-to-end tests, and as the first piece of a cloud ingest.
//
//   {"topic":"vigil/v1/site-a/gw-01/telemetry","retained":false,"payload":{...envelope...}}
//
// With --count N it exits once N distinct messages (by id; status messages not counted)
// have arrived; --summary FILE writes, at exit, what arrived per gateway stream: counts,
// copies removed by id, and the sequence numbers missing between the first and the last.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "cli/command.h"
#include "daemon/mqtt_subscriber.h"

namespace vigil::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct SubOptions {
  std::string broker = "127.0.0.1:8883";
  std::string server_name, ca, cert, key, crl;
  std::string client_id = "vigil-uplink-sub";
  std::vector<std::string> topics;
  bool clean = false;
  bool quiet = false;
  uint64_t count = 0;
  double timeout_s = 0;
  std::string summary;
};

struct Tally {
  std::mutex mu;
  uint64_t received = 0, duplicates = 0, status = 0, not_envelopes = 0;
  std::unordered_set<std::string> ids;
  std::map<std::string, std::set<uint64_t>> seqs;  // "gateway stream" -> seqs

  nlohmann::json Summary() {
    std::lock_guard lk(mu);
    nlohmann::json streams = nlohmann::json::array();
    for (const auto& [key, s] : seqs) {
      const uint64_t first = *s.begin(), last = *s.rbegin();
      nlohmann::json missing = nlohmann::json::array();
      uint64_t n_missing = 0;
      for (uint64_t q = first; q <= last; ++q) {
        if (s.count(q)) continue;
        if (n_missing++ < 20) missing.push_back(q);
      }
      streams.push_back({{"gateway", key.substr(0, key.find(' '))},
                         {"stream", key.substr(key.find(' ') + 1)},
                         {"unique", s.size()},
                         {"first_seq", first},
                         {"last_seq", last},
                         {"missing_count", n_missing},
                         {"missing", missing}});
    }
    return {{"received", received}, {"unique", ids.size()},           {"duplicates", duplicates},
            {"status", status},     {"not_envelopes", not_envelopes}, {"streams", streams}};
  }
};

void Run(const SubOptions& o) {
  SubscriberOptions so;
  so.broker = o.broker;
  so.server_name = o.server_name;
  so.tls = {o.ca, o.cert, o.key, o.crl};
  so.client_id = o.client_id;
  so.clean_session = o.clean;
  if (!o.topics.empty()) so.topics = o.topics;
  auto tally = std::make_shared<Tally>();
  std::mutex out_mu;
  MqttSubscriber sub;
  std::string why;
  const Error e = sub.Start(
      so,
      [&, tally](const ReceivedMessage& m) {
        auto j = nlohmann::json::parse(m.payload, nullptr, false);
        {
          std::lock_guard lk(tally->mu);
          ++tally->received;
          if (j.is_object() && j.contains("id") && j["id"].is_string()) {
            if (j.value("kind", "") == "status") {
              ++tally->status;
            } else if (!tally->ids.insert(j["id"].get<std::string>()).second) {
              ++tally->duplicates;
            } else if (j.contains("seq") && j["seq"].is_number_unsigned()) {
              tally->seqs[j.value("gateway", "") + " " + j.value("stream", "")].insert(
                  j["seq"].get<uint64_t>());
            }
          } else {
            ++tally->not_envelopes;
          }
        }
        if (o.quiet) return;
        nlohmann::json line = {{"topic", m.topic}, {"retained", m.retained}};
        if (j.is_discarded())
          line["payload"] = m.payload;
        else
          line["payload"] = std::move(j);
        std::lock_guard lk(out_mu);
        std::printf("%s\n", line.dump().c_str());
        std::fflush(stdout);
      },
      &why);
  if (e != Error::kOk) {
    std::fprintf(stderr, "vigil uplink-sub: %s\n", why.c_str());
    throw CLI::RuntimeError(2);
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const auto start = std::chrono::steady_clock::now();
  int code = 0;
  bool said_connected = false;
  while (!g_stop.load()) {
    if (!said_connected && sub.subscribed()) {
      std::fprintf(stderr, "vigil uplink-sub: subscribed to %s\n", o.broker.c_str());
      said_connected = true;
    }
    {
      std::lock_guard lk(tally->mu);
      if (o.count > 0 && tally->ids.size() >= o.count) break;
    }
    if (o.timeout_s > 0 &&
        std::chrono::steady_clock::now() - start > std::chrono::duration<double>(o.timeout_s)) {
      std::fprintf(stderr, "vigil uplink-sub: timeout; last error: %s\n", sub.last_error().c_str());
      code = 1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sub.Stop();
  const nlohmann::json summary = tally->Summary();
  if (!o.summary.empty()) {
    FILE* f = std::fopen(o.summary.c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f, "%s\n", summary.dump().c_str());
      std::fclose(f);
    }
  }
  std::fprintf(stderr, "vigil uplink-sub: %s\n", summary.dump().c_str());
  if (code != 0) throw CLI::RuntimeError(code);
}

void Setup(CLI::App& app) {
  auto o = std::make_shared<SubOptions>();
  auto* cmd =
      app.add_subcommand("uplink-sub", "Read the uplink's MQTT topics and print JSON lines");
  cmd->add_option("--broker", o->broker, "host:port of the broker (TLS)");
  cmd->add_option("--server-name", o->server_name, "name the broker's certificate must carry");
  cmd->add_option("--ca", o->ca, "the uplink CA (PEM)")->required();
  cmd->add_option("--cert", o->cert, "this reader's certificate (PEM)")->required();
  cmd->add_option("--key", o->key, "its key (PEM, mode 0600)")->required();
  cmd->add_option("--crl", o->crl, "the CA's CRL, checked against the broker's certificate");
  cmd->add_option("--client-id", o->client_id, "names the persistent session");
  cmd->add_option("--topic", o->topics, "topic filter (repeatable; default vigil/v1/#)");
  cmd->add_flag("--clean", o->clean, "no persistent session: nothing is kept while away");
  cmd->add_flag("--quiet", o->quiet, "print nothing per message (with --summary)");
  cmd->add_option("--count", o->count, "exit after this many distinct messages");
  cmd->add_option("--timeout", o->timeout_s, "seconds before giving up (exit 1); 0 = never");
  cmd->add_option("--summary", o->summary, "write the per-stream summary JSON to this file");
  cmd->callback([o] { Run(*o); });
}

Registrar reg("uplink-sub", &Setup);

}  // namespace
}  // namespace vigil::cli
