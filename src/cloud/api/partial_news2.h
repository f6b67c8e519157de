// The part of NEWS2 the sensors can give (edge/clinical/news2.h): a lower bound of the
// score, from the newest reading of each vital no older than 15 minutes before `now_ms`
// (consciousness and air/oxygen are a clinician's entries), marked incomplete so that it
// never passes for the full score. JSON null when no vital scores. Used by the ward and
// patient views and by the ward stream, so that a live update and a page load agree.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "cloud/store/patient_records.h"

namespace vigil::cloud::api {

inline constexpr int64_t kNews2MaxAgeMs = 15 * 60 * 1000;

nlohmann::json PartialNews2(const std::vector<StoredReading>& latest, int64_t now_ms);

}  // namespace vigil::cloud::api
