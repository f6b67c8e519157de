#include "daemon/gateway.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "common/hex.h"
#include "common/private_file.h"
#include "edge/registry.h"
#include "ids/alert.h"
#include "ids/default_detectors.h"
#include "ids/engine.h"
#include "ids/ids_config.h"

namespace vigil {

Gateway::Gateway() = default;

Gateway::~Gateway() { SecureZero(saved_.kb.data(), saved_.kb.size()); }

Error Gateway::ReopenFiles(std::string* why) {
  if (alert_file_.path().empty()) return Error::kOk;
  return alert_file_.Reopen(why);
}

TimeUs Gateway::now() const { return MonotonicUs() - start_mono_; }

Error Gateway::Open(const DaemonConfig& config, Logger& log, std::string* why) {
  config_ = config;
  log_ = &log;
  start_mono_ = MonotonicUs() - 1;  // `now` starts at 1 µs: 0 means "never" to some state
  start_unix_ = UnixUs();
  struct stat st {};
  if (stat(config_.gateway.registry.c_str(), &st) != 0) {
    *why = config_.gateway.registry +
           ": no such registry (create it with: vigil enroll --registry " +
           config_.gateway.registry + " --out-dir DIR)";
    return Error::kNotFound;
  }
  registry_ = std::make_unique<Registry>();
  if (Error e = registry_->Open(config_.gateway.registry, config_.gateway.registry_key);
      e != Error::kOk) {
    *why = registry_->last_error();
    return e;
  }
  directory_ = std::make_unique<RegistryDirectory>(*registry_, log_);
  Result<CpanIdentity> id = registry_->LoadCpanIdentity();
  if (!id.ok()) {
    *why = config_.gateway.registry +
           ": no CPAN identity (enroll devices first: vigil enroll --registry " +
           config_.gateway.registry + " ...)";
    return id.error();
  }
  CoordinatorIdentity cid;
  cid.uid = id->uid;
  cid.sign_priv = id->sign_priv;
  cid.sign_pub = id->sign_pub;
  if (Error e = Reload(); e != Error::kOk) {
    *why = registry_->last_error();
    return e;
  }
  state_path_ =
      config_.gateway.state.empty() ? config_.gateway.registry + ".state" : config_.gateway.state;
  CoordinatorPersisted persisted;
  if (Error e = LoadState(&persisted, why); e != Error::kOk) return e;
  core_ = std::make_unique<CoordinatorCore>(config_.protocol, cid, *directory_, crypto_, random_,
                                            persisted);
  SecureZero(cid.sign_priv.data(), cid.sign_priv.size());

  ids_ = std::make_unique<ids::Engine>();
  // A ward powering up sends about one request per enrolled device (and a few retries):
  // the overall flood threshold is never below that, or a power-up would be a flood.
  ids::IdsConfig ids_config = config_.ids;
  ids_config.flooding.total_threshold = std::max<uint32_t>(
      ids_config.flooding.total_threshold, static_cast<uint32_t>(3 * directory_->size()));
  ids::RegisterDefaultDetectors(*ids_, ids_config);
  if (config_.gateway.alerts != "-") {
    RotatingFileOptions o;
    o.max_bytes = config_.gateway.max_file_bytes;
    o.keep = config_.gateway.keep_files;
    if (Error e = alert_file_.Open(config_.gateway.alerts, o, why); e != Error::kOk) return e;
  }
  alert_sink_ = [this, cpan_uid = cid.uid](const ids::Alert& a) {
    ids::EveContext ctx;
    ctx.epoch_offset_us = start_unix_;
    ctx.link_endpoint = [this](uint64_t link) {
      const Endpoint* e = EndpointOf(link);
      return e != nullptr ? ids::EveEndpointFromHostPort(e->ToString()) : ids::EveEndpoint{};
    };
    // This gateway observed every alert it raises: the destination is its socket.
    ctx.node_endpoint = [this, cpan_uid](uint64_t uid) {
      return uid == cpan_uid ? ids::EveEndpointFromHostPort(socket_.local().ToString())
                             : ids::EveEndpoint{};
    };
    const std::string line = ids::FormatEveJson(a, ctx);
    if (alert_file_.path().empty()) {
      fprintf(stdout, "%s\n", line.c_str());
      fflush(stdout);
    } else {
      alert_file_.WriteLine(line);  // a failure is counted by the file, never fatal
    }
    ++stats_.alerts;
    ++alerts_by_signature_[a.signature_id];
    // A device named by an alert is reported tampered (impersonated, replayed, forged)
    // until it is revoked: the inventory shows the admin which devices to look at.
    if (a.uid != 0 && a.uid != cpan_uid && kinds_.count(a.uid) != 0 && a.severity <= 2)
      tampered_.insert(a.uid);
    if (alert_hook_) alert_hook_(a, line);
  };
  ids_->SetSink(alert_sink_);

  // A new broadcast key at every start: sessions do not survive a restart, and a key
  // read back from disk could be one that a device revoked meanwhile still knows. It must
  // be on disk before any grant hands it out.
  if (config_.protocol.version != wire::Version::kV1) {
    if (Error e = core_->RotateBroadcastKey(now()); e != Error::kOk) {
      *why = std::string("cannot create a broadcast key: ") + std::string(ErrorName(e));
      return e;
    }
    Event ev;
    while (core_->PollEvent(&ev)) {
    }
    std::string save_why;
    if (!SaveState(&save_why)) {
      *why = save_why + " (the gateway does not start without its state on disk)";
      return Error::kIo;
    }
    core_->Persisted(now());
    persist_owed_ = false;
  }

  if (Error e = OpenEdge(why); e != Error::kOk) return e;

  auto ep = Endpoint::Parse(config_.gateway.listen, why);
  if (!ep.ok()) return ep.error();
  if (Error e = socket_.Bind(*ep, why); e != Error::kOk) return e;
  // A burst (a ward powering up, a flood) must queue in the kernel, not be dropped there.
  stats_.receive_buffer = socket_.SetReceiveBuffer(8u << 20);
  Log(log, "info", "gateway listening")
      .With("listen", socket_.local().ToString())
      .With("cpan_uid", UidToString(cid.uid))
      .With("version", wire::VersionName(config_.protocol.version))
      .With("confirm", config_.protocol.confirm == ConfirmPolicy::kAlways ? "always" : "on-anomaly")
      .With("devices", static_cast<uint64_t>(directory_->size()))
      .With("receive_buffer", static_cast<uint64_t>(stats_.receive_buffer));
  if (!config_.gateway.management.empty()) {
    management_ = std::make_unique<ManagementServer>();
    if (Error e = management_->Start(config_.gateway.management, why); e != Error::kOk) {
      *why = "[gateway] management: " + *why;
      return e;
    }
    PublishStatus(now());
    Log(log, "info", "management port listening")
        .With("listen", config_.gateway.management)
        .With("port", static_cast<uint64_t>(management_->port()));
  }
  return Error::kOk;
}

Error Gateway::Reload() {
  // Good records load; a damaged one is logged by uid (once) and left out.
  Result<std::vector<DeviceRecord>> list = directory_->LoadDevices();
  if (!list.ok()) return list.error();
  for (const DeviceRecord& r : *list) {
    // The registry holds the common function as it last moved (written through by
    // directory_), so re-reading it here never rolls the memory copy back.
    EnrolledDevice d = FromRecord(r);
    directory_->Put(d);
    kinds_[r.uid] = r.kind;
    wards_[r.uid] = r.ward;
    SecureZero(&d, sizeof(d));
    if (!r.endpoint_hint.empty()) {
      auto ep = Endpoint::Parse(r.endpoint_hint);
      if (ep.ok()) hints_[r.uid] = *ep;
    }
    bool& was = revoked_[r.uid];
    if (r.revoked && !was && core_) {
      core_->Revoke(r.uid, now());
      if (log_)
        Log(*log_, "warn", "device revoked; broadcast key rotated").With("uid", UidToString(r.uid));
      Drain();
    }
    was = r.revoked;
  }
  return Error::kOk;
}

Error Gateway::RevokeDevice(uint64_t uid, std::string* why) {
  // What `vigil registry revoke` does, then the reload that notices it at once: the
  // session ends and the broadcast key rotates (Reload), instead of within 2 s.
  if (Error e = registry_->Revoke(uid); e != Error::kOk) {
    if (why) *why = registry_->last_error();
    return e;
  }
  if (Error e = Reload(); e != Error::kOk) {
    if (why) *why = registry_->last_error();
    return e;
  }
  Flush();
  return Error::kOk;
}

void Gateway::RaiseAlert(const ids::Alert& a) {
  if (alert_sink_) alert_sink_(a);
}

uint64_t Gateway::LinkFor(const Endpoint& e, TimeUs now) {
  auto [it, fresh] = link_of_.try_emplace(e.Int(), 0);
  if (!fresh) {
    endpoints_[it->second].heard = now;
    return it->second;
  }
  it->second = next_link_++;
  endpoints_[it->second] = LinkEntry{e, now};
  const uint64_t link = it->second;
  if (endpoints_.size() > kMaxLinks) ForgetIdleLinks(now);  // a spoofing flood: bounded
  return link;
}

const Endpoint* Gateway::EndpointOf(uint64_t link) const {
  auto it = endpoints_.find(link);
  return it != endpoints_.end() ? &it->second.endpoint : nullptr;
}

void Gateway::ForgetIdleLinks(TimeUs now) {
  std::unordered_set<uint64_t> pinned;
  for (const auto& [uid, link] : known_link_) pinned.insert(link);
  std::vector<std::pair<TimeUs, uint64_t>> idle;
  idle.reserve(endpoints_.size());
  for (const auto& [link, entry] : endpoints_) {
    if (pinned.count(link) != 0 || core_->IsSessionLink(link) || core_->IsBlocked(link, now))
      continue;
    idle.emplace_back(entry.heard, link);
  }
  // The older half goes: amortised, each new endpoint pays for forgetting one.
  const size_t drop = std::min(idle.size(), endpoints_.size() - kMaxLinks / 2);
  std::nth_element(idle.begin(), idle.begin() + static_cast<ptrdiff_t>(drop), idle.end());
  for (size_t i = 0; i < drop; ++i) {
    auto it = endpoints_.find(idle[i].second);
    link_of_.erase(it->second.endpoint.Int());
    endpoints_.erase(it);
  }
}

void Gateway::Poll(int max_wait_ms) {
  TimeUs deadline = std::min(core_->NextDeadline(), ids_->NextDeadline());
  deadline = std::min(deadline, next_reload_);
  if (edge_ != nullptr) deadline = std::min(deadline, edge_->NextDeadline(now()));
  const TimeUs t = now();
  int wait = max_wait_ms;
  if (deadline != kNever) {
    wait = static_cast<int>(std::clamp<TimeUs>((deadline - t + 999) / 1000, 0, max_wait_ms));
  }
  pollfd pfd{socket_.fd(), POLLIN, 0};
  poll(&pfd, 1, wait);
  if (pfd.revents & POLLIN) {
    for (int i = 0; i < 16; ++i) {  // bounded burst (16 x 64 datagrams), then timers run
      if (socket_.ReceiveBatch(rx_) != Error::kOk) break;
      const TimeUs at = now();
      for (size_t k = 0; k < rx_.count; ++k) {
        ++stats_.frames_in;
        const uint64_t link = LinkFor(rx_.peer[k], at);
        const size_t n = std::min(rx_.size[k], DatagramBatch::kSlot);
        if (rx_.size[k] > DatagramBatch::kSlot) {  // oversized for any frame
          std::array<uint8_t, DatagramBatch::kSlot + 1> big{};
          std::copy(rx_.data[k].begin(), rx_.data[k].end(), big.begin());
          core_->HandleFrame(ByteSpan(big.data(), big.size()), link, at);
        } else {
          core_->HandleFrame(ByteSpan(rx_.data[k].data(), n), link, at);
        }
        DrainEvents();
      }
      // Group commit: one durable write for every grant of the batch, before any of them
      // (or anything queued after them) is sent.
      Commit(at);
      TransmitQueued();
      Flush();
      if (rx_.count < DatagramBatch::kMax) break;
    }
  }
  const TimeUs t2 = now();
  core_->HandleTimeout(t2);
  // The IDS's deadlines when due; its housekeeping (a sweep of every detector's tables)
  // ten times a second, not after every batch: how often it runs changes no alert
  // (ids/detector.h), and a sweep per batch made a ward powering up quadratic.
  if (t2 >= ids_->NextDeadline() || t2 >= next_ids_tick_) {
    ids_->Tick(t2);
    next_ids_tick_ = t2 + 100 * kMillis;
  }
  if (core_->persist_failed() && t2 >= next_persist_retry_) {
    next_persist_retry_ = t2 + kSeconds;
    if (WriteDurable()) {
      Log(*log_, "info", "gateway state persisted again; held-back frames resume")
          .With("path", state_path_);
      core_->Persisted(t2);
    }
  }
  Drain();
  Flush();
  if (t2 >= summary_at_) LogSummary(t2);
  FlushEdge(t2);
  if (management_ != nullptr) {
    management_->Heartbeat();
    if (t2 >= next_status_) PublishStatus(t2);
  }
  if (t2 >= next_reload_) {
    next_reload_ = t2 + 2 * kSeconds;
    if (Reload() != Error::kOk)
      Log(*log_, "error", "registry reload failed").With("error", registry_->last_error());
    Flush();
    ReportDevices(t2);
  }
}

void Gateway::Run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) Poll(200);
  Stop();
}

