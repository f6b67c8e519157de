// The simulated hospital network: wards with one CPAN each, honest devices, the shared
// 802.15.4 channel, the IDS, all on one virtual clock.
//
// The World owns the scheduler, the radio, the protocol cores (through node drivers),
// the enrollment directory shared by every CPAN (the hospital's registry), and one IDS
// engine that receives every coordinator event and every device-side security event
// (devices report those to their gateway). It knows nothing of scenarios or attacks:
// hospital.h drives it from a plan, attacks/ add intruders through the same radio.
//
// Device firmware behaviour outside the protocol core is modelled here, and only here:
//  - power-on: boot a core for the CPAN of the ward the device is in, associate;
//  - association failed: retry after a backoff (1 s doubling to 30 s, with jitter);
//  - link loss: `link_loss_failures` consecutive data frames without an acknowledgement
//    mean the CPAN is gone (the device moved): scan (`scan_time`), then join the CPAN of
//    the ward the device is now in (a new core: another PAN id and coordinator);
//  - reporting: once associated, one data frame every `interval` (first one after a
//    random phase), payload 'H' | kind | sequence | filler, or what the payload source
//    (SetPayloadSource) gives, e.g. a sensor model's reading pack.
//
// Reproducible: every random choice comes from generators seeded from `seed`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/time.h"
#include "connection/coordinator_core.h"
#include "connection/crypto/openssl_provider.h"
#include "connection/device_core.h"
#include "connection/device_directory.h"
#include "ids/alert.h"
#include "ids/engine.h"
#include "ids/ids_config.h"
#include "sim/device_profile.h"
#include "sim/node_driver.h"
#include "sim/radio.h"
#include "sim/scheduler.h"

namespace vigil::sim {

struct WorldConfig {
  ProtocolConfig protocol;  // version, timers, policy; pan_id is set per ward
  double loss = 0.0;        // frame loss of every link derived from positions
  double range_m = 25.0;    // transmit range of every node
  DeviceProfile device_profile = DeviceProfile::CortexM4();
  DeviceProfile cpan_profile = DeviceProfile::CortexA53();
  bool ids_enabled = true;
  ids::IdsConfig ids;
  uint32_t link_loss_failures = 2;
  TimeUs scan_time = 500 * kMillis;
  TimeUs boot_time = 2 * kSeconds;  // from reboot to the first association request
  TimeUs retry_min = 1 * kSeconds;
  TimeUs retry_max = 30 * kSeconds;
  TimeUs ids_tick = 1 * kSeconds;
};

// Sees what happens in the world. Every method has an empty default.
class WorldListener {
 public:
  virtual ~WorldListener() = default;
  virtual void OnCoordinatorEvent(size_t ward, const Event& e) {
    (void)ward;
    (void)e;
  }
  virtual void OnDeviceEvent(size_t device, const Event& e) {
    (void)device;
    (void)e;
  }
  virtual void OnAlert(const ids::Alert& a) { (void)a; }
  // An association attempt of an honest device completed (start: StartAssociation).
  virtual void OnAssociation(size_t device, TimeUs start, TimeUs end) {
    (void)device;
    (void)start;
    (void)end;
  }
};

struct DeviceSetup {
  uint8_t kind = 0;                 // opaque to the world: goes into the payload
  TimeUs interval = 60 * kSeconds;  // data reporting interval; kNever: no data
  size_t payload_bytes = 16;        // clamped to the core's max_payload()
  size_t ward = 0;
  double x = 0, y = 0;
  bool enrolled = true;  // in the hospital's registry
};

class World {
 public:
  World(const WorldConfig& config, uint64_t seed);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // ---- construction ----
  size_t AddWard(const std::string& name, double x, double y);
  size_t AddDevice(const DeviceSetup& setup);
  // A bare radio node (intruders, sniffers, relays), listening, not attached to a core.
  NodeId AddRadioNode(const std::string& name, double x, double y);

  // ---- honest device lifecycle ----
  void PowerOn(size_t device);
  void PowerOff(size_t device);
  void Reboot(size_t device);
  // Moves the device (physically); it notices the lost link by itself.
  void MoveTo(size_t device, size_t ward, double x, double y);
  void Enroll(size_t device);
  // Gives the device a fresh identity (new uid, keys, credentials) and enrolls it: a new
  // patient's own device. The old identity should have been revoked.
  void Reprovision(size_t device);
  // Revokes the device at its CPAN (rotates Kb) and in the registry.
  void Revoke(size_t device);
  // Starts a new association on the running core (e.g. to measure one).
  void Reassociate(size_t device);

