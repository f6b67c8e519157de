// Fuzzes the route table's request-target matcher (src/cloud/policy/route_table.h): any
// method and target either match one route of the table, with every path parameter and
// the target id made of id characters only, or are refused with a typed error.
// Input: byte 0 selects the method; the rest is the request-target.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloud/policy/route_table.h"

namespace {

using namespace vigil::policy;

void Require(bool ok) {
  if (!ok) std::abort();
}

bool IsId(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr std::string_view kMethods[] = {"GET", "POST", "DELETE", "PUT"};
  const std::string_view method = kMethods[data[0] % 4];
  const std::string_view target(reinterpret_cast<const char*>(data) + 1, size - 1);
  const RouteMatch m = Match(method, target);
  if (m.error != RouteError::kOk) {
    Require(m.target_id.empty() || m.error == RouteError::kOk);
    Require(RouteErrorName(m.error) != "unknown");
    return 0;
  }
  Require(m.route != nullptr && m.route->method == method);
  for (const auto& [k, v] : m.path_params) Require(IsId(v));
  if (m.route->target != TargetFrom::kNone && !m.target_id.empty()) Require(IsId(m.target_id));
  if (m.route->target == TargetFrom::kPathPatient || m.route->target == TargetFrom::kPathWard ||
      m.route->target == TargetFrom::kAlarmPatient) {
    Require(!m.target_id.empty());
  }
  return 0;
}
