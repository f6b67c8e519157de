// `vigil device`: one or many emulated devices in one process, each with its own UDP
// socket (its own endpoint, as separate radios would be), driving the same DeviceCore a
// firmware embeds. Associated devices report their sensor readings periodically, one
// SenML/CBOR pack per DATA frame (docs/telemetry.md), sampled from their patient's
// PatientModel: devices given the same bed share one patient. A device whose association
// fails retries with exponential backoff (1 s .. 30 s).
//
// Intruders are the same thing with stolen or partial secrets (see cmd_device.cc):
// nothing in the fleet knows who is honest.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connection/crypto/openssl_provider.h"
#include "connection/device_core.h"
#include "connection/device_identity.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/udp.h"
#include "device/episode.h"
#include "device/patient_model.h"
#include "device/sealed_store.h"
#include "device/sensor_model.h"
#include "device/tamper.h"

namespace vigil {

class DeviceFleet {
 public:
  struct Member {
    std::string label;
    DeviceSecrets secrets;
    UdpSocket socket;
    std::unique_ptr<DeviceCore> core;
    std::unique_ptr<SensorModel> sensor;
    const PatientModel* patient = nullptr;  // owned by the fleet, shared by a bed
    TimeUs next_report = 0;
    TimeUs next_attempt = 0;
    TimeUs backoff = 0;
    uint64_t reports = 0;
    uint64_t associations = 0;
    uint64_t refusals = 0;
    DeviceCore::State last_state = DeviceCore::State::kIdle;
    std::unique_ptr<KeyStore> store;        // sealed secrets and counters (optional)
    std::unique_ptr<TamperMonitor> tamper;  // zeroizes `store` when tripped
    bool watch_tamper = false;              // a flag file to poll at every step
    bool zeroized = false;                  // tampered: the device is dead until re-provisioned
    bool pack_too_big_logged = false;       // a pack that does not fit is reported once
  };

  DeviceFleet(const DaemonConfig& config, Logger& log);
  ~DeviceFleet();

  // Adds a device (binds its socket on config.device.bind's address, a fresh port).
  // With a `store`, the device's persisted state is loaded from it and every kPersist
  // event is written back before the frames that follow are sent: the broadcast marks
  // (a reboot does not reopen broadcast replay) and the common function R3 (hardened: it
  // moves at every confirmed association; a device that forgot it is refused). If a
  // moved R3 cannot be written, the session's frames are dropped and the device restarts
  // from the store. With a `tamper_flag` path, the file's appearance zeroizes the store
  // and stops the device. Devices added with the same non-empty `bed` sample one patient
  // (seeded from the bed's name); without a bed, a device has a patient of its own
  // (seeded from its uid). Patients' time starts with the fleet.
  Error Add(const std::string& label, const DeviceSecrets& secrets, DeviceKind kind,
            std::string* why, std::unique_ptr<KeyStore> store = nullptr,
            const std::string& tamper_flag = "", const std::string& bed = "");
  // Schedules a deterioration episode (onset on the fleet's clock) for every patient of
  // the fleet, or only for `bed`'s when given. Errors: EpisodeSchedule::Add's; kNotFound
  // for a bed no device was added to. Like Add, only before Run.
  Error AddEpisode(const Episode& e, const std::string& bed, const char** why);
  CryptoProvider& crypto() { return crypto_; }
  RandomSource& random() { return random_; }
  void Poll(int max_wait_ms);
  void Run(const std::atomic<bool>& stop);
  TimeUs now() const;

  size_t size() const { return members_.size(); }
  const Member& member(size_t i) const { return *members_[i]; }
  size_t associated() const;
  // Called for every event of every device (tests, the demo's narration).
  std::function<void(const Member&, const Event&)> on_event;

 private:
  void Drain(Member& m);
  // Writes the core's persisted() to the store. False only if a moved R3 could not be
  // written.
  bool Persist(Member& m);
  // Replaces the core by one built from what the store holds, dropping its queued frames.
  void Restart(Member& m, TimeUs t);
  void Step(Member& m, TimeUs t);
  void Report(Member& m, TimeUs t);
  PatientModel* PatientFor(const std::string& key, uint64_t seed);
  // True when Step has something to do for `m` at `t` besides input: a core deadline, an
  // attempt or a report due, a tamper flag to poll. A Poll steps only those members, so
  // that its cost follows what happens in the fleet, not its size.
  bool Due(const Member& m, TimeUs t) const;

  DaemonConfig config_;
  Logger& log_;
  OpenSslCrypto crypto_;
  OsRandom random_;
  Endpoint gateway_;
  int64_t start_mono_ = 0;
  std::vector<std::unique_ptr<Member>> members_;
  // By bed name, or "uid:<uid>" for a device without a bed.
  std::map<std::string, std::unique_ptr<PatientModel>> patients_;
};

}  // namespace vigil
