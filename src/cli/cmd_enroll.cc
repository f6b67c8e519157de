// vigil enroll: key personalization (seed 000). Creates the registry, its key file and
// the CPAN identity on first use, then for each new device draws a uid, Kd and Secretkey2
// from the OS CSPRNG, writes the device's provisioning bundle (owner-only) and enrolls it
// in the registry. With --reprovision UID, an enrolled device gets fresh secrets instead
// (after a registry restore left its common function behind, or a suspected leak).
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/hex.h"
#include "common/private_file.h"
#include "connection/crypto/openssl_provider.h"
#include "connection/device_identity.h"
#include "connection/keys.h"
#include "device/bundle.h"
#include "edge/registry.h"

namespace vigil::cli {
namespace {

constexpr size_t kDefaultPasswordChars = 20;  // 100 bits of base32
constexpr int kMaxCount = 10000;

struct EnrollOptions {
  std::string registry;
  std::string registry_key;
  std::string reprovision;
  std::string out_dir;
  std::string uid;
  std::string kind = "other";
  std::string ward;
  std::string name;
  std::string username;
  std::string password;
  int count = 1;
  bool force = false;
};

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "vigil enroll: %s\n", msg.c_str());
  throw CLI::RuntimeError(1);
}

void Check(Error e, const char* what) {
  if (e != Error::kOk) Die(std::string(what) + " (" + std::string(ErrorName(e)) + ")");
}

ByteSpan Str(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

uint64_t RandomUid(RandomSource& rng, Registry& reg) {
  for (int tries = 0; tries < 64; ++tries) {
    std::array<uint8_t, 8> b{};
    Check(rng.Fill(b), "random source failed");
    uint64_t uid = 0;
    for (uint8_t v : b) uid = uid << 8 | v;
    if (IsAssignableUid(uid) && reg.FindDevice(uid).error() == Error::kNotFound) return uid;
  }
  Die("could not draw a free uid");
}

std::string RandomPassword(RandomSource& rng) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::array<uint8_t, kDefaultPasswordChars> b{};
  Check(rng.Fill(b), "random source failed");
  std::string p(kDefaultPasswordChars, 'A');
  for (size_t i = 0; i < b.size(); ++i) p[i] = kAlphabet[b[i] & 31];  // 256 % 32 == 0: unbiased
  SecureZero(b.data(), b.size());
  return p;
}

void EnsureDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return;
  if (errno != EEXIST) Die("cannot create " + dir + ": " + std::strerror(errno));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) Die(dir + " is not a directory");
}

// Only a path where nothing exists gets a new registry: an existing file that does not
// open (empty, damaged, foreign) is refused and left alone, never re-initialised, since a
// new registry means a new CPAN identity that every existing bundle would contradict.
void OpenOrCreate(Registry& reg, const EnrollOptions& o) {
  struct stat st {};
  const bool exists = ::lstat(o.registry.c_str(), &st) == 0;
  Error e = exists ? reg.Open(o.registry, o.registry_key) : reg.Create(o.registry, o.registry_key);
  if (e != Error::kOk) Die(reg.last_error());
  if (!exists)
    std::printf(
        "registry %s created; its key file is %s: keep it (mode 0600) and keep it "
        "apart from the registry's backups\n",
        o.registry.c_str(), reg.key_path().c_str());
  if (!reg.notice().empty()) std::printf("note: %s\n", reg.notice().c_str());
}

