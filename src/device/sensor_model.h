// What each kind of device reports about its patient (docs/telemetry.md, "Sensor
// models"): it samples a shared PatientModel, adds its own measurement noise and its
// technical artefacts, and hands back one reading pack (SenML/CBOR) per report.
//
//   ecg_patch        heart_rate, resp_rate      lead_off, motion
//   pulse_oximeter   spo2, pulse_rate           probe_off (SpO2 0, pulse 0), motion
//   thermometer      temperature                probe_off (reads the room)
//   bp_cuff          systolic, diastolic, pulse_rate   cuff_error (all 0)
//   infusion_pump    infusion_rate, infusion_volume    occlusion
//   smartwatch       pulse_rate                 motion
//   glucose_monitor  glucose                    no_signal (0)
//   tablet, other    nothing: no pack
// Every record taken during an artefact carries art_ (senml::Artefact), so the edge
// recognises it as technical. Artefacts come spontaneously (a window of 10-90 s in some
// 10-minute slots, at a rate per kind) or as scheduled (ScheduleArtefact).
//
// Deterministic: noise is drawn from (seed, sample index), spontaneous artefacts from
// (seed, slot), so the same seed and the same sampling times give the same packs. No
// heap (fixed arrays), no clock: `now` is the driver's time, on the patient's axis.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/error.h"
#include "common/telemetry/senml_encoder.h"
#include "connection/device_identity.h"
#include "device/patient_model.h"

namespace vigil {

struct ArtefactWindow {
  senml::Artefact kind = senml::Artefact::kMotion;
  TimeUs from = 0;
  TimeUs until = 0;  // exclusive
};

struct SensorSample {
  std::array<TelemetryRecord, 3> records{};
  size_t count = 0;
  std::span<const TelemetryRecord> view() const { return {records.data(), count}; }
};

class SensorModel {
 public:
  static constexpr size_t kMaxWindows = 4;

  // REQUIRES: `patient` outlives the model (the sensors of one bed share it). It may be
  // null for kinds that do not measure a patient (infusion_pump, tablet, other).
  SensorModel(DeviceKind kind, const PatientModel* patient, uint64_t seed);

  DeviceKind kind() const { return kind_; }
  // One report at `now`: the records a pack carries, values rounded to their resolution.
  // Empty for tablet and other.
  SensorSample Sample(TimeUs now);
  // Sample(now) encoded into `out`. 0 bytes when the kind has nothing to report; errors
  // as EncodeTelemetry (kNoBufs: `out` is smaller than the pack).
  Result<size_t> NextPack(TimeUs now, MutableByteSpan out);

  // Forces an artefact over [from, until). kInvalidArgument for kNone or an empty window,
  // kNoBufs beyond kMaxWindows.
  Error ScheduleArtefact(const ArtefactWindow& w);
  // Spontaneous artefacts are on by default; tests of clean signals turn them off.
  void set_spontaneous_artefacts(bool on) { spontaneous_ = on; }
  // The artefact in force at `now` (kNone if none).
  senml::Artefact ArtefactAt(TimeUs now) const;

 private:
  double Gauss(uint64_t stream) const;
  void Add(SensorSample* s, Vital v, double value, senml::Artefact a) const;

  DeviceKind kind_;
  const PatientModel* patient_;
  uint64_t seed_;
  uint64_t samples_ = 0;
  bool spontaneous_ = true;
  std::array<ArtefactWindow, kMaxWindows> windows_{};
  size_t window_count_ = 0;
  // Infusion pump: the programmed infusion, started at the first sample.
  double rate_ml_h_ = 0;
  double reservoir_ml_ = 0;
  TimeUs started_ = 0;
  bool running_ = false;
};

}  // namespace vigil
