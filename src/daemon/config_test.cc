#include "daemon/config.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(DaemonConfig, EmptyFileKeepsHardenedDefaults) {
  DaemonConfig c = DefaultDaemonConfig();
  std::string why;
  ASSERT_EQ(ParseDaemonConfig("", "x.toml", &c, &why), Error::kOk) << why;
  EXPECT_EQ(c.protocol.version, wire::Version::kHardened);
  EXPECT_EQ(c.protocol.confirm, ConfirmPolicy::kAlways);
  EXPECT_TRUE(c.protocol.encrypt_data);
  EXPECT_TRUE(c.protocol.roll_common_function);
}

TEST(DaemonConfig, RollCommonFunctionIsRead) {
  DaemonConfig c = DefaultDaemonConfig();
  std::string why;
  ASSERT_EQ(ParseDaemonConfig("[protocol]\nversion = \"hardened\"\nroll_common_function = false\n",
                              "x.toml", &c, &why),
            Error::kOk)
      << why;
  EXPECT_FALSE(c.protocol.roll_common_function);
  ASSERT_EQ(ParseDaemonConfig("[protocol]\nroll_common_function = true\n", "x.toml", &c, &why),
            Error::kOk)
      << why;
  EXPECT_TRUE(c.protocol.roll_common_function);
}

TEST(DaemonConfig, FieldsAreRead) {
  DaemonConfig c = DefaultDaemonConfig();
  std::string why;
  ASSERT_EQ(ParseDaemonConfig("[protocol]\nversion = \"v3-paper\"\ntag_size = 16\n"
                              "encrypt = false\n[gateway]\nlisten = \"127.0.0.1:9000\"\n"
                              "[device]\nreport_interval_ms = 250\n",
                              "x.toml", &c, &why),
            Error::kOk)
      << why;
  EXPECT_EQ(c.protocol.version, wire::Version::kV3Paper);
  EXPECT_EQ(c.protocol.confirm, ConfirmPolicy::kOnAnomaly);
  EXPECT_EQ(c.protocol.wire.data_tag_size, 16);
  EXPECT_FALSE(c.protocol.encrypt_data);
  EXPECT_EQ(c.gateway.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.device.report_interval_ms, 250u);
}

struct Bad {
  const char* text;
  const char* why;
};

TEST(DaemonConfig, MistakesNameTheLineAndTheField) {
  const Bad cases[] = {
      {"[protocol]\n\nversion = \"v4\"\n", "x.toml:3: [protocol] version: expected one of"},
      {"[protocol]\ntag_size = 4\n", "x.toml:2: [protocol] tag_size: expected 8..16, got 4"},
      {"[protocol]\nencrypt = \"yes\"\n", "x.toml:2: [protocol] encrypt: expected true or false"},
      {"[protocol]\nversion = \"hardened\"\nroll_common_function = 1\n",
       "x.toml:3: [protocol] roll_common_function: expected true or false"},
      {"[gateway]\nlisten = \"nowhere\"\n", "x.toml:2: [gateway] listen: expected host:port"},
      {"[gateway]\nlisen = \"1.2.3.4:5\"\n", "x.toml:2: [gateway] lisen: unknown field"},
      {"[gatway]\n", "x.toml:1: [] gatway: unknown section"},
      {"[protocol\n", "x.toml:1: "},
  };
  for (const Bad& b : cases) {
    DaemonConfig c = DefaultDaemonConfig();
    std::string why;
    EXPECT_EQ(ParseDaemonConfig(b.text, "x.toml", &c, &why), Error::kInvalidArgument) << b.text;
    EXPECT_EQ(why.rfind(b.why, 0), 0u) << "got: " << why;
    EXPECT_EQ(c.protocol.version, wire::Version::kHardened) << "a failed parse changes nothing";
  }
}

// The reported failure: tag_size 9, 11, 13 or 15 loaded, and the device then associated
// and silently sent nothing (AES-CCM has no odd tag sizes).
TEST(DaemonConfig, OddTagSizeWithAesCcmIsRefusedNamingTheField) {
  for (int tag : {9, 11, 13, 15}) {
    for (const char* version : {"hardened", "v3-paper", "v2", "v1"}) {
      DaemonConfig c = DefaultDaemonConfig();
      std::string why;
      const std::string text = std::string("[protocol]\nversion = \"") + version +
                               "\"\nencrypt = true\ntag_size = " + std::to_string(tag) + "\n";
      EXPECT_EQ(ParseDaemonConfig(text, "gw.toml", &c, &why), Error::kInvalidArgument) << text;
      EXPECT_NE(why.find("gw.toml:4: [protocol] tag_size: must be even"), std::string::npos) << why;
      EXPECT_EQ(c.protocol.wire.data_tag_size, 8) << "a refused file changes nothing";
    }
  }
  // Without encryption, v2 and later still seal the broadcast-key update with AES-CCM.
  DaemonConfig c = DefaultDaemonConfig();
  std::string why;
  EXPECT_EQ(ParseDaemonConfig("[protocol]\nversion = \"v2\"\nencrypt = false\ntag_size = 9\n",
                              "gw.toml", &c, &why),
            Error::kInvalidArgument);
  // v1 without encryption uses truncated HMAC-SHA256 only: any size from 8 to 16 works.
  ASSERT_EQ(ParseDaemonConfig("[protocol]\nversion = \"v1\"\nencrypt = false\ntag_size = 9\n",
                              "gw.toml", &c, &why),
            Error::kOk)
      << why;
  EXPECT_EQ(c.protocol.wire.data_tag_size, 9);
  for (int tag : {8, 10, 12, 14, 16}) {
    DaemonConfig d = DefaultDaemonConfig();
    EXPECT_EQ(ParseDaemonConfig("[protocol]\ntag_size = " + std::to_string(tag) + "\n", "gw.toml",
                                &d, &why),
              Error::kOk)
        << why;
    EXPECT_EQ(d.protocol.wire.data_tag_size, tag);
  }
}

TEST(DaemonConfig, RegistryKeyIsRead) {
  DaemonConfig c = DefaultDaemonConfig();
  std::string why;
  EXPECT_TRUE(c.gateway.registry_key.empty());
  ASSERT_EQ(ParseDaemonConfig("[gateway]\nregistry = \"gw.db\"\nregistry_key = \"/keys/gw.key\"\n",
                              "gw.toml", &c, &why),
            Error::kOk)
      << why;
  EXPECT_EQ(c.gateway.registry_key, "/keys/gw.key");
}

}  // namespace
}  // namespace vigil
