// vigil device: one or many emulated devices over UDP (see daemon/device_fleet.h).
//
// Each --bundle is one device. With --store-dir, a device's secrets move from its bundle
// into a sealed key store on first start (device/provisioning.h), the bundle is erased
// once the store reads back, and every store in the directory starts its device from
// then on, with the state a device must keep across restarts. Under the hardened
// protocol, whose common function moves at every association, a store is required
// (unless protocol.roll_common_function = false). For testbeds, --steal and --as-uid turn a bundle
// into an intruder:
//   --steal creds   keep the Uid, username and password; the keys are guesses
//   --steal kd      ... plus Kd (a cloned key); Secretkey2 is a guess
//   --steal full    everything (a fully cloned device)
//   --as-uid UID    an enrolled device (this bundle's keys) claiming another identity
// Each device reports SenML/CBOR reading packs sampled from a modelled patient
// (docs/telemetry.md): its own, or with --bed NAME one patient for every device of the
// process (an ECG patch, an oximeter and a cuff on one bed); --episode schedules a
// deterioration, e.g. --episode sepsis,onset=2m,ramp=5m,severity=0.8.
//
// Secure boot (docs/firmware.md): with --firmware IMAGE and --firmware-key PUB.pem (or
// [device] firmware and firmware_key), every
// device first verifies the image (an MCUboot image, signed by the manufacturer) against
// the key and the security counter sealed in its store; a refused image stops the process
// before any device sends a frame. The sealed counter moves up to the image's only once
// the device has associated running it.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "common/hex.h"
#include "common/private_file.h"
#include "connection/crypto/openssl_provider.h"
#include "daemon/config.h"
#include "daemon/device_fleet.h"
#include "device/bundle.h"
#include "device/episode.h"
#include "device/firmware/firmware_key.h"
#include "device/firmware/image_file.h"
#include "device/firmware/secure_boot.h"
#include "device/provisioning.h"
#include "device/sealed_store.h"

namespace vigil::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct DeviceOptions {
  std::string config;
  std::vector<std::string> bundles;
  std::string bundle_dir;
  std::string gateway;
  std::string version;
  std::string store_dir;
  std::string steal;
  std::string as_uid;
  std::string tamper_flag;
  std::string bed;
  std::string firmware;
  std::string firmware_key;
  std::vector<std::string> episodes;
  int interval_ms = 0;
  double duration = 0;
};

[[noreturn]] void Die(const std::string& msg, int code = 1) {
  fprintf(stderr, "vigil device: %s\n", msg.c_str());
  throw CLI::RuntimeError(code);
}

// A device that has only its sealed store (its bundle was erased at import).
const std::string kStoreOnly = "store:";

// "DIR/00124b0001a2b3c4.sealed" -> "00124b0001a2b3c4" for `suffix` ".sealed"; else "".
std::string UidOfFile(const std::string& path, const std::string& suffix) {
  const std::string name = std::filesystem::path(path).filename().string();
  if (name.size() != 16 + suffix.size() || name.compare(16, suffix.size(), suffix) != 0) return "";
  const std::string uid = name.substr(0, 16);
  std::optional<uint64_t> v = UidFromString(uid);
  return v.has_value() ? UidToString(*v) : "";
}

