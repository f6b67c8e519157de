#include "cloud/policy/resource.h"

namespace vigil::policy {

std::string_view ResourceName(Resource r) {
  switch (r) {
    case Resource::kVitals:
      return "vitals";
    case Resource::kAlarms:
      return "alarms";
    case Resource::kPatientRecord:
      return "patient_record";
    case Resource::kNotes:
      return "notes";
    case Resource::kWardView:
      return "ward_view";
    case Resource::kAuditRecords:
      return "audit_records";
    case Resource::kSecurityAlerts:
      return "security_alerts";
    case Resource::kAdminUsers:
      return "admin_users";
    case Resource::kAdminKeys:
      return "admin_keys";
    case Resource::kAdminDevices:
      return "admin_devices";
    case Resource::kIngest:
      return "ingest";
    case Resource::kBreakGlass:
      return "break_glass";
    case Resource::kAuthEndpoint:
      return "auth_endpoint";
    case Resource::kAccount:
      return "account";
  }
  return "unknown";
}

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kRead:
      return "read";
    case Action::kWrite:
      return "write";
    case Action::kAcknowledge:
      return "acknowledge";
    case Action::kExport:
      return "export";
    case Action::kAdminister:
      return "administer";
  }
  return "unknown";
}

}  // namespace vigil::policy