void Run(const EnrollOptions& o) {
  if (!o.reprovision.empty() &&
      (o.count != 1 || !o.uid.empty() || !o.name.empty() || !o.ward.empty() || o.kind != "other"))
    Die("--reprovision UID keeps the device's uid, name, kind and ward: use it without "
        "--count, --uid, --name, --ward and --kind");
  if (o.count < 1 || o.count > kMaxCount)
    Die("--count must be between 1 and " + std::to_string(kMaxCount));
  if (o.count > 1 && (!o.uid.empty() || !o.username.empty() || !o.password.empty()))
    Die("--uid, --username and --password name one device: use them with --count 1");
  std::optional<DeviceKind> kind = DeviceKindFromName(o.kind);
  if (!kind.has_value()) Die("unknown device kind '" + o.kind + "'");
  std::optional<uint64_t> given_uid;
  if (!o.reprovision.empty()) {
    given_uid = UidFromString(o.reprovision);
    if (!given_uid.has_value())
      Die("--reprovision must be 16 hex digits, got '" + o.reprovision + "'");
  }
  if (!o.uid.empty()) {
    given_uid = UidFromString(o.uid);
    if (!given_uid.has_value()) Die("--uid must be 16 hex digits, got '" + o.uid + "'");
    if (!IsAssignableUid(*given_uid)) Die("--uid " + o.uid + " is reserved (0 or broadcast)");
  }
  Credential probe;
  if (!o.username.empty() && !probe.Set(Str(o.username)))
    Die("--username must be 1 to " + std::to_string(kMaxCredentialSize) + " bytes");
  if (!o.password.empty() && !probe.Set(Str(o.password)))
    Die("--password must be 1 to " + std::to_string(kMaxCredentialSize) + " bytes");
  SecureZero(&probe, sizeof probe);

  EnsureDir(o.out_dir);
  Registry reg;
  OpenOrCreate(reg, o);
  std::optional<DeviceRecord> existing;
  if (!o.reprovision.empty()) {
    Result<DeviceRecord> r = reg.FindDevice(*given_uid);
    // A damaged record can be re-provisioned too: its secrets are replaced, not read.
    if (!r.ok() && r.error() != Error::kCorrupt) Die(reg.last_error());
    if (r.ok() && r->revoked)
      Die("device " + o.reprovision + " is revoked: enroll a new device instead");
    if (r.ok()) {
      SecureZero(r->kd.data(), r->kd.size());
      existing = *r;
    }
  }
  OpenSslCrypto crypto;
  OsRandom rng;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  bool had_identity = reg.LoadCpanIdentity().ok();
  Result<CpanIdentity> cpan = reg.EnsureCpanIdentity(crypto, rng, now);
  if (!cpan.ok()) Die(reg.last_error());
  std::printf("cpan %s%s\n", UidToString(cpan->uid).c_str(),
              had_identity ? "" : " (new identity created)");
  std::array<uint8_t, kEd25519PublicKeySize> cpan_pub = cpan->sign_pub;
  const uint64_t cpan_uid = cpan->uid;
  SecureZero(cpan->sign_priv.data(), cpan->sign_priv.size());

  for (int i = 0; i < o.count; ++i) {
    DeviceBundle b;
    DeviceSecrets& s = b.secrets;
    s.uid = given_uid.has_value() ? *given_uid : RandomUid(rng, reg);
    if (o.reprovision.empty() && given_uid.has_value() &&
        reg.FindDevice(s.uid).error() != Error::kNotFound)
      Die("uid " + UidToString(s.uid) + " is already enrolled in " + o.registry);
    s.cpan_uid = cpan_uid;
    s.cpan_sign_pub = cpan_pub;
    Check(rng.Fill(s.kd), "random source failed");
    Check(rng.Fill(s.secretkey2), "random source failed");
    std::string user = o.username.empty() ? "dev-" + UidToString(s.uid) : o.username;
    std::string pass = o.password.empty() ? RandomPassword(rng) : o.password;
    bool creds = s.username.Set(Str(user)) && s.password.Set(Str(pass));
    SecureZero(pass.data(), pass.size());
    if (!creds) Die("credentials do not fit");
    b.kind = existing.has_value() ? existing->kind : *kind;
    b.created = now;

    DeviceRecord rec;
    Check(DeviceRecordFromSecrets(crypto, s, &rec), "cannot compute the common function");
    rec.kind = *kind;
    rec.ward = o.ward;
    rec.name = o.name.empty()
                   ? std::string(DeviceKindName(*kind)) + "-" + UidToString(s.uid).substr(12)
                   : o.name;
    if (o.count > 1 && !o.name.empty()) rec.name += "-" + std::to_string(i + 1);
    rec.created_at = now;

    // Bundle first: if enrolling then fails, the bundle is removed again, so no device
    // ever holds keys the registry does not know, and no entry lacks its bundle.
    std::string path = o.out_dir + "/" + UidToString(s.uid) + ".bundle.json";
    std::string why;
    // A re-provisioned device's old bundle holds keys that are about to stop working.
    const bool replace = o.force || !o.reprovision.empty();
    Error e = WriteBundle(path, b, replace, &why);
    SecureZero(&b, sizeof b);
    if (e != Error::kOk)
      Die(why + (e == Error::kInvalidState && !replace ? " (use --force to replace it)" : ""));
    if (!o.reprovision.empty()) {
      if (reg.ReplaceDeviceSecrets(rec) != Error::kOk) {
        std::string msg = reg.last_error();
        ShredFile(path, nullptr);
        Die(msg);
      }
      SecureZero(rec.kd.data(), rec.kd.size());
      std::printf("re-provisioned %s  %s\n", UidToString(rec.uid).c_str(), path.c_str());
      std::printf(
          "note: the device's old secrets no longer work. On the device, erase its sealed "
          "store\n      (vigil device: its --tamper-flag, or remove <store-dir>/%s.sealed and "
          ".key),\n      then start it with this bundle.\n",
          UidToString(rec.uid).c_str());
      continue;
    }
    if (reg.AddDevice(rec) != Error::kOk) {
      std::string msg = reg.last_error();
      ShredFile(path, nullptr);
      Die(msg);
    }
    SecureZero(rec.kd.data(), rec.kd.size());
    std::printf("enrolled %s  %-14s  %s\n", UidToString(rec.uid).c_str(),
                std::string(DeviceKindName(rec.kind)).c_str(), path.c_str());
  }
  std::printf(
      "note: each bundle holds its device's secrets and is readable by its owner only "
      "(mode 0600);\n      move it to the device over a trusted channel and delete this "
      "copy.\n");
}

