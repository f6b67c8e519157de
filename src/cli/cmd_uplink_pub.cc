// vigil uplink-pub: publishes one message with a client certificate (docs/uplink.md,
// "Downlink"): for commissioning a broker's ACL (which identities may write which topics)
// and for the end-to-end tests, which use it to publish a command the cloud did not sign.
//
//   vigil uplink-pub --broker 127.0.0.1:8883 --ca pki/ca.crt --cert pki/cloud-ingest.crt
//     --key pki/cloud-ingest.key --topic vigil/down/v1/site-a/gw-01/command --message "..."
//
// Exits 0 once the broker accepted the session and the message was handed over (QoS 1),
// 1 if no session came up within --timeout seconds.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "cli/command.h"
#include "daemon/mqtt_subscriber.h"

namespace vigil::cli {
namespace {

struct PubOptions {
  std::string broker = "127.0.0.1:8883";
  std::string server_name, ca, cert, key;
  std::string client_id = "vigil-uplink-pub";
  std::string topic, message;
  double timeout_s = 10;
};

void Run(const PubOptions& o) {
  SubscriberOptions so;
  so.broker = o.broker;
  so.server_name = o.server_name;
  so.tls.ca = o.ca;
  so.tls.cert = o.cert;
  so.tls.key = o.key;
  so.client_id = o.client_id;
  so.clean_session = true;
  so.topics.clear();
  MqttSubscriber client;
  std::string why;
  if (client.Start(
          so, [](const ReceivedMessage&) {}, &why) != Error::kOk) {
    std::fprintf(stderr, "vigil uplink-pub: %s\n", why.c_str());
    throw CLI::RuntimeError(2);
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.timeout_s);
  while (!client.connected() && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!client.connected() || client.Publish(o.topic, o.message, 1, &why) != Error::kOk) {
    std::fprintf(stderr, "vigil uplink-pub: not published: %s\n",
                 why.empty() ? client.last_error().c_str() : why.c_str());
    throw CLI::RuntimeError(1);
  }
  // Time for the client's thread to write the message and read the PUBACK.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  client.Stop();
  std::printf("published %zu bytes on %s\n", o.message.size(), o.topic.c_str());
}

void Setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("uplink-pub", "Publish one message with a client certificate");
  auto o = std::make_shared<PubOptions>();
  cmd->add_option("--broker", o->broker, "host:port of the broker (TLS)");
  cmd->add_option("--server-name", o->server_name, "name the broker's certificate must carry");
  cmd->add_option("--ca", o->ca, "CA file")->required();
  cmd->add_option("--cert", o->cert, "client certificate")->required();
  cmd->add_option("--key", o->key, "client key (mode 0600)")->required();
  cmd->add_option("--client-id", o->client_id, "MQTT client id");
  cmd->add_option("--topic", o->topic, "topic")->required();
  cmd->add_option("--message", o->message, "payload")->required();
  cmd->add_option("--timeout", o->timeout_s, "seconds to wait for the session");
  cmd->callback([o] { Run(*o); });
}

Registrar reg("uplink-pub", &Setup);

}  // namespace
}  // namespace vigil::cli