void Gateway::Stop() {
  // Moves staged since the last batch (a device proved its new R3) go to disk now.
  if (directory_ && directory_->dirty()) directory_->Flush();
  LogSummary(now());
  Log(*log_, "info", "gateway stopped")
      .With("frames_in", stats_.frames_in)
      .With("frames_out", stats_.frames_out)
      .With("data_frames", stats_.data_frames)
      .With("security_events", stats_.security_events)
      .With("alerts", stats_.alerts)
      .With("blocked_dropped", stats_.blocked_dropped);
}

static_assert(static_cast<size_t>(EventKind::kBadTelemetry) < 64,
              "Gateway::dropped_ holds every kind");

void Gateway::Account(const Event& ev) {
  ++events_total_[static_cast<size_t>(ev.kind)];
  if (ev.kind == EventKind::kBlockedSource) ++stats_.blocked_dropped;
  if (ev.kind == EventKind::kReprovisionNeeded) {
    // Not an intrusion: an operator's task, named once a minute per device (it retries).
    TimeUs& last = reprovision_logged_[ev.uid];
    if (last != 0 && ev.time - last < 60 * kSeconds) return;
    last = ev.time;
    const Endpoint* from = EndpointOf(ev.link);
    Log(*log_, "warn", "device behind the restored registry: re-provision it")
        .With("uid", UidToString(ev.uid))
        .With("from", from != nullptr ? from->ToString() : std::string("?"))
        .With("advice",
              "the registry was restored from a backup older than this device's "
              "latest association; re-provision it: vigil enroll --registry " +
                  config_.gateway.registry + " --out-dir DIR --reprovision " + UidToString(ev.uid));
    return;
  }
  if (ev.kind == EventKind::kAssociationRefused) {
    // The first refusals of an interval are logged one by one (an operator wants to see a
    // device that cannot get in); the rest are counted in the summary.
    if (refusals_logged_ < 20) {
      ++refusals_logged_;
      const Endpoint* from = EndpointOf(ev.link);
      Log(*log_, "info", "association refused")
          .With("uid", UidToString(ev.uid))
          .With("reason", ErrorName(ev.error))
          .With("from", from != nullptr ? from->ToString() : std::string("?"));
      return;
    }
    ++dropped_[static_cast<size_t>(EventKind::kAssociationRefused)];
    return;
  }
  if (IsSecurityEvent(ev.kind)) ++dropped_[static_cast<size_t>(ev.kind)];
}