void Setup(CLI::App& app) {
  auto o = std::make_shared<EnrollOptions>();
  CLI::App* cmd = app.add_subcommand(
      "enroll", "Key personalization: create device secrets, bundles and registry entries");
  cmd->add_option("--registry", o->registry, "CPAN registry database (created if absent)")
      ->required();
  cmd->add_option("--registry-key", o->registry_key,
                  "Registry key file (default: $VIGIL_REGISTRY_KEY, else <registry>.key; "
                  "created with a new registry)");
  cmd->add_option("--reprovision", o->reprovision,
                  "Give this enrolled device (16 hex digits) fresh secrets and a new bundle");
  cmd->add_option("--out-dir", o->out_dir, "Directory for the <uid>.bundle.json files")->required();
  cmd->add_option("--uid", o->uid, "Device uid, 16 hex digits (default: random)");
  std::vector<std::string> kinds;
  for (DeviceKind k : kAllDeviceKinds) kinds.emplace_back(DeviceKindName(k));
  cmd->add_option("--kind", o->kind, "Device kind")
      ->check(CLI::IsMember(kinds))
      ->capture_default_str();
  cmd->add_option("--ward", o->ward, "Ward the device belongs to");
  cmd->add_option("--name", o->name, "Display name (default: <kind>-<last 4 uid digits>)");
  cmd->add_option("--username", o->username, "Username (default: dev-<uid>)");
  cmd->add_option("--password", o->password,
                  "Password (default: 20 random base32 characters; avoid passing secrets "
                  "on a shared machine's command line)");
  cmd->add_option("--count", o->count, "Number of devices to enroll")->capture_default_str();
  cmd->add_flag("--force", o->force, "Replace existing bundle files");
  cmd->callback([o] { Run(*o); });
}

static Registrar reg("enroll", &Setup);

}  // namespace
}  // namespace vigil::cli
