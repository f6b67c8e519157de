// Fuzzes what the second login step reads from the client (src/cloud/auth/mfa.h): the
// mfa_ticket (TicketHash) and the code (a TOTP code or a recovery code, CheckSecondFactor
// over an enrolled account). Input: split at the first newline into the ticket and the
// code. Whatever the bytes: only the one real ticket hashes to the stored ticket, only
// the current TOTP code or a real recovery code is accepted, and a code is accepted once.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloud/auth/mfa.h"
#include "cloud/auth/recovery_codes.h"

namespace {

using namespace vigil;
using namespace vigil::auth;

void Require(bool ok) {
  if (!ok) std::abort();
}

constexpr TimeUs kNow = 1'750'000'020LL * 1'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static InMemoryMfaStore* store = new InMemoryMfaStore();
  static const MfaConfig* cfg = new MfaConfig();
  static TotpEnrolment* en = [] {
    auto* e = new TotpEnrolment();
    Require(EnrolTotp(*store, "ada", kNow, *cfg, e) == Error::kOk);
    return e;
  }();
  static std::string* ticket = [] {
    auto* t = new std::string();
    Require(IssueTicket(*store, "ada", kNow, *cfg, t) == Error::kOk);
    return t;
  }();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  const std::string_view t = in.substr(0, nl);
  const std::string_view code = nl == std::string_view::npos ? "" : in.substr(nl + 1);

  const std::optional<Digest> h = TicketHash(t);
  if (h) {
    Require(t.size() == 43);
    std::optional<MfaTicket> found;
    Require(store->FindTicket(*h, &found) == Error::kOk);
    Require(!found || t == *ticket);
  }

  SecondFactorCheck c;
  Require(CheckSecondFactor(*store, "ada", code, kNow, *cfg, &c) == Error::kOk);
  if (c.result == SecondFactor::kTotp) {
    Require(code.size() == 6);
    // Accepted once: the same code again is a replay.
    SecondFactorCheck again;
    Require(CheckSecondFactor(*store, "ada", code, kNow, *cfg, &again) == Error::kOk);
    Require(again.result == SecondFactor::kReplayed);
  } else if (c.result == SecondFactor::kRecoveryCode) {
    const std::optional<std::string> n = NormaliseRecoveryCode(code);
    Require(n.has_value());
    bool real = false;
    for (const std::string& rc : en->recovery_codes)
      real = real || *NormaliseRecoveryCode(rc) == *n;
    Require(real);
  } else {
    Require(c.result != SecondFactor::kNotEnrolled);
  }
  return 0;
}
