#include "daemon/device_fleet.h"

#include <poll.h>

#include <algorithm>
#include <array>

#include "common/hex.h"
#include "common/telemetry/senml_format.h"

namespace vigil {
namespace {

// What the core keeps across restarts, as the sealed store holds it; wipes the store's
// copy of R3.
DevicePersisted FromStore(PersistedCounters& pc) {
  DevicePersisted p;
  p.bcast_epoch = static_cast<uint8_t>(pc.broadcast_epoch);
  p.bcast_rx_high = static_cast<uint32_t>(pc.broadcast_counter);
  p.has_r3 = pc.has_r3;
  p.r3_generation = pc.r3_generation;
  p.r3 = pc.r3;
  SecureZero(pc.r3.data(), pc.r3.size());
  return p;
}

// FNV-1a: a bed's patient is the same in every run (and every process) given its name.
uint64_t SeedOfName(const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

DeviceFleet::DeviceFleet(const DaemonConfig& config, Logger& log)
    : config_(config), log_(log), start_mono_(MonotonicUs() - 1) {
  auto gw = Endpoint::Parse(config_.device.gateway);
  if (gw.ok()) gateway_ = *gw;
}

DeviceFleet::~DeviceFleet() = default;

TimeUs DeviceFleet::now() const { return MonotonicUs() - start_mono_; }

PatientModel* DeviceFleet::PatientFor(const std::string& key, uint64_t seed) {
  auto& p = patients_[key];
  if (!p) p = std::make_unique<PatientModel>(seed);
  return p.get();
}

Error DeviceFleet::AddEpisode(const Episode& e, const std::string& bed, const char** why) {
  if (!bed.empty()) {
    auto it = patients_.find(bed);
    if (it == patients_.end()) {
      if (why) *why = "no device on that bed";
      return Error::kNotFound;
    }
    return it->second->AddEpisode(e, why);
  }
  for (auto& [key, patient] : patients_)
    if (Error err = patient->AddEpisode(e, why); err != Error::kOk) return err;
  return Error::kOk;
}

Error DeviceFleet::Add(const std::string& label, const DeviceSecrets& secrets, DeviceKind kind,
                       std::string* why, std::unique_ptr<KeyStore> store,
                       const std::string& tamper_flag, const std::string& bed) {
  if (gateway_.len == 0) {
    *why = "bad gateway address \"" + config_.device.gateway + "\"";
    return Error::kInvalidArgument;
  }
  const char* field = "";
  const char* reason = "";
  if (CheckProtocolConfig(config_.protocol, &field, &reason) != Error::kOk) {
    *why = std::string("[protocol] ") + field + ": " + reason;
    return Error::kInvalidArgument;
  }
  auto m = std::make_unique<Member>();
  m->label = label;
  m->secrets = secrets;
  auto bind = Endpoint::Parse(config_.device.bind, why);
  if (!bind.ok()) return bind.error();
  if (Error e = m->socket.Bind(*bind, why); e != Error::kOk) return e;
  DevicePersisted persisted;
  if (store) {
    PersistedCounters pc;
    const Error e = store->LoadCounters(&pc);
    if (e != Error::kOk && e != Error::kNotFound) {
      *why = store->last_error();
      return e;
    }
    persisted = FromStore(pc);
    m->tamper = std::make_unique<TamperMonitor>(*store, nullptr);
    m->tamper->WatchFlagFile(tamper_flag);
    m->watch_tamper = !tamper_flag.empty();
    m->store = std::move(store);
  }
  m->core = std::make_unique<DeviceCore>(config_.protocol, secrets, crypto_, random_, persisted);
  SecureZero(persisted.r3.data(), persisted.r3.size());
  m->patient = bed.empty() ? PatientFor("uid:" + UidToString(secrets.uid), secrets.uid)
                           : PatientFor(bed, SeedOfName(bed));
  m->sensor = std::make_unique<SensorModel>(kind, m->patient, secrets.uid);
  // Spread the first attempts over 200 ms: a fleet powering up together is a burst.
  m->next_attempt = now() + static_cast<TimeUs>(members_.size() % 20) * 10 * kMillis;
  members_.push_back(std::move(m));
  return Error::kOk;
}

size_t DeviceFleet::associated() const {
  return static_cast<size_t>(std::count_if(members_.begin(), members_.end(), [](const auto& m) {
    return m->core && m->core->state() == DeviceCore::State::kAssociated;
  }));
}

void DeviceFleet::Drain(Member& m) {
  Event ev;
  const TimeUs t = now();
  while (m.core->PollEvent(&ev)) {
    if (on_event) on_event(m, ev);
    switch (ev.kind) {
      case EventKind::kPersist:
        if (m.store && !Persist(m)) {
          // The core moved its common function on, but the store still holds the old
          // one. Nothing of this session may go out: its first authenticated frame would
          // make the CPAN forget the old R3, the only one a restart could answer with. So
          // the device restarts from what the store holds, and the CPAN (which still
          // accepts the previous R3 until that frame) lets it associate again.
          Restart(m, t);
          return;
        }
        break;
      case EventKind::kAssociated:
        ++m.associations;
        m.backoff = 0;
        m.next_report = t + config_.device.report_interval_ms * kMillis / 4;
        Log(log_, "info", "associated")
            .With("device", m.label)
            .With("uid", UidToString(m.secrets.uid))
            .With("short_addr", static_cast<unsigned>(ev.short_addr));
        break;
      case EventKind::kAssociationFailed:
        ++m.refusals;
        m.backoff = std::clamp<TimeUs>(m.backoff * 2, kSeconds, 30 * kSeconds);
        m.next_attempt = t + m.backoff;
        Log(log_, "info", "association failed")
            .With("device", m.label)
            .With("uid", UidToString(m.secrets.uid))
            .With("reason", ErrorName(ev.error))
            .With("retry_in_ms", static_cast<int64_t>(m.backoff / kMillis));
        break;
      case EventKind::kDataReceived:
        Log(log_, "info", "command")
            .With("device", m.label)
            .With("payload",
                  std::string(reinterpret_cast<const char*>(ev.data.data()), ev.data_len));
        break;
      default:
        if (IsSecurityEvent(ev.kind)) {
          Log(log_, "warn", EventKindName(ev.kind))
              .With("device", m.label)
              .With("uid", UidToString(m.secrets.uid))
              .With("error", ErrorName(ev.error));
        }
        break;
    }
  }
  OutFrame f;
  while (m.core->PollTransmit(&f)) m.socket.Send(f.span(), gateway_);
}

bool DeviceFleet::Persist(Member& m) {
  const DevicePersisted& p = m.core->persisted();
  PersistedCounters pc;
  m.store->LoadCounters(&pc);  // a failure here fails the save below too
  const bool r3_moved = p.has_r3 != pc.has_r3 || p.r3_generation != pc.r3_generation ||
                        !ConstantTimeEqual(p.r3, pc.r3);
  pc.broadcast_epoch = p.bcast_epoch;
  pc.broadcast_counter = p.bcast_rx_high;
  pc.has_r3 = p.has_r3;
  pc.r3_generation = p.r3_generation;
  pc.r3 = p.r3;
  const Error e = m.store->SaveCounters(pc);
  SecureZero(pc.r3.data(), pc.r3.size());
  if (e == Error::kOk) return true;
  Log(log_, "error", r3_moved ? "cannot persist the common function" : "cannot persist counters")
      .With("device", m.label)
      .With("error", m.store->last_error());
  // Lost broadcast marks only reopen a replay window after a reboot; a lost R3 locks the
  // device out.
  return !r3_moved;
}

void DeviceFleet::Restart(Member& m, TimeUs t) {
  OutFrame dropped;
  while (m.core->PollTransmit(&dropped)) {
  }
  DevicePersisted persisted;
  PersistedCounters pc;
  if (m.store->LoadCounters(&pc) == Error::kOk) persisted = FromStore(pc);
  m.core = std::make_unique<DeviceCore>(config_.protocol, m.secrets, crypto_, random_, persisted);
  SecureZero(persisted.r3.data(), persisted.r3.size());
  m.backoff = std::clamp<TimeUs>(m.backoff * 2, kSeconds, 30 * kSeconds);
  m.next_attempt = t + m.backoff;
}

void DeviceFleet::Step(Member& m, TimeUs t) {
  if (m.zeroized) return;
  if (m.tamper && m.tamper->Poll(t)) {
    // The secrets are gone from storage; drop them from memory too and go silent.
    m.zeroized = true;
    m.core.reset();
    SecureZero(&m.secrets, sizeof(m.secrets));
    Log(log_, "warn", "tamper detected: secrets zeroized, device stopped").With("device", m.label);
    return;
  }
  m.core->HandleTimeout(t);
  if (m.core->state() == DeviceCore::State::kIdle && t >= m.next_attempt) {
    m.next_attempt = t + 30 * kSeconds;  // re-armed by the failure event, if any
    m.core->StartAssociation(t);
  }
  if (m.core->state() == DeviceCore::State::kAssociated && t >= m.next_report) {
    Report(m, t);
    m.next_report = t + config_.device.report_interval_ms * kMillis;
  }
  Drain(m);
}

void DeviceFleet::Report(Member& m, TimeUs t) {
  std::array<uint8_t, senml::kMaxPackBytes> pack{};
  // The pack must fit the DATA frame of the configured protection (tag size).
  const size_t room = std::min(pack.size(), m.core->max_payload());
  Result<size_t> n = m.sensor->NextPack(t, MutableByteSpan(pack.data(), room));
  if (!n.ok()) {
    if (!m.pack_too_big_logged) {
      m.pack_too_big_logged = true;
      Log(log_, "warn", "reading pack does not fit a frame: not sent")
          .With("device", m.label)
          .With("room", static_cast<uint64_t>(room))
          .With("error", ErrorName(n.error()));
    }
    return;
  }
  if (*n == 0) return;  // a kind with no vital sign to report
  if (m.core->SendData(ByteSpan(pack.data(), *n), t) == Error::kOk) ++m.reports;
}

bool DeviceFleet::Due(const Member& m, TimeUs t) const {
  if (m.zeroized || !m.core) return false;
  if (m.watch_tamper || m.core->NextDeadline() <= t) return true;
  const DeviceCore::State s = m.core->state();
  return (s == DeviceCore::State::kIdle && t >= m.next_attempt) ||
         (s == DeviceCore::State::kAssociated && t >= m.next_report);
}

void DeviceFleet::Poll(int max_wait_ms) {
  std::vector<pollfd> fds;
  fds.reserve(members_.size());
  TimeUs next = kNever;
  for (const auto& m : members_) {
    fds.push_back(pollfd{m->socket.fd(), POLLIN, 0});
    if (!m->core) continue;
    next = std::min({next, m->core->NextDeadline(),
                     m->core->state() == DeviceCore::State::kIdle ? m->next_attempt : kNever,
                     m->core->state() == DeviceCore::State::kAssociated ? m->next_report : kNever});
  }
  const TimeUs t = now();
  const int wait =
      next == kNever
          ? max_wait_ms
          : static_cast<int>(std::clamp<TimeUs>((next - t + 999) / 1000, 0, max_wait_ms));
  poll(fds.data(), fds.size(), wait);
  std::array<uint8_t, 2048> buf;
  for (size_t i = 0; i < members_.size(); ++i) {
    Member& m = *members_[i];
    const bool input = (fds[i].revents & POLLIN) != 0;
    // A member that is due reads its socket too: an answer may have arrived since poll()
    // returned (serving a large fleet takes a while), and a device must not time out
    // with its answer waiting.
    if (!input && !Due(m, now())) continue;
    for (int k = 0; k < 64; ++k) {
      Endpoint from;
      Result<size_t> n = m.socket.Receive(buf, &from);
      if (!n.ok()) break;
      if (!(from == gateway_) || !m.core) continue;  // only the gateway speaks to a device
      m.core->HandleFrame(ByteSpan(buf.data(), std::min(*n, buf.size())), now());
      Drain(m);
    }
    Step(m, now());
  }
}

void DeviceFleet::Run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) Poll(200);
}

}  // namespace vigil
