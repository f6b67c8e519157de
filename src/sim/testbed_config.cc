#include "sim/testbed_config.h"

#include <cmath>

namespace vigil::sim {
namespace {
TimeUs Ms(double ms) { return static_cast<TimeUs>(std::llround(ms * kMillis)); }
}  // namespace

ProtocolConfig TestbedProtocol(const Scenario& s, wire::Version v) {
  ProtocolConfig c;
  c.version = v;
  const bool hardened = v == wire::Version::kHardened;
  c.confirm = hardened ? ConfirmPolicy::kAlways : ConfirmPolicy::kOnAnomaly;
  c.encrypt_data = hardened;
  c.retransmit_timeout = Ms(s.protocol.retransmit_timeout_ms);
  c.max_retransmits = static_cast<uint8_t>(s.protocol.max_retransmits);
  c.answer_window = Ms(s.protocol.answer_window_ms);
  c.confirm_timeout = Ms(s.protocol.confirm_timeout_ms);
  c.unsolicited_answers_per_minute =
      static_cast<uint32_t>(std::lround(s.protocol.unsolicited_answers_per_minute));
  return c;
}

WorldConfig TestbedWorld(const Scenario& s, wire::Version v, double loss,
                         const Profiles& profiles) {
  WorldConfig w;
  w.protocol = TestbedProtocol(s, v);
  w.loss = loss;
  w.range_m = s.radio.range_m;
  w.device_profile = profiles.device;
  w.cpan_profile = profiles.cpan;
  return w;
}

}  // namespace vigil::sim
