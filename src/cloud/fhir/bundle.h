// The searchset Bundle that answers an Observation search (docs/fhir.md, "Search").
//
// Paging is by offset: the store ran `q` (its count and offset) and reports `total`, the
// number of matches of the whole search. Links: self (this page), first, next (when more
// matches follow this page), previous (when this page is not the first). Each link is
// `<base_url>/Observation?<FormatObservationQuery>`, so a client follows them as they are.
// Matches are ordered by effective time, then row id (the store's ORDER BY), so that a
// page boundary is stable while no reading is added inside the window; readings that
// arrive late inside a window being paged can shift a page by as many entries.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cloud/fhir/fhir_json.h"
#include "cloud/fhir/search_query.h"

namespace vigil::fhir {

// REQUIRES: base_url without a trailing '/' ("https://cloud.example/fhir"); each resource
// has a string resourceType and id; resources.size() <= q.count.
Json SearchBundle(std::string_view base_url, const ObservationQuery& q, uint64_t total,
                  std::span<const Json> resources);

}  // namespace vigil::fhir