void Gateway::LogSummary(TimeUs now) {
  summary_at_ = now + 10 * kSeconds;
  refusals_logged_ = 0;
  if (std::all_of(dropped_.begin(), dropped_.end(), [](uint64_t n) { return n == 0; })) return;
  LogLine line = Log(*log_, "warn", "refused or dropped input (last interval)");
  for (size_t k = 0; k < dropped_.size(); ++k) {
    if (dropped_[k] != 0) line.With(EventKindName(static_cast<EventKind>(k)), dropped_[k]);
  }
  dropped_.fill(0);
}

void Gateway::Drain() {
  DrainEvents();
  Commit(now());
  TransmitQueued();
}

bool Gateway::WriteDurable() {
  if (directory_->Flush() != Error::kOk) return false;  // logged by the directory
  const CoordinatorPersisted& p = core_->persisted();
  const bool changed = !saved_valid_ || p.epoch != saved_.epoch || p.has_kb != saved_.has_kb ||
                       p.bcast_ceiling != saved_.bcast_ceiling ||
                       !ConstantTimeEqual(p.kb, saved_.kb);
  return !changed || SaveState();
}

void Gateway::Commit(TimeUs t) {
  // Staged moves that nothing sent depends on (a device proved its new R3) are written
  // with the next batch, or on their own within a second.
  if (!persist_owed_ && !(directory_->dirty() && t >= next_persist_retry_)) return;
  const bool ok = WriteDurable();
  if (!persist_owed_) {
    if (!ok) next_persist_retry_ = t + kSeconds;
    return;
  }
  persist_owed_ = false;
  if (ok) {
    core_->Persisted(t);
  } else {
    // Nothing queued since the kPersist leaves; the core holds grants and broadcasts
    // back until a write succeeds (Poll retries every second).
    ++stats_.persist_failures;
    core_->PersistFailed(t);
    next_persist_retry_ = t + kSeconds;
  }
}

