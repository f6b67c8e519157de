#include "cloud/policy/subject.h"

#include <algorithm>
#include <array>
#include <utility>

namespace vigil::policy {
namespace {
constexpr std::array<std::pair<Role, std::string_view>, 6> kRoleNames = {{
    {Role::kAdmin, "admin"},
    {Role::kDoctor, "doctor"},
    {Role::kNurse, "nurse"},
    {Role::kPatient, "patient"},
    {Role::kAuditor, "auditor"},
    {Role::kService, "service"},
}};
}  // namespace

std::string_view RoleName(Role r) {
  for (const auto& [role, name] : kRoleNames) {
    if (role == r) return name;
  }
  return "unknown";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (const auto& [role, n] : kRoleNames) {
    if (n == name) return role;
  }
  return std::nullopt;
}

bool Subject::HasScope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

}  // namespace vigil::policy
