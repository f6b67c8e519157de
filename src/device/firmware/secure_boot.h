// The emulated secure-boot stage of a device (seed 002, device layer: "secure boot
// techniques restrict device software to manufacturer-approved software"). Before the
// device's application (its protocol stack) starts and joins the network, the image in
// its slot must verify under the manufacturer's key, with a security counter not below
// the one sealed in the device's key store.
//
// Anti-rollback follows MCUboot's rule: the sealed counter moves forward only once an
// image with a higher counter has verified and run (the device associated with it), so
// that an image that fails to come up can still be replaced by the previous one. It is
// never lowered.
//
//   image verdict      sealed counter vs image's   decision
//   any refusal        -                          refused, the reason named; no start
//   ok                 image == sealed            start
//   ok                 image  > sealed            start; ConfirmImageRan raises the seal
//   (rollback)         image  < sealed            refused (kRollback)
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "device/firmware/firmware_key.h"
#include "device/firmware/image_verifier.h"
#include "device/sealed_store.h"

namespace vigil::firmware {

struct BootDecision {
  ImageVerdict verdict;
  uint32_t sealed_counter = 0;
  bool raises_counter = false;  // the image's counter is above the sealed one
  bool ok() const { return verdict.ok(); }
};

// Verifies `image` against `key` and the store's sealed counter. Returns the store's
// error (with `why`) when its counters cannot be read; a refused image is kOk with the
// refusal in `out->verdict`.
Error CheckBootImage(ByteSpan image, const PublicKey& key, KeyStore& store, BootDecision* out,
                     std::string* why);

// One line naming the reason, for an operator: "firmware refused: rollback: the image's
// security counter 2 is below the device's 5".
std::string DescribeBootDecision(const BootDecision& d);

// Raises the sealed counter to `counter` once the image ran. A counter at or below the
// sealed one writes nothing. Errors: the store's.
Error ConfirmImageRan(KeyStore& store, uint32_t counter, std::string* why);

}  // namespace vigil::firmware
