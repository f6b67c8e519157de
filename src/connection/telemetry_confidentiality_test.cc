// Telemetry is confidential by default (docs/telemetry.md, "Confidentiality"): under the
// default configuration a device's reading pack leaves it AES-CCM encrypted, no byte of
// the pack is readable on the air, and the coordinator delivers the pack unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/telemetry/senml_decoder.h"
#include "common/telemetry/senml_encoder.h"
#include "connection/loopback_pan.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil {
namespace {

std::vector<uint8_t> EcgPack() {
  const TelemetryRecord records[] = {{Vital::kHeartRate, 72}, {Vital::kRespRate, 16}};
  std::array<uint8_t, senml::kMaxPackBytes> buf{};
  Result<size_t> n = EncodeTelemetry(records, buf);
  EXPECT_TRUE(n.ok());
  return {buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n.ok() ? *n : 0)};
}

bool Contains(const OutFrame& f, const std::string& needle) {
  const std::string s(reinterpret_cast<const char*>(f.bytes.data()), f.size);
  return s.find(needle) != std::string::npos;
}

TEST(TelemetryConfidentiality, DefaultConfigSendsReadingPacksEncrypted) {
  const ProtocolConfig config;  // the deployment default
  ASSERT_EQ(config.version, wire::Version::kHardened);
  ASSERT_TRUE(config.encrypt_data);
  LoopbackPan pan(config, 41);
  const size_t d = pan.AddDevice();
  ASSERT_EQ(pan.node(d).core->StartAssociation(pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);

  const auto pack = EcgPack();
  std::vector<OutFrame> data_frames;
  pan.tap = [&](const OutFrame& f, size_t from) {
    if (from == LoopbackPan::kCpan) return;
    auto mf = wire::DecodeMacFrame(f.span());
    ASSERT_TRUE(mf.ok());
    auto m = wire::Decode(mf->payload, config.wire);
    if (m.ok() && m->type == wire::MsgType::kData) data_frames.push_back(f);
  };
  ASSERT_EQ(pan.node(d).core->SendData(pack, pan.now()), Error::kOk);
  pan.RunFor(kSeconds);

  ASSERT_EQ(data_frames.size(), 1u);
  const OutFrame& f = data_frames[0];
  auto mf = wire::DecodeMacFrame(f.span());
  ASSERT_TRUE(mf.ok());
  auto m = wire::Decode(mf->payload, config.wire);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->flags & wire::kDataFlagEncrypted);
  // Neither the names, nor the units, nor the pack as a whole appear in clear.
  for (const char* s : {"heart_rate", "resp_rate", "beat/min", "1/min"})
    EXPECT_FALSE(Contains(f, s)) << s;
  const std::string whole(pack.begin(), pack.end());
  EXPECT_FALSE(Contains(f, whole));
  // The MPDU is the pack plus the fixed overhead: MHR 21, header, flags, counter 6,
  // tag 8, FCS 2.
  EXPECT_EQ(f.size, pack.size() + 21 + 6 + config.wire.data_tag_size + 2);

  // The coordinator hands over exactly the pack, which decodes.
  const Event* up = nullptr;
  for (const Event& e : pan.coordinator_events())
    if (e.kind == EventKind::kDataReceived) up = &e;
  ASSERT_NE(up, nullptr);
  ASSERT_EQ(up->data_len, pack.size());
  EXPECT_TRUE(std::equal(pack.begin(), pack.end(), up->data.begin()));
  const TelemetryDecode decoded =
      DecodeTelemetry(ByteSpan(up->data.data(), up->data_len), up->time);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.pack.records[0].reading.value, 72);
}

}  // namespace
}  // namespace vigil
