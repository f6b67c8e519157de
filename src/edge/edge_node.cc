#include "edge/edge_node.h"

#include "common/hex.h"
#include "common/telemetry/senml_decoder.h"
#include "device/kind_vitals.h"

namespace vigil::edge {

namespace {

uplink::AlarmPriority ToUplink(clinical::AlarmPriority p) {
  switch (p) {
    case clinical::AlarmPriority::kLow:
      return uplink::AlarmPriority::kLow;
    case clinical::AlarmPriority::kMedium:
      return uplink::AlarmPriority::kMedium;
    case clinical::AlarmPriority::kHigh:
      return uplink::AlarmPriority::kHigh;
  }
  return uplink::AlarmPriority::kMedium;
}

}  // namespace

std::string QualityEvent::Describe() const {
  if (kind == Kind::kRefusedPack) {
    return "reading pack refused: " + std::string(TelemetryErrorText(error)) + " (byte " +
           std::to_string(offset) + ", record " + std::to_string(record) + ")";
  }
  return "implausible " + std::string(VitalName(vital)) + " " + std::to_string(value) +
         " refused: " + std::string(ClassReasonName(reason));
}

std::unique_ptr<EdgeNode> EdgeNode::Create(Options options,
                                           const privacy::Pseudonymiser& pseudonymiser,
                                           TimeUs start, Error* error, std::string* why) {
  if (Error e = clinical::ValidateClinicalConfig(options.clinical, why); e != Error::kOk) {
    *error = e;
    return nullptr;
  }
  std::unique_ptr<EdgeNode> node(new EdgeNode(std::move(options), pseudonymiser, start));
  if (Error e = node->minimiser_.Init(node->options_.clinical, pseudonymiser, why);
      e != Error::kOk) {
    *error = e;
    return nullptr;
  }
  *error = Error::kOk;
  return node;
}

EdgeNode::EdgeNode(Options options, const privacy::Pseudonymiser& pseudonymiser, TimeUs start)
    : options_(std::move(options)), pseudonymiser_(pseudonymiser) {
  engine_ =
      std::make_unique<clinical::ClinicalEngine>(options_.clinical, start, options_.first_alarm_id);
}

const std::string& EdgeNode::DevicePseudonym(uint64_t uid) {
  auto it = device_pseudonyms_.find(uid);
  if (it != device_pseudonyms_.end()) return it->second;
  std::string p;
  if (pseudonymiser_.Pseudonym("device:" + UidToString(uid), &p) != Error::kOk) p.clear();
  return device_pseudonyms_.emplace(uid, std::move(p)).first->second;
}

void EdgeNode::OnData(uint64_t uid, DeviceKind kind, ByteSpan payload, TimeUs now) {
  ++stats_.packs;
  const TelemetryDecode d = DecodeTelemetry(payload, now, DecodeOptions{uid});
  if (!d.ok()) {
    ++stats_.packs_refused;
    QualityEvent q;
    q.kind = QualityEvent::Kind::kRefusedPack;
    q.uid = uid;
    q.device_kind = kind;
    q.time = now;
    q.error = d.error;
    q.offset = d.offset;
    q.record = d.record;
    quality_.push_back(q);
    engine_->OnTime(now);
    DrainEngine();
    return;
  }
  const Classification c = Classify(d.pack, MeasuredVitals(kind));
  for (const ClassifiedReading& r : c.view()) {
    if (r.value_class == ValueClass::kImplausible) {
      ++stats_.implausible;
      QualityEvent q;
      q.kind = QualityEvent::Kind::kImplausible;
      q.uid = uid;
      q.device_kind = kind;
      q.time = now;
      q.reason = r.reason;
      q.vital = r.reading.vital;
      q.value = r.reading.value;
      quality_.push_back(q);
      continue;
    }
    const bool artefact = r.value_class == ValueClass::kArtefact;
    artefact ? ++stats_.artefacts : ++stats_.clinical;
    if (!artefact) ++stats_.by_vital[static_cast<size_t>(r.reading.vital)];
    const clinical::ReadingQuality quality =
        artefact ? clinical::ReadingQuality::kArtefact : clinical::ReadingQuality::kValid;
    const Error e = engine_->OnReading(uid, r.reading, quality, now);
    if (e == Error::kInvalidState) ++stats_.stale_or_reordered;

    uplink::TelemetryRecord rec;
    privacy::UplinkReading min;
    if (minimiser_.BuildReading(uid, r.reading, quality, UnixMs(r.reading.time) / 1000, &min) ==
        Error::kOk) {
      rec.pseudonym = std::move(min.pseudonym);
      rec.ward = std::move(min.ward);
    } else {
      ++stats_.unassigned;
      rec.pseudonym = DevicePseudonym(uid);
      rec.ward = options_.ward;
    }
    if (rec.pseudonym.empty()) continue;  // no pseudonym, no record: never the uid instead
    rec.device_kind = kind;
    rec.vital = r.reading.vital;
    rec.value = r.reading.value;
    rec.quality = artefact ? uplink::Quality::kInvalid : uplink::Quality::kValid;
    rec.time_ms = UnixMs(r.reading.time);
    telemetry_.push_back(std::move(rec));
  }
  DrainEngine();
}

void EdgeNode::OnTime(TimeUs now) {
  engine_->OnTime(now);
  DrainEngine();
}

TimeUs EdgeNode::NextDeadline(TimeUs now) const { return engine_->NextDeadline(now); }

void EdgeNode::DrainEngine() {
  while (std::optional<clinical::AlarmEvent> e = engine_->PollEvent()) {
    ++stats_.alarm_events;
    alarms_.push_back(std::move(*e));
  }
}

std::vector<uplink::TelemetryRecord> EdgeNode::TakeTelemetry() {
  std::vector<uplink::TelemetryRecord> out;
  out.swap(telemetry_);
  return out;
}

std::optional<clinical::AlarmEvent> EdgeNode::PollAlarm() {
  if (alarms_.empty()) return std::nullopt;
  clinical::AlarmEvent e = std::move(alarms_.front());
  alarms_.pop_front();
  return e;
}

std::optional<QualityEvent> EdgeNode::PollQuality() {
  if (quality_.empty()) return std::nullopt;
  QualityEvent q = quality_.front();
  quality_.pop_front();
  return q;
}

Error EdgeNode::ToUplinkAlarm(const clinical::AlarmEvent& e, uplink::AlarmRecord* out) const {
  privacy::UplinkAlarm min;
  if (Error err = minimiser_.BuildAlarm(e, UnixMs(e.time) / 1000, &min); err != Error::kOk)
    return err;
  uplink::AlarmRecord r;
  r.alarm_id = std::to_string(e.alarm_id);
  switch (e.kind) {
    case clinical::AlarmEventKind::kRaised:
      r.state = uplink::AlarmState::kRaised;
      break;
    case clinical::AlarmEventKind::kCleared:
      r.state = uplink::AlarmState::kCleared;
      break;
    default:  // escalated, acknowledged, silenced, silence ended, updated
      r.state = uplink::AlarmState::kUpdated;
      break;
  }
  r.priority = ToUplink(e.priority);
  r.condition = clinical::ConditionName(e.condition);
  r.technical = clinical::IsTechnical(e.condition.kind);
  r.pseudonym = std::move(min.pseudonym);
  r.ward = std::move(min.ward);
  if (e.condition.kind != clinical::ConditionKind::kNews2) {
    r.vital = e.condition.vital;
    r.value = e.value;
  }
  // The event's own name, and for NEWS2 the score: what a clinician reads first.
  r.message = std::string(clinical::AlarmEventKindName(e.kind)) + ", " +
              std::string(clinical::AlarmStateName(e.state));
  if (e.news2) r.message += ", NEWS2 " + std::to_string(e.news2->aggregate);
  if (e.news2 && !e.news2->complete) r.message += " (partial)";
  r.time_ms = UnixMs(e.time);
  *out = std::move(r);
  return Error::kOk;
}

}  // namespace vigil::edge
