// The edge's processing of a gateway's verified data (docs/edge.md): every payload an
// associated device sent is decoded as a SenML/CBOR reading pack, each value classified
// (clinical, artefact, implausible), evaluated by the clinical engine (thresholds, NEWS2,
// technical alarms), and minimised into the records the uplink carries (a pseudonym, never
// the patient's identifier).
//
// Sans-IO, like the protocol cores: bytes and `now` in; uplink records, alarm events and
// quality events out, polled; one deadline. `vigil gateway` and `vigil sim` drive the same
// object. Nothing here reads a clock, a socket or a file.
//
// What is never turned into a clinical value: a pack that does not decode (no reading of
// it is used, kRefusedPack), a value no body or working sensor can produce (kImplausible),
// both remote misbehaviour of an authenticated device, reported as quality events for the
// IDS. An artefact (probe off, lead off, cuff error) feeds the technical alarm only and
// goes up with quality "invalid", so that the cloud never charts it as a measurement.
//
// Not thread-safe: the driver serialises its calls.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "common/telemetry/classify.h"
#include "common/telemetry/telemetry_error.h"
#include "common/time.h"
#include "connection/device_identity.h"
#include "edge/clinical/clinical_engine.h"
#include "edge/privacy/pseudonym.h"
#include "edge/privacy/uplink_record.h"
#include "edge/uplink/envelope.h"

namespace vigil::edge {

// What the edge refused, for the log and the IDS (never a clinical value).
struct QualityEvent {
  enum class Kind : uint8_t {
    kRefusedPack,  // the payload is not a valid reading pack: `error`, `offset`, `record`
    kImplausible,  // a value outside what a body or the device's kind can give: `reason`
  };
  Kind kind = Kind::kRefusedPack;
  uint64_t uid = 0;
  DeviceKind device_kind = DeviceKind::kOther;
  TimeUs time = 0;
  TelemetryError error = TelemetryError::kOk;
  size_t offset = 0;
  size_t record = 0;
  ClassReason reason = ClassReason::kPlausible;
  Vital vital = Vital::kHeartRate;
  double value = 0;

  // One line for an operator: "reading pack refused: <error text> (byte 7, record 1)".
  std::string Describe() const;
};

struct EdgeStats {
  uint64_t packs = 0;
  uint64_t packs_refused = 0;
  uint64_t clinical = 0;
  uint64_t artefacts = 0;
  uint64_t implausible = 0;
  uint64_t unassigned = 0;          // readings of devices bound to no patient (not evaluated)
  uint64_t stale_or_reordered = 0;  // readings the engine refused as older than the latest
  std::array<uint64_t, kVitalCount> by_vital{};  // clinical readings
  uint64_t alarm_events = 0;
};

class EdgeNode {
 public:
  struct Options {
    clinical::ClinicalConfig clinical;
    // The ward of this gateway: carried by readings of devices bound to no patient.
    std::string ward = "ward";
    // Added to the driver's time axis to give UTC microseconds since the Unix epoch
    // (the gateway: wall clock at start minus monotonic at start; the simulator: a
    // fixed epoch).
    int64_t unix_offset_us = 0;
    // First alarm id; above any id an earlier run used (the audit trail outlives it).
    uint64_t first_alarm_id = 1;
  };

  // Errors: kInvalidArgument (the clinical config does not validate), kCrypto (a
  // pseudonym cannot be computed), with `why`. REQUIRES: `pseudonymiser` outlives the node.
  static std::unique_ptr<EdgeNode> Create(Options options,
                                          const privacy::Pseudonymiser& pseudonymiser, TimeUs start,
                                          Error* error, std::string* why);

  // A verified payload from associated device `uid` of `kind` (the registry's kind: what
  // the device is enrolled as, not what it claims).
  void OnData(uint64_t uid, DeviceKind kind, ByteSpan payload, TimeUs now);
  // Settles timer-driven alarms (a stale sensor, a clear after hysteresis).
  void OnTime(TimeUs now);
  TimeUs NextDeadline(TimeUs now) const;

  // Outputs, in the order they arose. Telemetry comes in batches: take them all at once.
  std::vector<uplink::TelemetryRecord> TakeTelemetry();
  std::optional<clinical::AlarmEvent> PollAlarm();
  std::optional<QualityEvent> PollQuality();

  // The uplink's form of an alarm event (pseudonym and ward; no patient id, no bed, no
  // operator). kCrypto if the pseudonym cannot be computed.
  Error ToUplinkAlarm(const clinical::AlarmEvent& e, uplink::AlarmRecord* out) const;

  clinical::ClinicalEngine& engine() { return *engine_; }
  const clinical::ClinicalEngine& engine() const { return *engine_; }
  const EdgeStats& stats() const { return stats_; }
  int64_t UnixMs(TimeUs t) const { return (t + options_.unix_offset_us) / 1000; }
  // The pseudonym of a device bound to no patient ("device:<uid>" under the site key):
  // what its readings carry, and what the gateway's inventory tells the cloud so that it
  // can put the device on a bed's patient. Empty if it cannot be computed.
  const std::string& DevicePseudonym(uint64_t uid);

 private:
  EdgeNode(Options options, const privacy::Pseudonymiser& pseudonymiser, TimeUs start);
  void DrainEngine();

  Options options_;
  const privacy::Pseudonymiser& pseudonymiser_;
  privacy::UplinkMinimiser minimiser_;
  std::unique_ptr<clinical::ClinicalEngine> engine_;
  std::vector<uplink::TelemetryRecord> telemetry_;
  std::deque<clinical::AlarmEvent> alarms_;
  std::deque<QualityEvent> quality_;
  std::unordered_map<uint64_t, std::string> device_pseudonyms_;
  EdgeStats stats_;
};

}  // namespace vigil::edge
