// Commands the cloud sends down to a gateway (docs/uplink.md, "Downlink"), kept in the
// database (table `gateway_commands`, migration 5) until the gateway acknowledges them,
// and the Ed25519 key that signs them (table `command_keys`, sealed under the keyring as
// the audit head key is, audit_head_key.h: every replica signs with the same key).
//
// Life of a command: IssueRevoke stores it `pending` with its signed line
// (uplink/command.h); the sender (CommandSender, command_sender.h) publishes every pending
// command that was never sent or not acknowledged within the re-send interval, so a
// gateway that was offline gets it when it reconnects; the gateway's acknowledgement
// (an uplink `device` message naming the command) makes it `done` (or `refused`, with the
// gateway's reason); a pending command past its expiry becomes `expired` (the gateway
// would refuse it anyway).
//
// Errors: kNotFound (no such device or command), kCrypto (the key does not open), the
// database's. Not thread-safe (one Database connection).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"
#include "edge/uplink/command.h"

namespace vigil::cloud {

inline constexpr int64_t kCommandLifetimeMs = 7LL * 24 * 3600 * 1000;
inline constexpr int64_t kCommandResendMs = 30 * 1000;

struct StoredCommand {
  std::string command_id, gateway, site, action, device_uid, reason, requested_by, line, state,
      result;
  int64_t created_ms = 0, expires_ms = 0, sent_ms = 0, done_ms = 0, sends = 0;
};

// The active signing key, created on first use (race free between replicas).
Status LoadOrCreateCommandSigner(Database& db, const Keyring& keys, int64_t now_us,
                                 uplink::CommandSigner* signer);

// A signed revocation of `device_uid` for the gateway that reported the device last.
// kNotFound for a device no gateway reported.
Status IssueRevoke(Database& db, const uplink::CommandSigner& signer, std::string_view device_uid,
                   std::string_view reason, std::string_view requested_by, int64_t now_ms,
                   StoredCommand* out);

// Pending commands due for (re)sending at now_ms, oldest first; expires the overdue ones.
Status DueCommands(Database& db, int64_t now_ms, size_t limit, std::vector<StoredCommand>* out);
Status MarkSent(Database& db, std::string_view command_id, int64_t now_ms);

// The gateway's answer. Only the gateway the command was for can settle it; an answer for
// a command that is not pending changes nothing. `settled` (may be null) says whether it
// did; a `done` revocation also marks the device revoked.
Status SettleCommand(Database& db, std::string_view command_id, std::string_view gateway, bool done,
                     std::string_view detail, int64_t now_ms, bool* settled);

Status ReadCommand(Database& db, std::string_view command_id, StoredCommand* out);
// The newest commands first.
Status ListCommands(Database& db, size_t limit, std::vector<StoredCommand>* out);

}  // namespace vigil::cloud
