// The API's alerts stored beside the gateways' in security_alerts (one alert stream for
// the dashboard's security view and GET /alerts), with gateway "cloud-api" and an id
// "cloud-api/<random>" (replicas never collide).
//
// Not thread-safe: one Database connection (the API thread's).
#pragma once

#include <string>

#include "cloud/api/api_stores.h"
#include "cloud/store/database.h"

namespace vigil::cloud::api {

inline constexpr std::string_view kApiAlertSource = "cloud-api";

class DatabaseAlertSink final : public AlertSink {
 public:
  DatabaseAlertSink(Database& db, std::string site) : db_(db), site_(std::move(site)) {}
  Status Raise(const ids::Alert& alert, std::string_view eve) override;

 private:
  Database& db_;
  std::string site_;
};

}  // namespace vigil::cloud::api