void Gateway::TransmitQueued() {
  OutFrame f;
  while (core_->PollTransmit(&f)) Transmit(f);
}

void Gateway::DrainEvents() {
  Event ev;
  while (core_->PollEvent(&ev)) {
    // Written before what follows is sent (Commit); if it cannot be, none of it is.
    if (ev.kind == EventKind::kPersist) persist_owed_ = true;
    if (ev.kind == EventKind::kAssociated && ev.link != 0) known_link_[ev.uid] = ev.link;
    if (ev.kind == EventKind::kAssociated || ev.kind == EventKind::kDataReceived)
      last_seen_ms_[ev.uid] = (start_unix_ + ev.time) / 1000;
    if (ev.kind == EventKind::kAssociated) {
      ++stats_.associations;
      const Endpoint* from = EndpointOf(ev.link);
      Log(*log_, "info", "associated")
          .With("uid", UidToString(ev.uid))
          .With("short_addr", static_cast<unsigned>(ev.short_addr))
          .With("from", from != nullptr ? from->ToString() : std::string("?"));
    } else if (ev.kind == EventKind::kDataReceived) {
      ++stats_.data_frames;
      DeliverData(ev);
      if (data_hook_)
        data_hook_(ev.uid, std::string(reinterpret_cast<const char*>(ev.data.data()), ev.data_len));
    } else {
      Account(ev);
    }
    if (IsSecurityEvent(ev.kind)) ++stats_.security_events;
    ids_->Consume(ev);
  }
}

