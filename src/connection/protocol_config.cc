#include "connection/protocol_config.h"

#include "connection/wire/format.h"

namespace vigil {

Error CheckProtocolConfig(const ProtocolConfig& c, const char** field, const char** reason) {
  auto fail = [&](const char* f, const char* r) {
    if (field != nullptr) *field = f;
    if (reason != nullptr) *reason = r;
    return Error::kInvalidArgument;
  };
  const size_t tag = c.wire.data_tag_size;
  if (tag < wire::kMinDataTag || tag > wire::kMaxDataTag)
    return fail("tag_size", "must be 8 to 16 (bytes of MAC per frame)");
  // AES-CCM (RFC 3610) defines tags of 4, 6, 8, 10, 12, 14 and 16 bytes only: with an odd
  // size no frame could be sealed, and a device would associate and then send nothing.
  if (UsesCcm(c) && tag % 2 != 0)
    return fail("tag_size",
                "must be even (8, 10, 12, 14 or 16): AES-CCM, which protects the broadcast-key "
                "updates from v2 on and data frames with encrypt = true, has no odd tag sizes");
  if (c.max_devices == 0) return fail("max_devices", "must be at least 1");
  if (c.retransmit_timeout <= 0) return fail("retransmit_timeout_ms", "must be positive");
  if (c.confirm_timeout <= 0) return fail("confirm_timeout_ms", "must be positive");
  if (c.answer_window <= 0) return fail("answer_window_ms", "must be positive");
  return Error::kOk;
}

}  // namespace vigil
