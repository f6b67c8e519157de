// vigil registry: inspect and manage the CPAN's registry of enrolled devices.
//   vigil registry list    --registry gw.db                 devices (never any secret)
//   vigil registry revoke  --registry gw.db UID             refuse the device from now on
//   vigil registry backup  --registry gw.db --out FILE      consistent snapshot (no key)
//   vigil registry restore --registry gw.db --from FILE     back to a snapshot
// Every subcommand takes --registry-key (default: $VIGIL_REGISTRY_KEY, else gw.db.key).
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
  std::string registry_key;
  std::string uid;
  std::string out;
  std::string from;
};

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "vigil registry: %s\n", msg.c_str());
  throw CLI::RuntimeError(1);
}

// Listing an absent registry must not create an empty one as a side effect.
void OpenExisting(Registry& reg, const RegistryOptions& o) {
  struct stat st {};
  if (::stat(o.registry.c_str(), &st) != 0)
    Die("registry " + o.registry + " does not exist (vigil enroll creates it)");
  if (reg.Open(o.registry, o.registry_key) != Error::kOk) Die(reg.last_error());
  if (!reg.notice().empty())
    std::fprintf(stderr, "vigil registry: note: %s\n", reg.notice().c_str());
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
  OpenExisting(reg, o);
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
  std::vector<DamagedRecord> damaged;
  Result<std::vector<DeviceRecord>> devices = reg.ListDevices(&damaged);
  if (!devices.ok()) Die(reg.last_error());
  std::printf("%-16s  %-14s  %-8s  %-16s  %-20s  %-21s  %s\n", "UID", "KIND", "STATUS", "WARD",
              "NAME", "ENDPOINT", "CREATED");
  size_t revoked = 0, stale = 0;
  for (DeviceRecord& d : *devices) {
    revoked += d.revoked ? 1 : 0;
    stale += !d.revoked && d.stale_since_restore ? 1 : 0;
    // "restored": the registry came back from a backup and this device has not confirmed
    // since; its common function may be behind the device's (docs/provisioning.md).
    const char* status = d.revoked ? "revoked" : d.stale_since_restore ? "restored" : "active";
    std::printf("%-16s  %-14s  %-8s  %-16s  %-20s  %-21s  %s\n", UidToString(d.uid).c_str(),
                std::string(DeviceKindName(d.kind)).c_str(), status, Printable(d.ward).c_str(),
                Printable(d.name).c_str(), Printable(d.endpoint_hint).c_str(),
                Date(d.created_at).c_str());
    SecureZero(d.kd.data(), d.kd.size());
    SecureZero(d.r1.data(), d.r1.size());
  }
  for (const DamagedRecord& d : damaged)
    std::printf("%-16s  %-14s  %-8s  %s\n", UidToString(d.uid).c_str(), "-", "DAMAGED",
                d.message.c_str());
  std::printf("%zu device(s), %zu revoked", devices->size() + damaged.size(), revoked);
  if (stale > 0) std::printf(", %zu not confirmed since the restore", stale);
  if (!damaged.empty()) std::printf(", %zu DAMAGED", damaged.size());
  std::printf("\n");
  if (!damaged.empty()) throw CLI::RuntimeError(1);
}

void Backup(const RegistryOptions& o) {
  Registry reg;
  OpenExisting(reg, o);
  // Check every record first: a backup of damaged records would only defer the surprise.
  std::vector<DamagedRecord> damaged;
  Result<std::vector<DeviceRecord>> devices = reg.ListDevices(&damaged);
  if (!devices.ok()) Die(reg.last_error());
  for (DeviceRecord& d : *devices) {
    SecureZero(d.kd.data(), d.kd.size());
    SecureZero(d.r1.data(), d.r1.size());
  }
  if (!damaged.empty())
    Die(std::to_string(damaged.size()) +
        " damaged record(s) (see vigil registry list); first: " + damaged[0].message);
  if (reg.Backup(o.out) != Error::kOk) Die(reg.last_error());
  std::printf("backup %s: %zu device(s), a consistent snapshot (mode 0600)\n", o.out.c_str(),
              devices->size());
  std::printf(
      "note: the key file %s is NOT in the backup, on purpose: the backup alone holds no "
      "usable\n      secret. Keep one copy of the key file, apart from the backups; without "
      "it no backup\n      can be read.\n",
      reg.key_path().c_str());
}

void Restore(const RegistryOptions& o) {
  size_t n = 0;
  std::string why;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (RestoreRegistry(o.from, o.registry, o.registry_key, now, &n, &why) != Error::kOk) Die(why);
  std::printf("restored %s from %s: %zu device(s)\n", o.registry.c_str(), o.from.c_str(), n);
  std::printf(
      "note: under the hardened protocol a device's common function moves at every association;\n"
      "      any device that associated after this backup was taken is now ahead of the "
      "registry\n      and will fail its next confirmation. Those failures are reported as "
      "\"registry restored\n      from backup\", not as an impostor; re-provision such a "
      "device with\n      vigil enroll --registry %s --out-dir DIR --reprovision UID\n",
      o.registry.c_str());
}

void Revoke(const RegistryOptions& o) {
  std::optional<uint64_t> uid = UidFromString(o.uid);
  if (!uid.has_value()) Die("UID must be 16 hex digits, got '" + o.uid + "'");
  Registry reg;
  OpenExisting(reg, o);
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
  CLI::App* backup = cmd->add_subcommand(
      "backup", "Write a consistent snapshot of the registry (the key file is not included)");
  backup->add_option("--registry", o->registry, "CPAN registry database")->required();
  backup->add_option("--out", o->out, "New backup file (mode 0600; never overwritten)")->required();
  backup->callback([o] { Backup(*o); });
  CLI::App* restore = cmd->add_subcommand(
      "restore", "Restore the registry from a backup (marks every device as restored)");
  restore->add_option("--registry", o->registry, "Registry to create (must not exist)")->required();
  restore->add_option("--from", o->from, "Backup written by vigil registry backup")->required();
  restore->callback([o] { Restore(*o); });
  for (CLI::App* sub : {list, revoke, backup, restore})
    sub->add_option("--registry-key", o->registry_key,
                    "Registry key file (default: $VIGIL_REGISTRY_KEY, else <registry>.key)");
}

static Registrar reg("registry", &Setup);

}  // namespace
}  // namespace vigil::cli
