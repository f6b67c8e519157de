#include "cloud/api/database_alert_sink.h"

#include "cloud/auth/secrets.h"

namespace vigil::cloud::api {

Status DatabaseAlertSink::Raise(const ids::Alert& alert, std::string_view eve) {
  const std::optional<std::string> id = auth::RandomToken(12);
  if (!id) return Fail(StoreError::kMisuse, "no random id");
  return db_.Execute(
      "INSERT INTO security_alerts (message_id, site, gateway, time_ms, signature_id, severity, "
      "device_uid, eve) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
      {Value{std::string(kApiAlertSource) + "/" + *id}, Value{site_},
       Value{std::string(kApiAlertSource)}, Value{static_cast<int64_t>(alert.time / 1000)},
       Value{static_cast<int64_t>(alert.signature_id)}, Value{static_cast<int64_t>(alert.severity)},
       Value{std::string(eve)}});
}

}  // namespace vigil::cloud::api