void Gateway::Transmit(const OutFrame& f) {
  std::array<const Endpoint*, 3> to{};
  size_t n = 0;
  auto add = [&](const Endpoint* e) {
    if (e == nullptr) return;
    for (size_t i = 0; i < n; ++i)
      if (*to[i] == *e) return;
    if (n < to.size()) to[n++] = e;
  };
  if (f.dst == wire::kBroadcastUid) {
    for (const SessionInfo& s : core_->Sessions()) {
      if (const Endpoint* e = EndpointOf(s.link)) Queue(f, *e);
    }
    return;
  }
  add(EndpointOf(f.link_hint));
  if (f.relay) {  // a request made in the device's name: the device hears it too (bounded)
    auto k = known_link_.find(f.dst);
    if (k != known_link_.end()) add(EndpointOf(k->second));
    auto h = hints_.find(f.dst);
    if (h != hints_.end()) add(&h->second);
  }
  for (size_t i = 0; i < n; ++i) Queue(f, *to[i]);
}

void Gateway::Queue(const OutFrame& f, const Endpoint& to) {
  if (tx_.count == DatagramBatch::kMax) Flush();
  std::copy(f.bytes.begin(), f.bytes.begin() + f.size, tx_.data[tx_.count].begin());
  tx_.size[tx_.count] = f.size;
  tx_.peer[tx_.count++] = to;
}

