#include "cloud/web/ward_events.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "cloud/api/partial_news2.h"
#include "common/hex.h"
#include "common/vitals.h"

namespace vigil::cloud::web {
namespace {

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void WardEvents::OnCommitted(const CommittedBatch& batch) {
  using nlohmann::json;
  std::vector<std::pair<std::string, std::string>> readings;  // stream, data
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const CommittedReading& r : batch.readings) {
      if (latest_.size() >= kMaxPatients && !latest_.count(r.patient_id)) latest_.clear();
      auto& vitals = latest_[r.patient_id];
      Latest& l = vitals[r.vital];
      if (r.time_ms >= l.time_ms) l = {r.value, r.time_ms, r.quality};
      std::vector<StoredReading> newest;
      for (const auto& [vital, v] : vitals) {
        StoredReading s;
        s.vital = vital;
        s.value = v.value;
        s.time_ms = v.time_ms;
        s.quality = v.quality;
        newest.push_back(std::move(s));
      }
      json j = {{"patient_id", r.patient_id},
                {"ward", r.ward},
                {"bed", r.bed},
                {"vital", r.vital},
                {"value", r.value},
                {"time_ms", r.time_ms},
                {"quality", r.quality},
                {"gateway", r.gateway},
                {"message_id", r.message_id},
                {"news2", api::PartialNews2(newest, r.time_ms)}};
      if (auto v = VitalFromName(r.vital)) j["unit"] = VitalUcumUnit(*v);
      readings.emplace_back(StreamOf(r.ward), Dump(j));
    }
    published_ += batch.readings.size() + batch.alarms.size();
  }
  for (const auto& [stream, data] : readings) publish_(stream, "reading", data);
  for (const CommittedAlarm& a : batch.alarms) {
    json j = {{"patient_id", a.patient_id},
              {"ward", a.ward},
              {"bed", a.bed},
              {"alarm_id", a.alarm_key},
              {"ref", ToHex(ByteSpan(reinterpret_cast<const uint8_t*>(a.alarm_key.data()),
                                     a.alarm_key.size()))},
              {"state", a.state},
              {"priority", a.priority},
              {"condition", a.condition},
              {"technical", a.technical},
              {"time_ms", a.time_ms}};
    if (a.vital) j["vital"] = *a.vital;
    if (a.value) j["value"] = *a.value;
    if (!a.unit.empty()) j["unit"] = a.unit;
    if (!a.message.empty()) j["message"] = a.message;
    publish_(StreamOf(a.ward), "alarm", Dump(j));
  }
}

uint64_t WardEvents::published() const {
  std::lock_guard<std::mutex> lock(mu_);
  return published_;
}

}  // namespace vigil::cloud::web