  // ---- CPAN commands ----
  Error SendBroadcast(size_t ward, ByteSpan payload);
  Error SendToDevice(size_t device, ByteSpan payload);

  // ---- running ----
  void RunUntil(TimeUs t);
  TimeUs now() const { return sched_.Now(); }
  Scheduler& scheduler() { return sched_; }
  Radio& radio() { return *radio_; }
  OpenSslCrypto& crypto() { return crypto_; }
  SeededRandom& random() { return random_; }  // protocol randomness (nonces, keys)
  uint64_t Draw();                            // simulation decisions (not protocol)
  double Uniform();                           // [0, 1)
  const WorldConfig& config() const { return config_; }
  ProtocolConfig WardProtocol(size_t ward) const;

  // What an honest device sends in its data frame number `seq` at Now(): fills `out`
  // and returns the length (clamped to the core's max_payload()), or 0 to send the default
  // filler payload. Must draw nothing from the world's generators (the day's decisions
  // stay those of a world without a source). Set before the first frame.
  using PayloadSource = std::function<size_t(size_t device, uint32_t seq, MutableByteSpan out)>;
  void SetPayloadSource(PayloadSource source) { payload_source_ = std::move(source); }

  void AddListener(WorldListener* l);
  void RemoveListener(WorldListener* l);

  // ---- state ----
  struct Ward {
    std::string name;
    double x = 0, y = 0;
    uint16_t pan_id = 0;
    CoordinatorIdentity identity;
    NodeId node = 0;
    std::unique_ptr<CoordinatorDriver> cpan;
  };
  struct Device {
    DeviceSetup setup;
    DeviceSecrets secrets;  // cpan_uid / cpan_sign_pub follow the ward joined
    // What the firmware keeps in flash, per network it has joined: a broadcast replay
    // floor is only meaningful for the coordinator whose key it was learnt under.
    std::vector<DevicePersisted> persisted;
    size_t ward = 0;         // where the device physically is
    size_t joined_ward = 0;  // the CPAN its current core talks to
    NodeId node = 0;
    std::unique_ptr<DeviceDriver> driver;
    bool enrolled = false;
    bool powered = false;
    bool associated = false;
    TimeUs assoc_started = -1;  // start of the attempt in progress
    uint32_t failures_in_row = 0;
    uint32_t no_ack_in_row = 0;
    uint32_t data_seq = 0;
    uint64_t epoch = 0;  // bumped on every power cycle / rejoin: stale timers do nothing
  };
  size_t ward_count() const { return wards_.size(); }
  size_t device_count() const { return devices_.size(); }
  Ward& ward(size_t i) { return wards_[i]; }
  Device& device(size_t i) { return devices_[i]; }
  MemoryDirectory& directory() { return directory_; }
  ids::Engine& ids() { return ids_; }
  // Index of the device with this uid, or SIZE_MAX.
  size_t FindDevice(uint64_t uid) const;

  // ---- counters ----
  uint64_t associations() const { return associations_; }
  uint64_t association_failures() const { return association_failures_; }
  uint64_t data_frames_sent() const { return data_frames_sent_; }
  const std::vector<ids::Alert>& alerts() const { return alerts_; }

 private:
  DeviceSecrets NewSecrets();
  void OnCpanEvent(size_t ward, const Event& e);
  void OnDevEvent(size_t device, const Event& e);
  void OnDevTxDone(size_t device, const TxResult& r, uint8_t msg_type);
  void BootCore(size_t device);
  void StartAssociation(size_t device);
  void ScheduleRetry(size_t device);
  void ScheduleData(size_t device, TimeUs delay);
  void SendDataFrame(size_t device);
  void LinkLost(size_t device);
  void ScheduleIdsTick();
  void Deliver(const ids::Alert& a);

  WorldConfig config_;
  OpenSslCrypto crypto_;
  SeededRandom random_;     // protocol
  SeededRandom decisions_;  // simulation choices
  SeededRandom radio_random_;
  Scheduler sched_;
  std::unique_ptr<Radio> radio_;
  MemoryDirectory directory_;
  ids::Engine ids_;
  std::vector<Ward> wards_;  // holds drivers: destroyed before the radio
  std::vector<Device> devices_;
  std::unordered_map<uint64_t, size_t> by_uid_;
  std::vector<WorldListener*> listeners_;
  PayloadSource payload_source_;
  std::vector<ids::Alert> alerts_;
  bool ids_tick_armed_ = false;
  uint64_t associations_ = 0;
  uint64_t association_failures_ = 0;
  uint64_t data_frames_sent_ = 0;
};

}  // namespace vigil::sim
