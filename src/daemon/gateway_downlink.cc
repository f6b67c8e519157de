#include "daemon/gateway_downlink.h"

#include <fstream>
#include <iterator>
#include <sstream>

#include "common/hex.h"
#include "common/private_file.h"
#include "daemon/downlink_signatures.h"
#include "daemon/gateway.h"
#include "daemon/mqtt_uplink.h"

namespace vigil {

namespace {
int64_t NowMs() { return UnixUs() / 1000; }
}  // namespace

Error GatewayDownlink::Open(const UplinkSettings& s, Logger& log, std::string* why) {
  log_ = &log;
  if (s.command_key.empty()) return Error::kOk;  // no downlink
  std::ifstream in(s.command_key);
  if (!in) {
    if (why) *why = "[uplink] command_key " + s.command_key + ": cannot read it";
    return Error::kNotFound;
  }
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (verifier_.InitPem(pem) != Error::kOk) {
    if (why)
      *why = "[uplink] command_key " + s.command_key +
             ": not an Ed25519 public key in PEM (vigil cloud command-key writes it)";
    return Error::kInvalidArgument;
  }
  guard_ = std::make_unique<uplink::CommandGuard>(verifier_, s.site, s.gateway_id);
  state_path_ = s.command_state.empty() ? s.queue + ".commands" : s.command_state;
  std::vector<uint8_t> memory;
  std::string read_why;
  const Error e = ReadPrivateFile(state_path_, 1 << 20, &memory, &read_why);
  if (e == Error::kOk) {
    guard_->Import(std::string_view(reinterpret_cast<const char*>(memory.data()), memory.size()));
  } else if (e != Error::kNotFound) {
    if (why) *why = "[uplink] command memory: " + read_why;
    return e;
  }
  Log(log, "info", "downlink on: commands signed by the cloud's key are accepted")
      .With("topic", uplink::CommandTopic(s.site, s.gateway_id))
      .With("remembered", static_cast<uint64_t>(guard_->remembered()));
  return Error::kOk;
}

bool GatewayDownlink::SaveMemory(std::string* why) {
  const std::string text = guard_->Export();
  return WritePrivateFileAtomic(
             state_path_, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
             true, why) == Error::kOk;
}

void GatewayDownlink::Poll(Gateway& gateway, MqttUplink& uplink) {
  if (!enabled()) return;
  for (const std::string& line : uplink.TakeCommands()) Handle(line, NowMs(), gateway, uplink);
}

uplink::CommandVerdict GatewayDownlink::Handle(std::string_view line, int64_t now_ms,
                                               Gateway& gateway, MqttUplink& uplink) {
  uplink::Command c;
  bool parsed = uplink::ParseCommand(line, &c);
  const uplink::CommandVerdict v = guard_->Check(line, now_ms, &c);
  if (v == uplink::CommandVerdict::kReplayed && guard_->WasAccepted(c)) {
    // The same signed command again: executed once already; say so again so that the
    // cloud stops re-sending, and report it (a replay looks the same).
    ++stats_.reacknowledged;
    Refuse(v, &c, parsed, gateway);
    Answer(c, true, "already executed", gateway, uplink);
    return v;
  }
  if (v != uplink::CommandVerdict::kAccepted) {
    Refuse(v, parsed ? &c : nullptr, parsed, gateway);
    return v;
  }
  std::string why;
  if (!SaveMemory(&why)) {
    // Executed without a durable memory, a replay after a restart would run it again.
    Log(*log_, "error", "downlink: command memory not written; command not executed")
        .With("command", c.id)
        .With("error", why);
    return uplink::CommandVerdict::kAccepted;
  }
  ++stats_.accepted;
  const Error e = gateway.RevokeDevice(c.device_uid, &why);
  Log(*log_, e == Error::kOk ? "warn" : "error",
      e == Error::kOk ? "device revoked by the cloud" : "cloud revocation failed")
      .With("uid", UidToString(c.device_uid))
      .With("command", c.id)
      .With("error", e == Error::kOk ? std::string() : why);
  Answer(c, e == Error::kOk, e == Error::kOk ? "" : std::string(ErrorName(e)), gateway, uplink);
  return v;
}

void GatewayDownlink::Refuse(uplink::CommandVerdict v, const uplink::Command* c, bool parsed,
                             Gateway& gateway) {
  ++stats_.refused;
  const bool forged =
      v == uplink::CommandVerdict::kForged || v == uplink::CommandVerdict::kMisaddressed ||
      v == uplink::CommandVerdict::kMalformed ||
      (v == uplink::CommandVerdict::kReplayed && c != nullptr && !guard_->WasAccepted(*c));
  ids::Alert a =
      ids::MakeAlert(forged ? downlink_sig::kCommandForged : downlink_sig::kCommandReplayed);
  a.time = gateway.now();
  // The alert names no device: a refused command is evidence about whoever published it,
  // not about the device it names (which the inventory would then show tampered).
  a.detail = "command " + std::string(uplink::CommandVerdictName(v));
  if (c != nullptr && parsed)
    a.detail += " (claims id " + c->id + ", device " + UidToString(c->device_uid) + ")";
  Log(*log_, "warn", "downlink: command refused")
      .With("verdict", uplink::CommandVerdictName(v))
      .With("command", c != nullptr ? c->id : std::string());
  gateway.RaiseAlert(a);
}

void GatewayDownlink::Answer(const uplink::Command& c, bool done, const std::string& detail,
                             Gateway& gateway, MqttUplink& uplink) {
  uplink::DeviceRecord r;
  if (!gateway.DeviceReport(c.device_uid, &r)) {
    // Not enrolled here: the answer still names the device, as the command did.
    r.uid = c.device_uid;
    r.state = uplink::DeviceState::kIdle;
    r.time_ms = NowMs();
    done = false;
  }
  r.command_id = c.id;
  r.command_done = done;
  r.detail = done ? detail : (detail.empty() ? "unknown device" : detail);
  std::string why;
  if (uplink.PublishDevice(r, &why) != Error::kOk)
    Log(*log_, "error", "downlink: answer not queued (the cloud re-sends)").With("error", why);
}

}  // namespace vigil
