#include "daemon/udp_demo.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include "common/hex.h"
#include "common/telemetry/classify.h"
#include "common/telemetry/senml_decoder.h"
#include "common/telemetry/vital_units.h"
#include "connection/crypto/openssl_provider.h"
#include "daemon/device_fleet.h"
#include "daemon/gateway.h"
#include "device/episode.h"
#include "device/kind_vitals.h"
#include "edge/registry.h"
#include "ids/alert.h"

namespace vigil {
namespace {

const DeviceKind kKinds[] = {DeviceKind::kEcgPatch,     DeviceKind::kPulseOximeter,
                             DeviceKind::kThermometer,  DeviceKind::kBpCuff,
                             DeviceKind::kInfusionPump, DeviceKind::kSmartwatch,
                             DeviceKind::kTablet};

DeviceSecrets NewSecrets(RandomSource& rng, uint64_t cpan_uid,
                         const std::array<uint8_t, 32>& cpan_pub, int index) {
  DeviceSecrets s;
  do {
    std::array<uint8_t, 8> b{};
    rng.Fill(b);
    s.uid = 0;
    for (uint8_t x : b) s.uid = s.uid << 8 | x;
  } while (!IsAssignableUid(s.uid));
  s.cpan_uid = cpan_uid;
  s.cpan_sign_pub = cpan_pub;
  rng.Fill(s.kd);
  rng.Fill(s.secretkey2);
  const std::string user = "dev-" + std::to_string(index);
  std::array<uint8_t, 15> pw{};
  rng.Fill(pw);
  s.username.Set(ByteSpan(reinterpret_cast<const uint8_t*>(user.data()), user.size()));
  s.password.Set(pw);
  return s;
}

// "heart_rate 72 beats/min, resp_rate 16 breaths/min", with non-clinical values marked.
std::string Describe(const Classification& c) {
  std::string out;
  for (const ClassifiedReading& r : c.view()) {
    const senml::VitalSpec& spec = senml::SpecOf(r.reading.vital);
    char value[32];
    snprintf(value, sizeof(value), "%.*f", spec.decimals, r.reading.value);
    if (!out.empty()) out += ", ";
    out += std::string(VitalName(r.reading.vital)) + " " + value + " " +
           std::string(spec.clinical_unit);
    if (r.value_class == ValueClass::kArtefact)
      out += " [artefact: " + std::string(senml::ArtefactName(r.artefact)) + "]";
    if (r.value_class == ValueClass::kImplausible)
      out += " [implausible: " + std::string(ClassReasonName(r.reason)) + "]";
  }
  return out;
}

constexpr char kBed[] = "icu-bed-1";

}  // namespace

UdpDemoOutcome RunUdpDemo(const UdpDemoOptions& o) {
  UdpDemoOutcome out;
  std::mutex narrate_mu;
  const int64_t t0 = MonotonicUs();
  auto say = [&](const std::string& line) {
    if (!o.narrate) return;
    std::lock_guard<std::mutex> lock(narrate_mu);
    char stamp[32];
    snprintf(stamp, sizeof(stamp), "[%6.2fs] ", static_cast<double>(MonotonicUs() - t0) / 1e6);
    o.narrate(stamp + line);
  };

  // ---- enrollment (what `vigil enroll` does) ----
  OpenSslCrypto crypto;
  OsRandom rng;
  DaemonConfig config;
  config.protocol = o.protocol;
  config.gateway.registry = o.work_dir + "/gateway.db";
  config.gateway.alerts = o.work_dir + "/alerts.eve.json";
  config.gateway.listen = "127.0.0.1:0";
  config.device.report_interval_ms = o.report_interval_ms;
  config.gateway.management = "127.0.0.1:0";
  config.gateway.ward = "icu";
  config.privacy.site_key = o.work_dir + "/site.key";
  std::vector<DeviceSecrets> secrets;
  {
    Registry reg;
    Error opened = reg.Create(config.gateway.registry);
    if (opened == Error::kInvalidState) opened = reg.Open(config.gateway.registry);  // a rerun
    if (opened != Error::kOk) {
      out.error = reg.last_error();
      return out;
    }
    auto id = reg.EnsureCpanIdentity(crypto, rng, static_cast<int64_t>(time(nullptr)));
    if (!id.ok()) {
      out.error = reg.last_error();
      return out;
    }
    for (int i = 0; i < o.devices + 1; ++i) {  // one more: the insider
      DeviceSecrets s = NewSecrets(rng, id->uid, id->sign_pub, i);
      DeviceRecord rec;
      DeviceRecordFromSecrets(crypto, s, &rec);
      rec.kind = kKinds[i % 7];
      rec.name = std::string(DeviceKindName(rec.kind)) + "-" + std::to_string(i);
      rec.ward = i % 2 ? "cardiology" : "icu";
      if (reg.AddDevice(rec) != Error::kOk) {
        out.error = reg.last_error();
        return out;
      }
      secrets.push_back(s);
    }
  }
  out.devices = o.devices;
  // The honest devices are on one patient's bed: the edge evaluates that patient.
  {
    clinical::PatientConfig p;
    p.id = "demo-patient-1";
    p.bed = kBed;
    p.ward = "icu";
    for (int i = 0; i < o.devices; ++i) {
      const DeviceKind k = kKinds[i % 7];
      p.devices.push_back({secrets[static_cast<size_t>(i)].uid, k, clinical::DefaultVitalsOf(k)});
    }
    p.vitals = clinical::SiteVitalsFor(config.clinical, p.spo2_scale);
    config.clinical.patients.push_back(std::move(p));
  }

  // ---- the gateway ----
  FILE* log_file = fopen((o.work_dir + "/vigil.log").c_str(), "w");
  Logger gw_log("gateway", log_file);
  Gateway gateway;
  std::string why;
  if (gateway.Open(config, gw_log, &why) != Error::kOk) {
    out.error = why;
    if (log_file) fclose(log_file);
    return out;
  }
  config.device.gateway = gateway.local().ToString();
  say("gateway (CPAN) listening on " + config.device.gateway + ", protocol " +
      wire::VersionName(o.protocol.version) +
      (UsesConfirmation(o.protocol.version)
           ? std::string(", confirmation ") +
                 (o.protocol.confirm == ConfirmPolicy::kAlways ? "always" : "on anomaly")
           : std::string()));
  std::mutex out_mu;
  uint64_t shown_data = 0;
  std::map<uint64_t, DeviceKind> kind_of;
  for (size_t i = 0; i < secrets.size(); ++i) kind_of[secrets[i].uid] = kKinds[i % 7];
  // Runs on the gateway's thread; `kind_of` is only read once the threads run.
  gateway.set_data_hook([&](uint64_t uid, const std::string& payload) {
    const ByteSpan bytes(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
    const TelemetryDecode d = DecodeTelemetry(bytes, gateway.now(), DecodeOptions{uid});
    std::string line;
    if (d.ok()) {
      auto k = kind_of.find(uid);
      const Classification c =
          Classify(d.pack, k == kind_of.end() ? kAnyVital : MeasuredVitals(k->second));
      ++out.telemetry_packs;
      out.clinical_readings += c.clinical;
      line = Describe(c);
    } else {
      ++out.telemetry_refused;
      line = "refused pack: " + std::string(TelemetryErrorText(d.error));
    }
    if (shown_data++ < 8) say("gateway <- " + UidToString(uid) + "  " + line + " (verified)");
  });
  gateway.set_alarm_hook([&](const clinical::AlarmEvent& a) {
    ++out.alarm_events;
    if (a.kind != clinical::AlarmEventKind::kRaised &&
        a.kind != clinical::AlarmEventKind::kEscalated)
      return;
    char value[32] = "";
    if (a.value) snprintf(value, sizeof(value), " %.1f", *a.value);
    const std::string what = std::string(clinical::AlarmPriorityName(a.priority)) + " " +
                             clinical::ConditionName(a.condition) + value;
    if (a.kind == clinical::AlarmEventKind::kRaised && out.alarms_raised++ == 0)
      out.first_alarm = what;
    say("ALARM " + std::string(clinical::AlarmEventKindName(a.kind)) + " at the edge  " + what +
        "  (" + a.ward + ", bed " + a.bed + ")");
  });
  gateway.set_alert_hook([&](const ids::Alert& a, const std::string& eve) {
    {
      std::lock_guard<std::mutex> lock(out_mu);
      out.alerts.push_back(UdpDemoAlert{a.uid, a.signature, a.severity, eve});
    }
    say("ALERT severity " + std::to_string(a.severity) + "  " + a.signature + "  device " +
        UidToString(a.uid));
  });

  out.management_port = gateway.management_port();
  say("management port http://127.0.0.1:" + std::to_string(out.management_port) +
      "/alarms (and /metrics, /health/ready)");

  // ---- honest devices ----
  Logger dev_log("device", log_file);
  DeviceFleet fleet(config, dev_log);
  for (int i = 0; i < o.devices; ++i) {
    if (fleet.Add("dev-" + std::to_string(i), secrets[static_cast<size_t>(i)], kKinds[i % 7], &why,
                  nullptr, "", kBed) != Error::kOk) {
      out.error = why;
      if (log_file) fclose(log_file);
      return out;
    }
  }
  // The patient desaturates from 2 s on (hypoxia, full within 2 s): the edge must alarm.
  Episode hypoxia;
  hypoxia.kind = EpisodeKind::kHypoxia;
  hypoxia.onset = 2 * kSeconds;
  hypoxia.ramp = 2 * kSeconds;
  const char* episode_why = nullptr;
  if (fleet.AddEpisode(hypoxia, kBed, &episode_why) != Error::kOk) {
    out.error = std::string("episode: ") + (episode_why ? episode_why : "?");
    if (log_file) fclose(log_file);
    return out;
  }
  int announced = 0;
  fleet.on_event = [&](const DeviceFleet::Member& m, const Event& ev) {
    if (ev.kind == EventKind::kAssociated && announced++ < 8)
      say("device " + m.label + " (" + UidToString(m.secrets.uid) + ") associated, short address " +
          std::to_string(ev.short_addr));
  };

  // ---- intruders ----
  out.external_victim = secrets[0].uid;
  out.internal_victim = secrets[1 % o.devices].uid;
  DeviceSecrets external = secrets[0];
  rng.Fill(external.kd);  // stolen: uid, username, password; not the keys
  rng.Fill(external.secretkey2);
  DeviceSecrets internal = secrets[static_cast<size_t>(o.devices)];  // the insider's own keys
  internal.uid = out.internal_victim;
  Logger intr_log("intruder", log_file);
  DeviceFleet intruders(config, intr_log);
  intruders.Add("external-intruder", external, DeviceKind::kOther, &why);
  intruders.Add("internal-intruder", internal, DeviceKind::kOther, &why);
  int external_grants = 0, internal_grants = 0;
  intruders.on_event = [&](const DeviceFleet::Member& m, const Event& ev) {
    // Under the on-anomaly policy a grant is provisional until the gateway's answer
    // window closes; one withdrawn (device-side kDisassociated) never carried data. An
    // intruder held a session if it was granted more often than withdrawn.
    if (ev.kind == EventKind::kAssociated || ev.kind == EventKind::kDisassociated) {
      const bool got = ev.kind == EventKind::kAssociated;
      std::lock_guard<std::mutex> lock(out_mu);
      int& balance = m.label[0] == 'e' ? external_grants : internal_grants;
      balance += got ? 1 : -1;
      say(m.label + (got ? " granted a session as " + UidToString(m.secrets.uid)
                         : " lost it: the gateway withdrew the grant (a second answer in its "
                           "window)"));
    } else if (ev.kind == EventKind::kAssociationFailed && m.refusals == 0) {
      say(m.label + " (claims " + UidToString(m.secrets.uid) +
          ") refused: " + std::string(ErrorName(ev.error)));
    }
  };

  std::atomic<bool> stop{false};
  std::thread gw_thread([&] { gateway.Run(stop); });
  std::thread fleet_thread([&] { fleet.Run(stop); });
  std::thread intruder_thread([&] {
    while (!stop.load() && MonotonicUs() - t0 < o.intruders_at)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (stop.load()) return;
    say("external intruder powers up with the stolen Uid, username and password of " +
        UidToString(out.external_victim));
    say("internal intruder (an enrolled device) powers up claiming to be " +
        UidToString(out.internal_victim));
    intruders.Run(stop);
  });
  while (MonotonicUs() - t0 < o.duration)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  gw_thread.join();
  fleet_thread.join();
  intruder_thread.join();
  out.external_ever_associated = external_grants > 0;
  out.internal_ever_associated = internal_grants > 0;

  for (size_t i = 0; i < fleet.size(); ++i)
    if (gateway.core().HasSession(fleet.member(i).secrets.uid)) ++out.devices_associated;
  out.data_frames = gateway.stats().data_frames;
  out.frames_in = gateway.stats().frames_in;
  out.security_events = gateway.stats().security_events;
  if (log_file) fclose(log_file);
  return out;
}

}  // namespace vigil
