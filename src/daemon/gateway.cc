#include "daemon/gateway.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/hex.h"
#include "edge/registry.h"
#include "ids/alert.h"
#include "ids/default_detectors.h"
#include "ids/engine.h"
#include "ids/ids_config.h"

namespace vigil {

Gateway::Gateway() = default;

Gateway::~Gateway() {
  if (own_alerts_ && alerts_ != nullptr) fclose(alerts_);
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
  if (Error e = registry_->Open(config_.gateway.registry); e != Error::kOk) {
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
  ids::IdsConfig ids_config;
  ids::RegisterDefaultDetectors(*ids_, ids_config);
  if (config_.gateway.alerts == "-") {
    alerts_ = stdout;
  } else {
    alerts_ = fopen(config_.gateway.alerts.c_str(), "a");
    if (alerts_ == nullptr) {
      *why = config_.gateway.alerts + ": cannot open for appending: " + strerror(errno);
      return Error::kIo;
    }
    own_alerts_ = true;
  }
  ids_->SetSink([this, cpan_uid = cid.uid](const ids::Alert& a) {
    ids::EveContext ctx;
    ctx.epoch_offset_us = start_unix_;
    ctx.link_endpoint = [this](uint64_t link) {
      return link >= 1 && link <= endpoints_.size()
                 ? ids::EveEndpointFromHostPort(endpoints_[link - 1].ToString())
                 : ids::EveEndpoint{};
    };
    // This gateway observed every alert it raises: the destination is its socket.
    ctx.node_endpoint = [this, cpan_uid](uint64_t uid) {
      return uid == cpan_uid ? ids::EveEndpointFromHostPort(socket_.local().ToString())
                             : ids::EveEndpoint{};
    };
    const std::string line = ids::FormatEveJson(a, ctx);
    fprintf(alerts_, "%s\n", line.c_str());
    fflush(alerts_);
    ++stats_.alerts;
    if (alert_hook_) alert_hook_(a, line);
  });

  auto ep = Endpoint::Parse(config_.gateway.listen, why);
  if (!ep.ok()) return ep.error();
  if (Error e = socket_.Bind(*ep, why); e != Error::kOk) return e;
  Log(log, "info", "gateway listening")
      .With("listen", socket_.local().ToString())
      .With("cpan_uid", UidToString(cid.uid))
      .With("version", wire::VersionName(config_.protocol.version))
      .With("confirm", config_.protocol.confirm == ConfirmPolicy::kAlways ? "always" : "on-anomaly")
      .With("devices", static_cast<uint64_t>(directory_->size()));
  return Error::kOk;
}

Error Gateway::Reload() {
  Result<std::vector<DeviceRecord>> list = registry_->ListDevices();
  if (!list.ok()) return list.error();
  for (const DeviceRecord& r : *list) {
    // The registry holds the common function as it last moved (written through by
    // directory_), so re-reading it here never rolls the memory copy back.
    EnrolledDevice d = FromRecord(r);
    directory_->Put(d);
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

uint64_t Gateway::LinkFor(const Endpoint& e) {
  auto [it, fresh] = link_of_.try_emplace(e.Key(), endpoints_.size() + 1);
  if (fresh) {
    endpoints_.push_back(e);
    // Bound the table: a spoofing flood must not grow it without limit.
    if (endpoints_.size() > 65536) {
      link_of_.clear();
      endpoints_.clear();
      known_link_.clear();
      return LinkFor(e);
    }
  }
  return it->second;
}

void Gateway::Poll(int max_wait_ms) {
  TimeUs deadline = std::min(core_->NextDeadline(), ids_->NextDeadline());
  deadline = std::min(deadline, next_reload_);
  const TimeUs t = now();
  int wait = max_wait_ms;
  if (deadline != kNever) {
    wait = static_cast<int>(std::clamp<TimeUs>((deadline - t + 999) / 1000, 0, max_wait_ms));
  }
  pollfd pfd{socket_.fd(), POLLIN, 0};
  poll(&pfd, 1, wait);
  if (pfd.revents & POLLIN) {
    std::array<uint8_t, 2048> buf{};
    for (int i = 0; i < 256; ++i) {  // bounded burst, then let timers run
      Endpoint from;
      Result<size_t> n = socket_.Receive(buf, &from);
      if (!n.ok()) break;
      ++stats_.frames_in;
      const uint64_t link = LinkFor(from);
      core_->HandleFrame(ByteSpan(buf.data(), std::min(*n, buf.size())), link, now());
      Drain();
    }
  }
  const TimeUs t2 = now();
  core_->HandleTimeout(t2);
  ids_->Tick(t2);
  Drain();
  if (t2 >= next_reload_) {
    next_reload_ = t2 + 2 * kSeconds;
    if (Reload() != Error::kOk)
      Log(*log_, "error", "registry reload failed").With("error", registry_->last_error());
  }
}

void Gateway::Run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) Poll(200);
  Log(*log_, "info", "gateway stopped")
      .With("frames_in", stats_.frames_in)
      .With("frames_out", stats_.frames_out)
      .With("data_frames", stats_.data_frames)
      .With("security_events", stats_.security_events)
      .With("alerts", stats_.alerts);
}

void Gateway::Drain() {
  Event ev;
  while (core_->PollEvent(&ev)) {
    if (ev.kind == EventKind::kPersist) SaveState();  // before what follows is sent
    if (ev.kind == EventKind::kAssociated && ev.link != 0) known_link_[ev.uid] = ev.link;
    if (ev.kind == EventKind::kAssociated) {
      ++stats_.associations;
      Log(*log_, "info", "associated")
          .With("uid", UidToString(ev.uid))
          .With("short_addr", static_cast<unsigned>(ev.short_addr))
          .With("from", ev.link >= 1 && ev.link <= endpoints_.size()
                            ? endpoints_[ev.link - 1].ToString()
                            : std::string("?"));
    } else if (ev.kind == EventKind::kAssociationRefused) {
      Log(*log_, "info", "association refused")
          .With("uid", UidToString(ev.uid))
          .With("reason", ErrorName(ev.error));
    } else if (ev.kind == EventKind::kDataReceived) {
      ++stats_.data_frames;
      if (data_hook_)
        data_hook_(ev.uid, std::string(reinterpret_cast<const char*>(ev.data.data()), ev.data_len));
    }
    if (IsSecurityEvent(ev.kind)) ++stats_.security_events;
    ids_->Consume(ev);
  }
  OutFrame f;
  while (core_->PollTransmit(&f)) Transmit(f);
}

void Gateway::Transmit(const OutFrame& f) {
  std::vector<const Endpoint*> to;
  auto add = [&](const Endpoint* e) {
    if (e == nullptr) return;
    for (const Endpoint* x : to)
      if (*x == *e) return;
    to.push_back(e);
  };
  auto by_link = [&](uint64_t link) -> const Endpoint* {
    return link >= 1 && link <= endpoints_.size() ? &endpoints_[link - 1] : nullptr;
  };
  if (f.dst == wire::kBroadcastUid) {
    for (const SessionInfo& s : core_->Sessions()) add(by_link(s.link));
  } else {
    add(by_link(f.link_hint));
    auto k = known_link_.find(f.dst);
    if (k != known_link_.end()) add(by_link(k->second));
    auto h = hints_.find(f.dst);
    if (h != hints_.end()) add(&h->second);
  }
  for (const Endpoint* e : to) {
    if (socket_.Send(f.span(), *e) == Error::kOk) ++stats_.frames_out;
  }
}

void Gateway::SaveState() {
  const CoordinatorPersisted& p = core_->persisted();
  nlohmann::json j = {{"format", "vigil-gateway-state/1"},
                      {"epoch", p.epoch},
                      {"has_kb", p.has_kb},
                      {"kb", ToHex(p.kb)},
                      {"bcast_ceiling", p.bcast_ceiling}};
  const std::string text = j.dump(2) + "\n";
  const std::string tmp = state_path_ + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            fsync(fd) == 0;
  if (fd >= 0) close(fd);
  ok = ok && rename(tmp.c_str(), state_path_.c_str()) == 0;
  if (!ok) {
    Log(*log_, "error", "cannot persist gateway state").With("path", state_path_);
  }
}

Error Gateway::LoadState(CoordinatorPersisted* out, std::string* why) {
  std::ifstream in(state_path_);
  if (!in) return Error::kOk;  // first start
  struct stat st {};
  if (stat(state_path_.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    *why = state_path_ +
           ": holds the broadcast key and must not be readable by group or others "
           "(chmod 600)";
    return Error::kInvalidState;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
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
