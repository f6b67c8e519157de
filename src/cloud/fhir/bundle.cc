#include "cloud/fhir/bundle.h"

#include <string>

namespace vigil::fhir {

Json SearchBundle(std::string_view base_url, const ObservationQuery& q, uint64_t total,
                  std::span<const Json> resources) {
  const std::string search = std::string(base_url) + "/Observation?";
  auto link = [&](std::string_view relation, uint64_t offset) {
    return Json{{"relation", relation}, {"url", search + FormatObservationQuery(q, offset)}};
  };
  Json links = Json::array({link("self", q.offset), link("first", 0)});
  if (q.offset + resources.size() < total) links.push_back(link("next", q.offset + q.count));
  if (q.offset > 0) links.push_back(link("previous", q.offset > q.count ? q.offset - q.count : 0));

  Json entries = Json::array();
  for (const Json& r : resources) {
    const std::string type = r.value("resourceType", "");
    const std::string id = r.value("id", "");
    entries.push_back({{"fullUrl", std::string(base_url) + "/" + type + "/" + id},
                       {"resource", r},
                       {"search", {{"mode", "match"}}}});
  }
  Json b = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", total}, {"link", links}};
  if (!entries.empty()) b["entry"] = entries;
  return b;
}

}  // namespace vigil::fhir
