#include "connection/protocol_config.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil {
namespace {

TEST(ProtocolConfigCheck, OddTagWithAesCcmIsRefused) {
  ProtocolConfig c;  // hardened: broadcasts and data use AES-CCM
  const char* field = "";
  const char* reason = "";
  for (uint8_t tag = 8; tag <= 16; ++tag) {
    c.wire.data_tag_size = tag;
    const Error e = CheckProtocolConfig(c, &field, &reason);
    EXPECT_EQ(e, tag % 2 == 0 ? Error::kOk : Error::kInvalidArgument) << int{tag};
    if (e != Error::kOk) {
      EXPECT_STREQ(field, "tag_size");
    }
  }
  c.version = wire::Version::kV1;
  c.encrypt_data = false;
  c.wire.data_tag_size = 11;  // truncated HMAC only
  EXPECT_EQ(CheckProtocolConfig(c, &field, &reason), Error::kOk);
}

TEST(ProtocolConfigCheck, TagOutsideTheProtocolRangeIsRefused) {
  ProtocolConfig c;
  c.version = wire::Version::kV1;
  c.encrypt_data = false;
  const char* field = "";
  const char* reason = "";
  for (int tag : {0, 4, 6, 7, 17, 32}) {
    c.wire.data_tag_size = static_cast<uint8_t>(tag);
    EXPECT_EQ(CheckProtocolConfig(c, &field, &reason), Error::kInvalidArgument) << tag;
    EXPECT_STREQ(field, "tag_size");
    EXPECT_NE(std::string(reason).find("8 to 16"), std::string::npos) << reason;
  }
  EXPECT_EQ(CheckProtocolConfig(ProtocolConfig{}, nullptr, nullptr), Error::kOk);
}

}  // namespace
}  // namespace vigil
