// The ward event bus (docs/dashboard.md, "The live stream"): committed ingest batches in
// (ingest/committed.h), one server-sent event per reading and per alarm out, on the
// stream of the patient's ward ("ward/<ward>"), which GET /api/wards/{ward}/stream
// follows after the same policy decision as the ward view.
//
// Events (the `data:` line is one JSON object):
//   reading  {patient_id, ward, bed, vital, value, unit, time_ms, quality, gateway,
//             message_id, news2}: news2 is api/partial_news2.h over the newest value of
//             each vital this bus has seen for the patient, as of the reading's time (a
//             process that just started scores from what arrived since);
//   alarm    {patient_id, ward, bed, alarm_id, ref, state, priority, condition, technical,
//             time_ms, vital?, value?, unit?, message?}.
//
// Delivery is the HTTP server's (daemon/http_server.h): each follower has a bounded queue
// and is dropped when it falls behind; Publish never blocks, so a slow browser never slows
// ingest. Thread-safe: OnCommitted may be called from several ingesting threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "cloud/ingest/committed.h"

namespace vigil::cloud::web {

class WardEvents {
 public:
  using Publish =
      std::function<void(std::string_view stream, std::string_view event, std::string_view data)>;
  // At most this many patients keep their newest values; beyond it the table is cleared
  // (scores then restart from the next readings) rather than grow without bound.
  static constexpr size_t kMaxPatients = 100'000;

  explicit WardEvents(Publish publish) : publish_(std::move(publish)) {}

  void OnCommitted(const CommittedBatch& batch);

  // The stream a ward's events go to.
  static std::string StreamOf(std::string_view ward) { return "ward/" + std::string(ward); }

  uint64_t published() const;

 private:
  struct Latest {
    double value = 0;
    int64_t time_ms = 0;
    std::string quality;
  };
  Publish publish_;
  mutable std::mutex mu_;
  std::map<int64_t, std::map<std::string, Latest>> latest_;  // patient -> vital -> newest
  uint64_t published_ = 0;
};

}  // namespace vigil::cloud::web
