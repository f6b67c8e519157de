#include "sim/world.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "ids/default_detectors.h"

namespace vigil::sim {
namespace {

constexpr uint64_t kCpanUidBase = 0x00124b0000c00000ULL;

}  // namespace

World::World(const WorldConfig& config, uint64_t seed)
    : config_(config),
      random_(seed * 0x9e3779b97f4a7c15ULL + 1),
      decisions_(seed * 0x9e3779b97f4a7c15ULL + 2),
      radio_random_(seed * 0x9e3779b97f4a7c15ULL + 3) {
  RadioConfig rc;
  rc.default_loss = config_.loss;
  radio_ = std::make_unique<Radio>(
      sched_, [this] { return radio_random_.Next64(); }, rc);
  if (config_.ids_enabled) {
    ids::RegisterDefaultDetectors(ids_, config_.ids);
    // Verdicts are counted from every alert the detectors raise: the rate limit bounds
    // what a gateway would write, and must not hide a detection from the report.
    ids_.SetDetectionHook([this](const ids::Alert& a) { Deliver(a); });
    ids_.SetSink([](const ids::Alert&) {});
  }
}

World::~World() {
  devices_.clear();
  wards_.clear();
}

uint64_t World::Draw() { return decisions_.Next64(); }

double World::Uniform() { return static_cast<double>(Draw() >> 11) * 0x1.0p-53; }

ProtocolConfig World::WardProtocol(size_t ward) const {
  ProtocolConfig c = config_.protocol;
  c.pan_id = static_cast<uint16_t>(wire::kDefaultPanId + ward);
  return c;
}

void World::AddListener(WorldListener* l) { listeners_.push_back(l); }

void World::RemoveListener(WorldListener* l) {
  std::replace(listeners_.begin(), listeners_.end(), l, static_cast<WorldListener*>(nullptr));
}

size_t World::AddWard(const std::string& name, double x, double y) {
  const size_t w = wards_.size();
  Ward ward;
  ward.name = name;
  ward.x = x;
  ward.y = y;
  ward.pan_id = static_cast<uint16_t>(wire::kDefaultPanId + w);
  ward.identity.uid = kCpanUidBase + w;
  random_.Fill(ward.identity.sign_priv);
  crypto_.Ed25519PublicFromPrivate(ward.identity.sign_priv, ward.identity.sign_pub);
  NodeConfig nc;
  nc.name = "cpan-" + name;
  nc.address = ward.identity.uid;
  nc.x = x;
  nc.y = y;
  nc.range_m = config_.range_m;
  ward.node = radio_->AddNode(nc);
  const ProtocolConfig pc = WardProtocol(w);
  auto core = std::make_unique<CoordinatorCore>(pc, ward.identity, directory_, crypto_, random_);
  ward.cpan =
      std::make_unique<CoordinatorDriver>(sched_, radio_->node(ward.node), config_.cpan_profile,
                                          pc.wire, pc.authenticate, std::move(core));
  ward.cpan->set_event_sink([this, w](const Event& e) { OnCpanEvent(w, e); });
  wards_.push_back(std::move(ward));
  for (Device& d : devices_) d.persisted.resize(wards_.size());
  ScheduleIdsTick();
  return w;
}

size_t World::AddDevice(const DeviceSetup& setup) {
  const size_t i = devices_.size();
  Device d;
  d.setup = setup;
  d.secrets = NewSecrets();
  by_uid_[d.secrets.uid] = i;
  d.persisted.resize(wards_.size());
  d.ward = setup.ward;
  d.joined_ward = setup.ward;
  NodeConfig nc;
  nc.name = "dev-" + std::to_string(i);
  nc.address = d.secrets.uid;
  nc.x = setup.x;
  nc.y = setup.y;
  nc.range_m = config_.range_m;
  nc.listening = false;
  d.node = radio_->AddNode(nc);
  d.driver = std::make_unique<DeviceDriver>(sched_, radio_->node(d.node), config_.device_profile,
                                            config_.protocol.wire);
  d.driver->set_event_sink([this, i](const Event& e) { OnDevEvent(i, e); });
  d.driver->on_tx_done = [this, i](const TxResult& r, uint8_t t) { OnDevTxDone(i, r, t); };
  devices_.push_back(std::move(d));
  if (setup.enrolled) Enroll(i);
  return i;
}

NodeId World::AddRadioNode(const std::string& name, double x, double y) {
  NodeConfig nc;
  nc.name = name;
  nc.address = wire::kBroadcastUid - 1;  // acknowledges nothing until told otherwise
  nc.x = x;
  nc.y = y;
  nc.range_m = config_.range_m;
  const NodeId id = radio_->AddNode(nc);
  radio_->node(id).SetAddresses({});
  return id;
}

DeviceSecrets World::NewSecrets() {
  DeviceSecrets s;
  do {
    s.uid = random_.Next64();
  } while (s.uid == 0 || s.uid == wire::kBroadcastUid || by_uid_.count(s.uid) != 0);
  random_.Fill(s.kd);
  random_.Fill(s.secretkey2);
  std::array<uint8_t, 12> user{}, pass{};
  random_.Fill(user);
  random_.Fill(pass);
  s.username.Set(user);
  s.password.Set(pass);
  return s;
}

size_t World::FindDevice(uint64_t uid) const {
  auto it = by_uid_.find(uid);
  return it == by_uid_.end() ? SIZE_MAX : it->second;
}

void World::Reprovision(size_t i) {
  Device& d = devices_[i];
  by_uid_.erase(d.secrets.uid);
  d.secrets = NewSecrets();
  by_uid_[d.secrets.uid] = i;
  d.persisted.assign(wards_.size(), DevicePersisted{});
  Enroll(i);
  if (d.powered) Reboot(i);
}

void World::Enroll(size_t i) {
  Device& d = devices_[i];
  EnrolledDevice rec = EnrollmentRecord(crypto_, d.secrets);
  directory_.Put(rec);
  d.enrolled = true;
}

void World::Revoke(size_t i) {
  Device& d = devices_[i];
  if (d.joined_ward < wards_.size()) wards_[d.joined_ward].cpan->Revoke(d.secrets.uid);
  directory_.SetRevoked(d.secrets.uid, true);
  d.enrolled = false;
}

void World::BootCore(size_t i) {
  Device& d = devices_[i];
  d.joined_ward = d.ward;
  const Ward& w = wards_[d.joined_ward];
  d.secrets.cpan_uid = w.identity.uid;
  d.secrets.cpan_sign_pub = w.identity.sign_pub;
  d.associated = false;
  d.no_ack_in_row = 0;
  d.assoc_started = -1;
  d.driver->Boot(std::make_unique<DeviceCore>(WardProtocol(d.joined_ward), d.secrets, crypto_,
                                              random_, d.persisted[d.joined_ward]));
}

void World::StartAssociation(size_t i) {
  Device& d = devices_[i];
  if (!d.powered || !d.driver->powered()) return;
  if (d.ward != d.joined_ward) BootCore(i);  // the firmware scanned and found another PAN
  d.associated = false;
  d.assoc_started = sched_.Now();
  d.driver->StartAssociation();
}

void World::PowerOn(size_t i) {
  Device& d = devices_[i];
  if (d.powered) return;
  d.powered = true;
  const uint64_t epoch = ++d.epoch;
  BootCore(i);
  sched_.After(config_.boot_time, [this, i, epoch] {
    if (devices_[i].epoch == epoch) StartAssociation(i);
  });
}

void World::PowerOff(size_t i) {
  Device& d = devices_[i];
  if (!d.powered) return;
  d.powered = false;
  d.associated = false;
  d.assoc_started = -1;
  ++d.epoch;
  d.driver->PowerOff();
}

void World::Reboot(size_t i) {
  PowerOff(i);
  PowerOn(i);
}

void World::MoveTo(size_t i, size_t ward, double x, double y) {
  Device& d = devices_[i];
  d.ward = ward;
  d.setup.x = x;
  d.setup.y = y;
  radio_->SetPosition(d.node, x, y);
}

void World::Reassociate(size_t i) {
  Device& d = devices_[i];
  if (!d.powered) return;
  ++d.epoch;  // stops the data timer of the old session
  StartAssociation(i);
}

Error World::SendBroadcast(size_t ward, ByteSpan payload) {
  return wards_[ward].cpan->SendBroadcast(payload);
}

Error World::SendToDevice(size_t i, ByteSpan payload) {
  Device& d = devices_[i];
  return wards_[d.joined_ward].cpan->SendData(d.secrets.uid, payload);
}

void World::ScheduleRetry(size_t i) {
  Device& d = devices_[i];
  const uint32_t n = std::min<uint32_t>(d.failures_in_row, 5);
  TimeUs delay = std::min(config_.retry_max, config_.retry_min << n);
  delay += static_cast<TimeUs>(Uniform() * static_cast<double>(delay) * 0.5);
  const uint64_t epoch = d.epoch;
  sched_.After(delay, [this, i, epoch] {
    if (devices_[i].epoch == epoch) StartAssociation(i);
  });
}

void World::ScheduleData(size_t i, TimeUs delay) {
  Device& d = devices_[i];
  if (d.setup.interval == kNever) return;
  const uint64_t epoch = d.epoch;
  sched_.After(delay, [this, i, epoch] {
    Device& dev = devices_[i];
    if (dev.epoch != epoch || !dev.associated) return;
    SendDataFrame(i);
    ScheduleData(i, dev.setup.interval);
  });
}

void World::SendDataFrame(size_t i) {
  Device& d = devices_[i];
  DeviceCore* core = d.driver->core();
  if (core == nullptr) return;
  std::array<uint8_t, wire::kMaxUnicastPayload> p{};
  const uint32_t seq = ++d.data_seq;
  if (payload_source_) {
    const size_t room = std::min(p.size(), core->max_payload());
    const size_t len = payload_source_(i, seq, MutableByteSpan(p.data(), room));
    if (len > 0) {
      if (d.driver->SendData(ByteSpan(p.data(), std::min(len, room))) == Error::kOk)
        ++data_frames_sent_;
      return;
    }
  }
  const size_t n = std::max<size_t>(6, std::min(d.setup.payload_bytes, core->max_payload()));
  p[0] = 'H';
  p[1] = d.setup.kind;
  p[2] = static_cast<uint8_t>(seq >> 24);
  p[3] = static_cast<uint8_t>(seq >> 16);
  p[4] = static_cast<uint8_t>(seq >> 8);
  p[5] = static_cast<uint8_t>(seq);
  for (size_t k = 6; k < n; ++k) p[k] = static_cast<uint8_t>(k * 37 + seq);
  if (d.driver->SendData(ByteSpan(p.data(), n)) == Error::kOk) ++data_frames_sent_;
}

void World::LinkLost(size_t i) {
  Device& d = devices_[i];
  d.associated = false;
  const uint64_t epoch = ++d.epoch;
  sched_.After(config_.scan_time, [this, i, epoch] {
    Device& dev = devices_[i];
    if (dev.epoch != epoch || !dev.powered) return;
    BootCore(i);
    StartAssociation(i);
  });
}

void World::OnDevTxDone(size_t i, const TxResult& r, uint8_t msg_type) {
  Device& d = devices_[i];
  if (msg_type != static_cast<uint8_t>(wire::MsgType::kData)) return;
  if (r.status == TxStatus::kSuccess) {
    d.no_ack_in_row = 0;
    return;
  }
  if (++d.no_ack_in_row >= config_.link_loss_failures && d.associated) LinkLost(i);
}

void World::OnDevEvent(size_t i, const Event& e) {
  Device& d = devices_[i];
  if (config_.ids_enabled && IsSecurityEvent(e.kind)) ids_.Consume(e);
  switch (e.kind) {
    case EventKind::kAssociated: {
      d.associated = true;
      d.failures_in_row = 0;
      d.no_ack_in_row = 0;
      ++associations_;
      if (d.assoc_started >= 0) {
        const TimeUs start = d.assoc_started;
        d.assoc_started = -1;
        for (size_t k = 0; k < listeners_.size(); ++k)
          if (listeners_[k]) listeners_[k]->OnAssociation(i, start, e.time);
      }
      const TimeUs phase =
          d.setup.interval == kNever
              ? 0
              : static_cast<TimeUs>(Uniform() * static_cast<double>(d.setup.interval));
      ++d.epoch;  // one data timer per session
      ScheduleData(i, std::max<TimeUs>(phase, 1));
      break;
    }
    case EventKind::kDisassociated:  // a provisional grant withdrawn (device_core.h)
      d.associated = false;
      ++d.epoch;  // its data timer ends with it
      break;
    case EventKind::kAssociationFailed:
      d.associated = false;
      d.assoc_started = -1;
      ++d.failures_in_row;
      ++association_failures_;
      ScheduleRetry(i);
      break;
    case EventKind::kPersist:
      if (d.driver->core() != nullptr) {
        const DevicePersisted& now_held = d.driver->core()->persisted();
        d.persisted[d.joined_ward] = now_held;
        // The broadcast floor is per CPAN, the common function per device: every ward's
        // coordinator reads the same directory.
        for (DevicePersisted& p : d.persisted) {
          p.has_r3 = now_held.has_r3;
          p.r3_generation = now_held.r3_generation;
          p.r3 = now_held.r3;
        }
      }
      break;
    default:
      break;
  }
  for (size_t k = 0; k < listeners_.size(); ++k)
    if (listeners_[k]) listeners_[k]->OnDeviceEvent(i, e);
}

void World::OnCpanEvent(size_t w, const Event& e) {
  if (config_.ids_enabled && e.kind != EventKind::kPersist) ids_.Consume(e);
  for (size_t k = 0; k < listeners_.size(); ++k)
    if (listeners_[k]) listeners_[k]->OnCoordinatorEvent(w, e);
}

void World::Deliver(const ids::Alert& a) {
  alerts_.push_back(a);
  for (size_t k = 0; k < listeners_.size(); ++k)
    if (listeners_[k]) listeners_[k]->OnAlert(a);
}

void World::ScheduleIdsTick() {
  if (!config_.ids_enabled || ids_tick_armed_) return;
  ids_tick_armed_ = true;
  sched_.After(config_.ids_tick, [this] {
    ids_tick_armed_ = false;
    ids_.Tick(sched_.Now());
    ScheduleIdsTick();
  });
}

void World::RunUntil(TimeUs t) {
  sched_.RunUntil(t);
  if (config_.ids_enabled) ids_.Tick(sched_.Now());
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), nullptr), listeners_.end());
}

}  // namespace vigil::sim
