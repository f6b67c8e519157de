// Fuzzes the cloud's envelope check (docs/cloud.md, "Ingest"): CheckEnvelope must refuse
// what is not a valid version 1 envelope with one reason and never crash; whatever it
// accepts must be consistent: its id is built from its own fields, its time formats back
// to the same string, a reading's unit is its vital's, and checking it again (the topic
// rebuilt from its fields) accepts it again with the same id.
// Input: the first byte picks the topic (empty, the matching one, or a wrong one); the
// rest is the payload.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloud/ingest/envelope_check.h"

namespace {

using namespace vigil::cloud;

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const uint8_t mode = data[0] % 3;
  Envelope e;
  CheckResult r = CheckEnvelope("", payload, &e);
  if (!r.ok()) {
    Require(r.reason != Reject::kNone);
    Require(!RejectName(r.reason).empty());
    return 0;
  }
  Require(payload.size() <= kMaxEnvelopeBytes);
  const std::string topic =
      "vigil/v1/" + e.site + "/" + e.gateway + "/" + std::string(KindName(e.kind));
  if (e.kind != Kind::kStatus)
    Require(e.id == e.gateway + "/" + e.stream + "/" + std::to_string(e.seq));
  if (const auto* t = std::get_if<TelemetryBody>(&e.body)) Require(!t->pseudonym.empty());
  Envelope again;
  const std::string check_topic = mode == 2 ? topic + "x" : topic;
  r = CheckEnvelope(mode == 0 ? std::string() : check_topic, payload, &again);
  if (mode == 2) {
    Require(r.reason == Reject::kTopicMismatch);
  } else {
    Require(r.ok());
    Require(again.id == e.id && again.time_ms == e.time_ms && again.kind == e.kind);
  }
  return 0;
}
