// vigil registry: inspect and manage the CPAN's registry of enrolled devices.
//   vigil registry list   --registry gw.db       table of devices (never any secret)
//   vigil registry revoke --registry gw.db UID   refuse the device from now on
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "common/hex.h"
#include "edge/registry.h"

namespace vigil::cli {
namespace {

struct RegistryOptions {
  std::string registry;
  std::string uid;
};

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "vigil registry: %s\n", msg.c_str());
  throw CLI::RuntimeError(1);
}

// Listing an absent registry must not create an empty one as a side effect.
void OpenExisting(Registry& reg, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    Die("registry " + path + " does not exist (vigil enroll creates it)");
  if (reg.Open(path) != Error::kOk) Die(reg.last_error());
}

// Names and wards are operator input: keep control characters off the terminal.
std::string Printable(const std::string& s) {
  if (s.empty()) return "-";
  std::string out = s;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string Date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  char buf[32] = "-";
  if (gmtime_r(&t, &tm) != nullptr) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void List(const RegistryOptions& o) {
  Registry reg;
  OpenExisting(reg, o.registry);
  Result<CpanIdentity> cpan = reg.LoadCpanIdentity();
  if (cpan.ok()) {
    std::printf("cpan %s  sign_pub %s\n", UidToString(cpan->uid).c_str(),
                ToHex(cpan->sign_pub).c_str());
    SecureZero(cpan->sign_priv.data(), cpan->sign_priv.size());
  } else if (cpan.error() == Error::kNotFound) {
    std::printf("cpan (no identity yet)\n");
  } else {
    Die(reg.last_error());
  }
  Result<std::vector<DeviceRecord>> devices = reg.ListDevices();
  if (!devices.ok()) Die(reg.last_error());
  std::printf("%-16s  %-14s  %-8s  %-16s  %-20s  %-21s  %s\n", "UID", "KIND", "STATUS", "WARD",
              "NAME", "ENDPOINT", "CREATED");
  size_t revoked = 0;
  for (DeviceRecord& d : *devices) {
    revoked += d.revoked ? 1 : 0;
    std::printf("%-16s  %-14s  %-8s  %-16s  %-20s  %-21s  %s\n", UidToString(d.uid).c_str(),
                std::string(DeviceKindName(d.kind)).c_str(), d.revoked ? "revoked" : "active",
                Printable(d.ward).c_str(), Printable(d.name).c_str(),
                Printable(d.endpoint_hint).c_str(), Date(d.created_at).c_str());
    SecureZero(d.kd.data(), d.kd.size());
  }
  std::printf("%zu device(s), %zu revoked\n", devices->size(), revoked);
}

void Revoke(const RegistryOptions& o) {
  std::optional<uint64_t> uid = UidFromString(o.uid);
  if (!uid.has_value()) Die("UID must be 16 hex digits, got '" + o.uid + "'");
  Registry reg;
  OpenExisting(reg, o.registry);
  if (reg.Revoke(*uid) != Error::kOk) Die(reg.last_error());
  std::printf("revoked %s: its next association is refused\n", UidToString(*uid).c_str());
}

void Setup(CLI::App& app) {
  auto o = std::make_shared<RegistryOptions>();
  CLI::App* cmd = app.add_subcommand("registry", "Inspect or manage the CPAN device registry");
  cmd->require_subcommand(1);
  CLI::App* list = cmd->add_subcommand("list", "List enrolled devices (no secrets)");
  list->add_option("--registry", o->registry, "CPAN registry database")->required();
  list->callback([o] { List(*o); });
  CLI::App* revoke = cmd->add_subcommand("revoke", "Revoke a device");
  revoke->add_option("--registry", o->registry, "CPAN registry database")->required();
  revoke->add_option("uid", o->uid, "Device uid (16 hex digits)")->required();
  revoke->callback([o] { Revoke(*o); });
}

static Registrar reg("registry", &Setup);

}  // namespace
}  // namespace vigil::cli
