#include "sim/attacks/attack.h"

#include <array>

#include "connection/wire/mac_frame.h"

namespace vigil::sim {
namespace {

constexpr std::array<std::string_view, kAttackClassCount> kClassNames = {"identity_theft_online",
                                                                         "identity_theft_offline",
                                                                         "replay",
                                                                         "reflection",
                                                                         "parallel_session",
                                                                         "modification",
                                                                         "fabricated_data",
                                                                         "broadcast_forgery",
                                                                         "rogue_cpan",
                                                                         "otp_brute_force",
                                                                         "association_flood",
                                                                         "battery_drain"};

}  // namespace

std::string_view AttackClassName(AttackClass c) { return kClassNames[static_cast<size_t>(c)]; }

bool ParseAttackClass(std::string_view name, AttackClass* out) {
  for (size_t i = 0; i < kClassNames.size(); ++i) {
    if (kClassNames[i] == name) {
      *out = static_cast<AttackClass>(i);
      return true;
    }
  }
  return false;
}

std::string_view IntruderName(Intruder i) {
  return i == Intruder::kInternal ? "internal" : "external";
}

std::string_view CapabilityName(Capability c) {
  switch (c) {
    case Capability::kNothing:
      return "nothing";
    case Capability::kCredentials:
      return "credentials";
    case Capability::kCredentialsKd:
      return "credentials+Kd";
    case Capability::kFullClone:
      return "full clone";
    case Capability::kSniffing:
      return "sniffing";
    case Capability::kRelay:
      return "relay";
  }
  return "?";
}

AttackEnv::AttackEnv(World& world, const HospitalPlan& plan, const Scenario& scenario)
    : world_(world), plan_(plan), scenario_(scenario) {
  for (size_t w = 0; w < world_.ward_count(); ++w) {
    const World::Ward& ward = world_.ward(w);
    IntruderSpots s;
    s.internal = world_.AddRadioNode("intruder-in-" + ward.name, ward.x + 6, ward.y + 5);
    s.external = world_.AddRadioNode("intruder-out-" + ward.name, ward.x + 22, ward.y);
    s.relay = world_.AddRadioNode("relay-" + ward.name, ward.x + 18, ward.y - 1);
    s.relay_far = world_.AddRadioNode("relay-far-" + ward.name, ward.x + 60, ward.y - 1);
    s.pocket_x = ward.x + 55;
    s.pocket_y = ward.y - 1;
    spots_.push_back(s);
  }
  // Passive recorders in every ward (the sniffing capability): they hear what the ward
  // hears; frames between wards do not exist (wards are out of range of each other).
  world_.radio().SetAirObserver([this](const AirFrame& f) { Record(f); });
}

const Overheard* AttackEnv::Heard(uint64_t uid) const {
  auto it = heard_.find(uid);
  return it == heard_.end() ? nullptr : &it->second;
}

uint32_t AttackEnv::LastBroadcastCounter(uint16_t pan, uint8_t epoch) const {
  auto it = last_bcast_.find(pan);
  return it == last_bcast_.end() || it->second.first != epoch ? 0 : it->second.second;
}

void AttackEnv::Record(const AirFrame& f) {
  if (f.is_ack || f.bytes.size() < wire::kMhrBroadcast + 3) return;
  const size_t mhr = wire::MacHeaderSize(f.dst);
  if (f.bytes.size() < mhr + 3) return;
  const uint8_t header = f.bytes[mhr];
  const auto type = static_cast<wire::MsgType>(header & 0x0F);
  if (type != wire::MsgType::kAssocReq && type != wire::MsgType::kAuthReq &&
      type != wire::MsgType::kData && type != wire::MsgType::kBroadcast &&
      type != wire::MsgType::kAssocResp)
    return;
  Result<wire::MacFrame> mf = wire::DecodeMacFrame(f.bytes);
  if (!mf.ok()) return;
  Result<wire::Message> m = wire::Decode(mf->payload, world_.config().protocol.wire);
  if (!m.ok()) return;
  switch (type) {
    case wire::MsgType::kAssocReq:
      last_nd_[mf->src] = m->nd;
      break;
    case wire::MsgType::kAssocResp: {
      auto it = pending_.find(mf->dst);
      if (m->status != wire::AssocStatus::kAccepted || it == pending_.end()) break;
      Overheard& h = heard_[mf->dst];
      h.pan = it->second.pan;
      h.nd = it->second.nd;
      h.nc = it->second.nc;
      h.has_handshake = true;
      h.handshake_at = it->second.handshake_at;
      break;
    }
    case wire::MsgType::kAuthReq: {
      Overheard& h = pending_[mf->dst];
      h.pan = mf->pan_id;
      h.nc = m->nc;
      auto it = last_nd_.find(mf->dst);
      h.nd = m->version == wire::Version::kV3Paper || m->version == wire::Version::kHardened
                 ? m->nd
                 : (it != last_nd_.end() ? it->second : wire::Nonce{});
      h.has_handshake = true;
      h.handshake_at = f.start;
      break;
    }
    case wire::MsgType::kData:
      heard_[mf->src].last_counter = m->counter;
      break;
    case wire::MsgType::kBroadcast:
      // Only the CPAN's own broadcasts (the recorder knows which node sent what).
      for (size_t w = 0; w < world_.ward_count(); ++w)
        if (world_.ward(w).node == f.transmitter) last_bcast_[mf->pan_id] = {m->epoch, m->counter};
      break;
    default:
      break;
  }
}

NodeId AttackEnv::NodeFor(size_t ward, Intruder who) const {
  return who == Intruder::kInternal ? spots_[ward].internal : spots_[ward].external;
}

void AttackEnv::Transmit(NodeId node, const std::vector<uint8_t>& frame) {
  Result<wire::MacFrame> mf = wire::DecodeMacFrame(frame);
  TxRequest req;
  req.bytes = frame;
  if (mf.ok()) {
    req.ack_request = mf->ack_request;
    req.dst = mf->dst;
    req.seq = mf->seq;
  }
  world_.radio().node(node).Send(std::move(req));
}

void AttackEnv::ResetNode(NodeId node) {
  RadioNode n = world_.radio().node(node);
  n.SetReceiver(nullptr);
  n.SetAddresses({});
  n.SetListening(true);
}

void Attack::After(TimeUs delay, std::function<void()> fn) {
  world().scheduler().After(delay, [this, fn = std::move(fn)] {
    if (!stopped_) fn();
  });
}

}  // namespace vigil::sim
