// A ward switched on at once, through the coordinator core and the default detectors
// (configured as the gateway configures them): every device associates and the IDS
// raises nothing. The medium loses some frames (devices retransmit) and delivers late
// copies of others (what a busy coordinator or a contended channel does): neither is an
// attack.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "connection/loopback_pan.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"
#include "ids/default_detectors.h"
#include "ids/engine.h"
#include "ids/ids_config.h"
#include "ids/signatures.h"

namespace vigil {
namespace {

bool IsAssociationMessage(const OutFrame& f) {
  Result<wire::MacFrame> mf = wire::DecodeMacFrame(f.span());
  if (!mf.ok()) return false;
  Result<wire::Message> m = wire::Decode(mf->payload, {});
  return m.ok() && (m->type == wire::MsgType::kAssocReq || m->type == wire::MsgType::kAuthResp ||
                    m->type == wire::MsgType::kConfirmResp);
}

// Before: retransmitted requests counted as association attempts and late copies of
// answers as out-of-state messages, so a ward powering up raised "burst of out-of-state
// messages" and, at scale, "association requests overall" alerts.
TEST(PowerUpStorm, WardSwitchedOnAtOnceRaisesNoOutOfStateOrFloodAlert) {
  constexpr size_t kDevices = 120;
  LoopbackPan pan(ProtocolConfig{}, 71);
  for (size_t i = 0; i < kDevices; ++i) pan.AddDevice();
  struct Late {
    TimeUs at;
    std::vector<uint8_t> bytes;
    size_t from;
  };
  std::vector<Late> late;
  uint64_t n = 0;
  pan.tap = [&](const OutFrame& f, size_t from) {
    // A third of the association messages the devices send arrive again, 150 to 450 ms
    // later (data frames are not copied: a copy of one is a replay, which the IDS names).
    if (from == LoopbackPan::kCpan || !IsAssociationMessage(f) || ++n % 3 != 0) return;
    late.push_back({pan.now() + 150 * kMillis + static_cast<TimeUs>(n % 7) * 50 * kMillis,
                    std::vector<uint8_t>(f.span().begin(), f.span().end()), from});
  };
  uint64_t k = 0;
  pan.drop = [&](const OutFrame&, size_t from, size_t to) {
    return from != LoopbackPan::kCpan && to == LoopbackPan::kCpan && ++k % 8 == 0;
  };
  // Powered up within 200 ms, 20 slots of 10 ms, as `vigil device` spreads a fleet.
  for (size_t slot = 0; slot < 20; ++slot) {
    for (size_t i = slot; i < kDevices; i += 20) pan.node(i).core->StartAssociation(pan.now());
    pan.RunFor(10 * kMillis);
  }
  const TimeUs end = pan.now() + 3 * kSeconds;
  while (pan.now() < end) {
    pan.RunFor(5 * kMillis);
    for (auto it = late.begin(); it != late.end();) {
      if (it->at > pan.now()) {
        ++it;
        continue;
      }
      pan.Inject(ByteSpan(it->bytes.data(), it->bytes.size()), it->from);
      it = late.erase(it);
    }
  }
  size_t associated = 0;
  for (size_t i = 0; i < kDevices; ++i)
    associated += pan.node(i).core->state() == DeviceCore::State::kAssociated ? 1 : 0;
  EXPECT_EQ(associated, kDevices);
  EXPECT_GT(pan.coordinator().retransmissions(), 0u) << "the storm had no copies to ignore";

  ids::IdsConfig config;
  // As the gateway sets it: a power-up sends about one request per enrolled device.
  config.flooding.total_threshold =
      std::max<uint32_t>(config.flooding.total_threshold, 3 * static_cast<uint32_t>(kDevices));
  ids::Engine engine;
  ASSERT_EQ(ids::RegisterDefaultDetectors(engine, config), "");
  std::vector<ids::Alert> alerts;
  engine.SetSink([&](const ids::Alert& a) { alerts.push_back(a); });
  for (const Event& e : pan.coordinator_events()) engine.Consume(e);
  engine.Tick(pan.now() + 60 * kSeconds);
  for (const ids::Alert& a : alerts) ADD_FAILURE() << a.signature << ": " << a.detail;
  EXPECT_EQ(std::count_if(pan.coordinator_events().begin(), pan.coordinator_events().end(),
                          [](const Event& e) { return e.kind == EventKind::kAuthFailed; }),
            0);
}

}  // namespace
}  // namespace vigil
