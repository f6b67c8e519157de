#include "device/firmware/secure_boot.h"

namespace vigil::firmware {

Error CheckBootImage(ByteSpan image, const PublicKey& key, KeyStore& store, BootDecision* out,
                     std::string* why) {
  PersistedCounters pc;
  if (Error e = store.LoadCounters(&pc); e != Error::kOk) {
    if (why != nullptr) *why = "cannot read the sealed security counter: " + store.last_error();
    return e;
  }
  SecureZero(pc.r3.data(), pc.r3.size());
  BootDecision d;
  d.sealed_counter = pc.firmware_security_counter;
  VerifyPolicy policy;
  policy.min_security_counter = d.sealed_counter;
  d.verdict = VerifyImage(image, &key, policy);
  d.raises_counter = d.verdict.ok() && *d.verdict.security_counter > d.sealed_counter;
  *out = d;
  return Error::kOk;
}

std::string DescribeBootDecision(const BootDecision& d) {
  const ImageVerdict& v = d.verdict;
  if (v.ok()) {
    std::string s = "firmware " + VersionToString(v.header.version) +
                    " verified (security counter " + std::to_string(*v.security_counter) + ")";
    if (d.raises_counter)
      s += "; the sealed counter moves from " + std::to_string(d.sealed_counter) +
           " once it has run";
    return s;
  }
  std::string s = "firmware refused: " + std::string(ImageErrorName(v.error)) + ": ";
  if (v.error == ImageError::kRollback) {
    s += "the image's security counter " + std::to_string(*v.security_counter) +
         " is below the device's " + std::to_string(d.sealed_counter);
  } else {
    s += ImageErrorMessage(v.error);
    if (v.offset != 0) s += " (at byte " + std::to_string(v.offset) + ")";
  }
  return s;
}

Error ConfirmImageRan(KeyStore& store, uint32_t counter, std::string* why) {
  PersistedCounters pc;
  Error e = store.LoadCounters(&pc);
  if (e == Error::kOk && counter > pc.firmware_security_counter) {
    pc.firmware_security_counter = counter;
    e = store.SaveCounters(pc);
  }
  SecureZero(pc.r3.data(), pc.r3.size());
  if (e != Error::kOk && why != nullptr)
    *why = "cannot raise the sealed security counter: " + store.last_error();
  return e;
}

}  // namespace vigil::firmware