void Gateway::Flush() {
  if (tx_.count == 0) return;
  stats_.frames_out += socket_.SendBatch(tx_);
  tx_.count = 0;
}

bool Gateway::SaveState(std::string* why) {
  const CoordinatorPersisted& p = core_->persisted();
  nlohmann::json j = {{"format", "vigil-gateway-state/1"},
                      {"epoch", p.epoch},
                      {"has_kb", p.has_kb},
                      {"kb", ToHex(p.kb)},
                      {"bcast_ceiling", p.bcast_ceiling}};
  std::string text = j.dump(2) + "\n";
  std::string err;
  const Error e = WritePrivateFileAtomic(
      state_path_, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
      /*overwrite=*/true, &err);
  SecureZero(text.data(), text.size());
  if (e != Error::kOk) {
    Log(*log_, "error", "cannot persist gateway state; broadcasts and grants held back")
        .With("path", state_path_)
        .With("error", err);
    if (why != nullptr) *why = err;
    return false;
  }
  saved_ = p;
  saved_valid_ = true;
  return true;
}

Error Gateway::LoadState(CoordinatorPersisted* out, std::string* why) {
  std::vector<uint8_t> bytes;
  std::string err;
  const Error read = ReadPrivateFile(state_path_, 4096, &bytes, &err);
  if (read == Error::kNotFound) return Error::kOk;  // first start
  if (read == Error::kInvalidState) {
    *why = state_path_ +
           ": holds the broadcast key and must not be readable by group or others "
           "(chmod 600)";
    return Error::kInvalidState;
  }
  if (read != Error::kOk) {
    *why = err;
    return read;
  }
  std::string text(bytes.begin(), bytes.end());
  SecureZero(bytes.data(), bytes.size());
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  SecureZero(text.data(), text.size());
  auto bad = [&](const std::string& what) {
    *why = state_path_ + ": " + what + " (move the file away to start with a new broadcast key)";
    return Error::kCorrupt;
  };
  if (j.is_discarded() || !j.is_object()) return bad("not valid JSON");
  if (j.value("format", "") != "vigil-gateway-state/1") return bad("unknown format");
  try {
    out->epoch = j.at("epoch").get<uint8_t>();
    out->has_kb = j.at("has_kb").get<bool>();
    out->bcast_ceiling = j.at("bcast_ceiling").get<uint32_t>();
    auto kb = FromHex(j.at("kb").get<std::string>());
    if (!kb || kb->size() != out->kb.size()) return bad("field kb: expected 32 hex digits");
    std::copy(kb->begin(), kb->end(), out->kb.begin());
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("bad field: ") + e.what());
  }
  return Error::kOk;
}

}  // namespace vigil
