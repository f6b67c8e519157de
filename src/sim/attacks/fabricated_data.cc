// Fabricated data (seed 002 section 2.2, "fabrication"): ten data frames made up in the
// victim's name, two a second, with counters above the victim's (read on the air).
// An internal intruder holds the victim's credentials and recorded its last handshake,
// so it derives the session keys the paper versions key with the credentials
// (Ku from R1 and the nonces); an external one has no key and guesses the tag.
// With clinical telemetry on (scenario [clinical]), the made-up payload is a well-formed
// reading pack of the victim's kind that says the patient is crashing (FabricatedPack),
// which is what an attacker who wants to trigger, or to bury, alarms sends.
// Goal: the CPAN accepts a fabricated frame.
#include <algorithm>
#include <memory>
#include <vector>

#include "common/telemetry/senml_encoder.h"
#include "connection/keys.h"
#include "edge/clinical/clinical_config.h"
#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

// Values of a patient in extremis, per vital: each one beyond its critical limit.
double Alarming(Vital v) {
  switch (v) {
    case Vital::kHeartRate:
    case Vital::kPulseRate:
      return 155;
    case Vital::kSpO2:
      return 79;
    case Vital::kRespRate:
      return 32;
    case Vital::kTemperature:
      return 40.2;
    case Vital::kSystolic:
      return 78;
    case Vital::kDiastolic:
      return 40;
    case Vital::kGlucose:
      return 2.4;
    case Vital::kInfusionRate:
      return 60;
    case Vital::kInfusionVolume:
      return 5;
  }
  return 0;
}

// The fabricated reading pack of a device of `kind` (empty if the kind reports nothing).
std::vector<uint8_t> FabricatedPack(DeviceKind kind) {
  std::vector<TelemetryRecord> records;
  for (Vital v : clinical::DefaultVitalsOf(kind)) records.push_back({v, Alarming(v), {}, 0});
  std::vector<uint8_t> out(64);
  if (records.empty()) return {};
  Result<size_t> n = EncodeTelemetry(records, MutableByteSpan(out.data(), out.size()));
  out.resize(n.ok() ? *n : 0);
  return out;
}

class FabricatedData final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 20 * kSeconds; }

  void Start() override {
    subjects_ = {victim_uid()};
    node_ = env_.NodeFor(plan_.ward, plan_.intruder);
    pc_ = world().WardProtocol(plan_.ward);
    const Overheard* h = env_.Heard(victim_uid());
    counter_ = (h != nullptr ? h->last_counter : 0) + 100;
    if (env_.scenario().clinical.enabled)
      pack_ = FabricatedPack(env_.plan().devices[plan_.victim].kind);
    if (plan_.capability >= Capability::kCredentials && h != nullptr && h->has_handshake &&
        h->pan == pc_.pan_id) {
      // What credentials give: R1, the paper versions' association secret. (Hardened keys
      // the session with Kd, which this intruder does not have: its keys are wrong.)
      const DeviceSecrets& s = victim().secrets;
      std::array<uint8_t, 32> secret{};
      CommonFunctionR1(world().crypto(), s.username.span(), s.password.span(), secret);
      Transcript t;
      t.version = pc_.version;
      t.device_uid = victim_uid();
      t.cpan_uid = ward().identity.uid;
      t.nd = h->nd;
      t.nc = h->nc;
      have_keys_ = DeriveSessionKeys(world().crypto(), secret, t, &keys_) == Error::kOk;
    }
    Send(0);
  }

  void Stop() override {
    stopped_ = true;
    if (have_keys_) keys_.Release(world().crypto());
    note_ = have_keys_ ? "keys derived from credentials" : "guessed tags";
    // Accepted counters far ahead of the victim's own make the CPAN refuse its real frames
    // as replays from now on; staff would restart the device whose data stopped.
    if (goal_) world().Reboot(plan_.victim);
  }

  void OnCoordinatorEvent(size_t w, const Event& e) override {
    if (w == plan_.ward && e.kind == EventKind::kDataReceived && e.uid == victim_uid() &&
        e.data_len > 0 && (pack_.empty() ? e.data[0] == '!' : Ours(e)))
      goal_ = true;
  }

 private:
  bool Ours(const Event& e) const {
    return e.data_len == pack_.size() && std::equal(pack_.begin(), pack_.end(), e.data.begin());
  }

  void Send(int n) {
    std::array<uint8_t, 20> text_payload{};
    const char* text = "!hr=190 spo2=80";
    for (size_t i = 0; text[i] != 0; ++i) text_payload[i] = static_cast<uint8_t>(text[i]);
    const ByteSpan p = pack_.empty() ? ByteSpan(text_payload.data(), text_payload.size())
                                     : ByteSpan(pack_.data(), pack_.size());
    forge::Mac mac{pc_.pan_id, victim_uid(), ward().identity.uid, static_cast<uint8_t>(0xA0 + n)};
    Transmit(node_, forge::Data(mac, pc_.version, pc_.wire, counter_++, p, pc_.encrypt_data,
                                world().crypto(), have_keys_ ? &keys_ : nullptr,
                                wire::Direction::kDeviceToCpan, env_.Draw()));
    if (n < 9) After(500 * kMillis, [this, n] { Send(n + 1); });
  }

  NodeId node_ = 0;
  ProtocolConfig pc_;
  uint32_t counter_ = 0;
  bool have_keys_ = false;
  SessionKeys keys_;
  std::vector<uint8_t> pack_;  // clinical telemetry on: what is sent instead of the text
};

}  // namespace

std::unique_ptr<Attack> MakeFabricatedData(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<FabricatedData>(p, env);
}

}  // namespace vigil::sim
