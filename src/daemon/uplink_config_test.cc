// The [uplink] section of the gateway's configuration (daemon/config.h, docs/uplink.md).
#include <gtest/gtest.h>

#include "daemon/config.h"

namespace vigil {
namespace {

constexpr const char* kMinimal = R"toml([uplink]
broker = "mqtt.hospital.example:8883"
ca = "ca.crt"
cert = "gw-01.crt"
key = "gw-01.key"
site = "site-a"
gateway_id = "gw-01"
)toml";

Error Parse(const std::string& text, DaemonConfig* c, std::string* why) {
  *c = DefaultDaemonConfig();
  return ParseDaemonConfig(text, "gw.toml", c, why);
}

TEST(UplinkConfig, WithoutTheSectionTheUplinkIsOff) {
  DaemonConfig c;
  std::string why;
  ASSERT_EQ(Parse("[gateway]\nlisten = \"127.0.0.1:47110\"\n", &c, &why), Error::kOk) << why;
  EXPECT_FALSE(c.uplink.enabled);
}

TEST(UplinkConfig, MinimalSectionTakesTheDocumentedDefaults) {
  DaemonConfig c;
  std::string why;
  ASSERT_EQ(Parse(kMinimal, &c, &why), Error::kOk) << why;
  EXPECT_TRUE(c.uplink.enabled);
  EXPECT_EQ(c.uplink.broker, "mqtt.hospital.example:8883");
  EXPECT_EQ(c.uplink.queue, "vigil-uplink.db");
  EXPECT_TRUE(c.uplink.sync_full);
  EXPECT_EQ(c.uplink.max_messages, 1000000u);
  EXPECT_EQ(c.uplink.max_inflight, 64u);
  EXPECT_EQ(c.uplink.status_interval_s, 60u);
}

TEST(UplinkConfig, EveryFieldIsRead) {
  DaemonConfig c;
  std::string why;
  const std::string text = std::string(kMinimal) +
                           "server_name = \"broker.hospital.example\"\ncrl = \"crl.pem\"\n"
                           "queue = \"/var/lib/vigil/uplink.db\"\nsync = \"normal\"\n"
                           "max_messages = 5000\nmax_bytes = 1048576\nmax_inflight = 8\n"
                           "keepalive_s = 15\nconnect_timeout_ms = 2000\n"
                           "reconnect_min_ms = 100\nreconnect_max_ms = 9000\n"
                           "status_interval_s = 30\n";
  ASSERT_EQ(Parse(text, &c, &why), Error::kOk) << why;
  EXPECT_EQ(c.uplink.server_name, "broker.hospital.example");
  EXPECT_EQ(c.uplink.crl, "crl.pem");
  EXPECT_EQ(c.uplink.queue, "/var/lib/vigil/uplink.db");
  EXPECT_FALSE(c.uplink.sync_full);
  EXPECT_EQ(c.uplink.max_messages, 5000u);
  EXPECT_EQ(c.uplink.max_bytes, 1048576u);
  EXPECT_EQ(c.uplink.max_inflight, 8u);
  EXPECT_EQ(c.uplink.keepalive_s, 15u);
  EXPECT_EQ(c.uplink.connect_timeout_ms, 2000u);
  EXPECT_EQ(c.uplink.reconnect_min_ms, 100u);
  EXPECT_EQ(c.uplink.reconnect_max_ms, 9000u);
  EXPECT_EQ(c.uplink.status_interval_s, 30u);
}

TEST(UplinkConfig, MissingRequiredFieldIsNamedWithTheSectionLine) {
  DaemonConfig c;
  std::string why;
  std::string text = kMinimal;
  text.erase(text.find("cert = "), std::string("cert = \"gw-01.crt\"\n").size());
  EXPECT_EQ(Parse(text, &c, &why), Error::kInvalidArgument);
  EXPECT_EQ(why, "gw.toml:1: [uplink] cert: required");
}

TEST(UplinkConfig, GatewayIdThatIsNotATopicLevelIsRefused) {
  DaemonConfig c;
  std::string why;
  std::string text = kMinimal;
  text.replace(text.find("\"gw-01\"\n"), 8, "\"gw/01\"\n");
  EXPECT_EQ(Parse(text, &c, &why), Error::kInvalidArgument);
  EXPECT_NE(why.find("gw.toml:7: [uplink] gateway_id"), std::string::npos) << why;
}

TEST(UplinkConfig, BadValuesAreRefusedByField) {
  struct Case {
    const char* line;
    const char* expect;
  } const cases[] = {
      {"sync = \"sometimes\"\n", "[uplink] sync: expected \"full\" or \"normal\""},
      {"max_inflight = 0\n", "[uplink] max_inflight: expected 1..65535, got 0"},
      {"max_bytes = 10\n", "[uplink] max_bytes: expected 4096.."},
      {"reconnect_min_ms = 5000\nreconnect_max_ms = 1000\n",
       "[uplink] reconnect_min_ms: larger than reconnect_max_ms"},
      {"colour = \"blue\"\n", "[uplink] colour: unknown field"},
      {"keepalive_s = \"30\"\n", "[uplink] keepalive_s: expected an integer"},
  };
  for (const Case& k : cases) {
    DaemonConfig c;
    std::string why;
    EXPECT_EQ(Parse(std::string(kMinimal) + k.line, &c, &why), Error::kInvalidArgument) << k.line;
    EXPECT_NE(why.find(k.expect), std::string::npos) << why;
  }
  DaemonConfig c;
  std::string why;
  std::string text = kMinimal;
  text.replace(text.find("mqtt.hospital.example:8883"), 26, "mqtt.hospital.example");
  EXPECT_EQ(Parse(text, &c, &why), Error::kInvalidArgument);
  EXPECT_NE(why.find("gw.toml:2: [uplink] broker: expected host:port"), std::string::npos) << why;
}

TEST(UplinkConfig, BrokerAddressesAcceptNamesAndBothIpVersions) {
  std::string host, why;
  uint16_t port = 0;
  EXPECT_TRUE(ParseBrokerAddress("mqtt.example:8883", &host, &port, &why));
  EXPECT_EQ(host, "mqtt.example");
  EXPECT_EQ(port, 8883);
  EXPECT_TRUE(ParseBrokerAddress("[2001:db8::1]:8883", &host, &port, &why));
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_TRUE(ParseBrokerAddress("10.0.0.5:1", &host, &port, &why));
  for (const char* bad : {"mqtt.example", "mqtt.example:0", "mqtt.example:70000", ":8883",
                          "[2001:db8::1]8883", "bad host:8883", "[nothing]:8883"})
    EXPECT_FALSE(ParseBrokerAddress(bad, &host, &port, &why)) << bad;
}

}  // namespace
}  // namespace vigil
