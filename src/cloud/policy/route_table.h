// Every API route the cloud serves, in one table: method + path pattern -> the resource
// and action the policy decides over, where the patient or ward is taken from, and the
// rate-limit class (guard/rate_limiter.h). The HTTPS server dispatches through Match();
// a route that is not here is not served. The decision-table test
// (testdata/policy/decisions.csv) fails when a route is added without its rows.
//
// Patterns are literal segments and `{name}` segments. A `{name}` segment matches one
// non-empty segment of [A-Za-z0-9._-] (ids never need more), so percent-encoding, dots
// only ("." / "..") and empty segments never reach a handler.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloud/policy/resource.h"

namespace vigil::policy {

// Where the request names its patient or ward.
enum class TargetFrom : uint8_t {
  kNone,          // no target (admin, audit, alerts, ingest, auth endpoints)
  kPathPatient,   // the `{patient}` path segment
  kQueryPatient,  // the query parameter named by Route::param (FHIR `patient`)
  kPathWard,      // the `{ward}` path segment
  kQueryWard,     // the query parameter named by Route::param
  kAlarmPatient,  // the patient of the alarm `{alarm}`: the store resolves it
};

// Rate-limit classes (configured per class in guard/rate_limiter.h).
enum class RateClass : uint8_t { kAuth, kRead, kWrite, kExport, kIngest, kAdmin };
inline constexpr size_t kRateClassCount = 6;
std::string_view RateClassName(RateClass c);

struct Route {
  std::string_view method;
  std::string_view pattern;
  Resource resource;
  Action action;
  TargetFrom target;
  std::string_view param;  // the path segment or query parameter holding the target
  RateClass rate_class;
};

std::span<const Route> AllRoutes();

enum class RouteError : uint8_t {
  kOk,
  kNotFound,          // 404: no pattern matches the path
  kMethodNotAllowed,  // 405: the path matches, the method does not
  kMalformed,         // 400: bad query string (bad escape, duplicate target parameter)
  kOversized,         // 414: target longer than kMaxTargetBytes
};
std::string_view RouteErrorName(RouteError e);

inline constexpr size_t kMaxTargetBytes = 2048;

struct RouteMatch {
  RouteError error = RouteError::kOk;
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> path_params;
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  // The id named by route->target ("" for kNone). For kAlarmPatient it is the alarm id,
  // which the caller resolves to a patient.
  std::string target_id;
};

// `target` is the request-target as sent: "/api/patients/p1/vitals?from=...".
RouteMatch Match(std::string_view method, std::string_view target);

}  // namespace vigil::policy
