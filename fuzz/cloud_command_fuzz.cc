// Fuzzes the downlink's command parser and guard (docs/uplink.md, "Downlink"): whatever
// a publisher puts on a gateway's command topic, ParseCommand never crashes, a line it
// accepts is in canonical form (formatting it back gives the same bytes), and the guard
// never accepts a line the cloud's key did not sign (the fuzzer cannot forge Ed25519).
// The replay memory's Import takes any bytes and exports only what it can read back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "edge/uplink/command.h"

namespace {

using namespace vigil::uplink;

void Require(bool ok) {
  if (!ok) std::abort();
}

const CommandVerifier& Verifier() {
  static const CommandVerifier v = [] {
    CommandSigner s;
    const std::vector<uint8_t> seed(kCommandSeedBytes, 0x42);
    Require(s.Init(seed) == vigil::Error::kOk);
    CommandVerifier out;
    Require(out.Init(s.public_key()) == vigil::Error::kOk);
    return out;
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  Command c;
  if (ParseCommand(line, &c)) {
    std::string_view body = line;
    if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
    Require(FormatCommand(c) == body);
    Require(c.issued_ms < c.expires_ms);
  }
  CommandGuard guard(Verifier(), "site-a", "gw-01");
  const CommandVerdict v = guard.Check(line, 1'750'000'000'000, nullptr);
  Require(v != CommandVerdict::kAccepted);
  Require(guard.remembered() == 0);

  CommandGuard memory(Verifier(), "site-a", "gw-01");
  memory.Import(line);
  const std::string exported = memory.Export();
  CommandGuard again(Verifier(), "site-a", "gw-01");
  again.Import(exported);
  Require(again.Export() == exported);
  return 0;
}