void Run(DeviceOptions o) {
  DaemonConfig c = DefaultDaemonConfig();
  std::string why;
  if (!o.config.empty() && LoadDaemonConfig(o.config, &c, &why) != Error::kOk) Die(why, 2);
  if (!o.gateway.empty()) c.device.gateway = o.gateway;
  if (o.interval_ms > 0) c.device.report_interval_ms = static_cast<uint32_t>(o.interval_ms);
  if (!o.store_dir.empty()) c.device.store_dir = o.store_dir;
  if (!o.firmware.empty()) c.device.firmware = o.firmware;
  if (!o.firmware_key.empty()) c.device.firmware_key = o.firmware_key;
  if (!o.version.empty()) {
    if (!ParseVersion(o.version, &c.protocol.version))
      Die("--version: expected v1, v2, v3-paper or hardened", 2);
    c.protocol.confirm = DefaultConfirmPolicy(c.protocol.version);
  }
  const char* field = "";
  const char* reason = "";
  if (CheckProtocolConfig(c.protocol, &field, &reason) != Error::kOk)
    Die(std::string("[protocol] ") + field + ": " + reason, 2);
  if (!Endpoint::Parse(c.device.gateway, &why).ok()) Die("gateway address: " + why, 2);
  if (!c.device.store_dir.empty()) {
    // A path that names something other than a directory is an operator mistake, not an
    // internal error: say what it is.
    std::error_code ec;
    const auto st = std::filesystem::status(c.device.store_dir, ec);
    if (!ec && std::filesystem::exists(st) && !std::filesystem::is_directory(st))
      Die("--store-dir " + c.device.store_dir + " is not a directory", 2);
    std::filesystem::create_directories(c.device.store_dir, ec);
    if (ec) Die("--store-dir " + c.device.store_dir + ": cannot create: " + ec.message(), 2);
  }
  // A device that forgets its moved R3 at a restart is refused by the gateway from then
  // on: better to refuse to start now than to run until the first reboot.
  if (c.protocol.version == wire::Version::kHardened && c.protocol.roll_common_function &&
      c.device.store_dir.empty())
    Die("protocol hardened moves each device's common function (R3) at every association, "
        "so the device must persist it: give --store-dir DIR (or [device] store_dir), or set "
        "protocol.roll_common_function = false on both the gateway and the devices",
        2);
  // The emulated boot stage's inputs: the image in the device's slot, the manufacturer's key.
  const bool secure_boot = !c.device.firmware.empty();
  std::vector<uint8_t> firmware_image;  // may be empty: an empty file is refused as truncated
  firmware::PublicKey firmware_key;
  if (c.device.firmware.empty() != c.device.firmware_key.empty())
    Die("--firmware and --firmware-key ([device] firmware, firmware_key) go together (the image "
        "and the key it must be signed "
        "with)",
        2);
  if (secure_boot) {
    if (c.device.store_dir.empty())
      Die("--firmware needs --store-dir: the anti-rollback counter is sealed in the store", 2);
    if (firmware::LoadPublicKey(c.device.firmware_key, &firmware_key, &why) != Error::kOk)
      Die("--firmware-key: " + why, 2);
    if (firmware::ReadImageFile(c.device.firmware, firmware::kMaxImageSize, &firmware_image,
                                &why) != Error::kOk)
      Die("--firmware: " + why, 2);
  }

  if (!o.bundle_dir.empty()) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(o.bundle_dir, ec)) {
      const std::string p = e.path().string();
      if (p.size() > 12 && p.compare(p.size() - 12, 12, ".bundle.json") == 0)
        o.bundles.push_back(p);
    }
    if (ec) Die(o.bundle_dir + ": " + ec.message());
    std::sort(o.bundles.begin(), o.bundles.end());
  }
  // With a store directory, each sealed store is a device, bundle or not: bundles are
  // erased once imported.
  std::vector<std::string> store_only;  // uids (16 hex digits) of stores without a bundle
  if (!c.device.store_dir.empty()) {
    std::vector<std::string> bundle_uids;
    for (const std::string& p : o.bundles) {
      DeviceBundle peek;
      bundle_uids.push_back(LoadBundle(p, &peek, nullptr) == Error::kOk
                                ? UidToString(peek.secrets.uid)
                                : UidOfFile(p, ".bundle.json"));
      SecureZero(&peek.secrets, sizeof(peek.secrets));
    }
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(c.device.store_dir, ec)) {
      const std::string uid = UidOfFile(e.path().string(), ".sealed");
      if (!uid.empty() &&
          std::find(bundle_uids.begin(), bundle_uids.end(), uid) == bundle_uids.end())
        store_only.push_back(uid);
    }
    if (ec) Die(c.device.store_dir + ": " + ec.message());
    std::sort(store_only.begin(), store_only.end());
  }
  if (o.bundles.empty() && store_only.empty())
    Die("no device: give --bundle FILE or --bundle-dir DIR (or --store-dir DIR holding sealed "
        "stores)",
        2);
  std::vector<Episode> episodes;
  for (const std::string& text : o.episodes) {
    Episode e;
    if (ParseEpisode(text, &e, &why) != Error::kOk) Die("--episode: " + why, 2);
    episodes.push_back(e);
  }
  std::optional<uint64_t> as_uid;
  if (!o.as_uid.empty()) {
    as_uid = UidFromString(o.as_uid);
    if (!as_uid) Die("--as-uid: expected 16 hex digits", 2);
  }

  Logger logger("device", stderr);
  DeviceFleet fleet(c, logger);
  // Stores whose device boots an image with a higher security counter than the sealed one:
  // raised once that device has associated (the image ran), never before.
  std::map<const KeyStore*, uint32_t> pending_counter;
  OsRandom rng;
  std::vector<std::string> sources = o.bundles;
  for (const std::string& uid : store_only) sources.push_back(kStoreOnly + uid);
  for (const std::string& path : sources) {
    DeviceBundle b;
    std::unique_ptr<SealedFileStore> store;
    const bool from_store = path.rfind(kStoreOnly, 0) == 0;
    if (!c.device.store_dir.empty()) {
      // The sealed store wins over the bundle once it holds secrets.
      std::string uid = from_store ? path.substr(kStoreOnly.size()) : "";
      if (!from_store) {
        DeviceBundle peek;
        if (LoadBundle(path, &peek, &why) != Error::kOk) Die(why);
        uid = UidToString(peek.secrets.uid);
        b.kind = peek.kind;
        SecureZero(&peek.secrets, sizeof(peek.secrets));
      }
      const std::string base = c.device.store_dir + "/" + uid;
      store = std::make_unique<SealedFileStore>(fleet.crypto(), fleet.random(), base + ".sealed",
                                                base + ".key");
      if (store->Open() != Error::kOk) Die(store->last_error());
      ProvisionOutcome outcome = ProvisionOutcome::kAlreadySealed;
      why.clear();
      if (ProvisionFromBundle(*store, path, /*erase_bundle=*/true, &b.secrets, &outcome, &why) !=
          Error::kOk)
        Die(why);
      if (outcome == ProvisionOutcome::kImported) {
        if (!why.empty()) Log(logger, "warn", why).With("uid", uid);
        // The kind is not secret and not in the sealed store: kept beside it for restarts.
        const std::string kind(DeviceKindName(b.kind));
        WritePrivateFileAtomic(base + ".kind",
                               ByteSpan(reinterpret_cast<const uint8_t*>(kind.data()), kind.size()),
                               true, nullptr);
        Log(logger, "info", "bundle imported into the sealed store and erased")
            .With("uid", uid)
            .With("bundle", path);
      } else if (from_store) {
        std::vector<uint8_t> kind;
        if (ReadPrivateFile(base + ".kind", 64, &kind, nullptr) == Error::kOk)
          b.kind = DeviceKindFromName(std::string(kind.begin(), kind.end()))
                       .value_or(DeviceKind::kOther);
      }
    } else if (LoadBundle(path, &b, &why) != Error::kOk) {
      Die(why);
    }
    if (secure_boot) {
      firmware::BootDecision d;
      if (firmware::CheckBootImage(firmware_image, firmware_key, *store, &d, &why) != Error::kOk)
        Die(UidToString(b.secrets.uid) + ": " + why);
      if (!d.ok()) Die(UidToString(b.secrets.uid) + ": " + firmware::DescribeBootDecision(d));
      Log(logger, "info", firmware::DescribeBootDecision(d))
          .With("uid", UidToString(b.secrets.uid))
          .With("image", c.device.firmware);
      if (d.raises_counter) pending_counter[store.get()] = *d.verdict.security_counter;
    }
    std::string label = UidToString(b.secrets.uid);
    if (o.steal == "creds") {
      rng.Fill(b.secrets.kd);
      rng.Fill(b.secrets.secretkey2);
      label = "intruder(creds of " + label + ")";
    } else if (o.steal == "kd") {
      rng.Fill(b.secrets.secretkey2);
      label = "intruder(creds+kd of " + label + ")";
    } else if (o.steal == "full") {
      label = "intruder(clone of " + label + ")";
    }
    if (as_uid) {
      label = "insider " + label + " as " + UidToString(*as_uid);
      b.secrets.uid = *as_uid;
    }
    if (fleet.Add(label, b.secrets, b.kind, &why, std::move(store), o.tamper_flag, o.bed) !=
        Error::kOk)
      Die(why);
    SecureZero(&b.secrets, sizeof(b.secrets));
  }
  for (const Episode& e : episodes) {
    const char* bad = "";
    if (fleet.AddEpisode(e, o.bed, &bad) != Error::kOk) Die(std::string("--episode: ") + bad, 2);
  }
  if (!pending_counter.empty()) {
    fleet.on_event = [&](const DeviceFleet::Member& m, const Event& ev) {
      if (ev.kind != EventKind::kAssociated) return;
      auto it = pending_counter.find(m.store.get());
      if (it == pending_counter.end()) return;
      std::string err;
      if (firmware::ConfirmImageRan(*m.store, it->second, &err) == Error::kOk)
        Log(logger, "info", "firmware confirmed: sealed security counter raised")
            .With("device", m.label)
            .With("security_counter", static_cast<uint64_t>(it->second));
      else
        Log(logger, "error", err).With("device", m.label);
      pending_counter.erase(it);  // one try per run: the next boot checks again
    };
  }
  Log(logger, "info", "devices started")
      .With("count", static_cast<uint64_t>(fleet.size()))
      .With("gateway", c.device.gateway)
      .With("version", wire::VersionName(c.protocol.version));
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::thread timer;
  if (o.duration > 0) {
    timer = std::thread([d = o.duration] {
      const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(d);
      while (!g_stop && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      g_stop = true;
    });
  }
  fleet.Run(g_stop);
  if (timer.joinable()) timer.join();
  Log(logger, "info", "devices stopped")
      .With("associated", static_cast<uint64_t>(fleet.associated()))
      .With("count", static_cast<uint64_t>(fleet.size()));
}

void Setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("device", "Run one or many emulated devices over UDP");
  auto o = std::make_shared<DeviceOptions>();
  cmd->add_option("--config", o->config, "TOML configuration file");
  cmd->add_option("--bundle", o->bundles, "Provisioning bundle (repeatable)");
  cmd->add_option("--bundle-dir", o->bundle_dir, "Every *.bundle.json in a directory");
  cmd->add_option("--gateway", o->gateway, "Gateway host:port (default 127.0.0.1:47110)");
  cmd->add_option("--version", o->version, "v1 | v2 | v3-paper | hardened");
  cmd->add_option("--store-dir", o->store_dir, "Sealed key stores (imported from bundles)");
  cmd->add_option("--interval-ms", o->interval_ms, "Reporting interval")
      ->check(CLI::Range(10, 3600000));
  cmd->add_option("--duration", o->duration,
                  "Stop after this many seconds (default: run until signalled)");
  cmd->add_option("--tamper-flag", o->tamper_flag,
                  "With --store-dir: if this file appears, zeroize the sealed store and stop");
  cmd->add_option("--steal", o->steal, "Testbed intruder: creds | kd | full")
      ->check(CLI::IsMember({"creds", "kd", "full"}));
  cmd->add_option("--as-uid", o->as_uid, "Testbed insider: claim this uid with the bundle's keys");
  cmd->add_option("--firmware", o->firmware,
                  "Secure boot: the MCUboot image the devices run (needs --firmware-key, "
                  "--store-dir)");
  cmd->add_option("--firmware-key", o->firmware_key,
                  "Secure boot: the manufacturer's Ed25519 public key (PEM)");
  cmd->add_option("--bed", o->bed, "Put every device on one modelled patient (a bed name)");
  cmd->add_option("--episode", o->episodes,
                  "Schedule a deterioration (repeatable): KIND[,onset=DUR][,ramp=DUR]"
                  "[,severity=X][,duration=DUR], KIND sepsis|hypoxia|hypotension");
  cmd->callback([o] { Run(*o); });
}

Registrar reg("device", &Setup);

}  // namespace
}  // namespace vigil::cli
