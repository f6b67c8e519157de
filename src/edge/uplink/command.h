// The downlink's commands (docs/uplink.md, "Downlink: commands from the cloud"): what the
// cloud asks a gateway to do, signed by the cloud with Ed25519 so that only the cloud's
// key (never the broker, another gateway or anyone who can publish) makes a gateway act.
//
// One command is one line of text, published on vigil/down/v1/<site>/<gateway>/command:
//
//   vigil-command-v1 <id> <site> <gateway> <action> <device> <issued_ms> <expires_ms> <nonce>
//   <signature>
//
//   id          1..64 of [A-Za-z0-9._-] (the cloud's command id)
//   site, gateway  topic levels: the gateway the command is for
//   action      "revoke" (the one action of version 1)
//   device      16 lowercase hex digits: the device's uid
//   issued_ms, expires_ms  Unix ms, decimal without sign or leading zero, issued < expires
//   nonce       32 lowercase hex digits (16 random bytes)
//   signature   128 lowercase hex digits: Ed25519 over every byte of the line before
//               " <signature>" (the domain label included, so no other signed message
//               of the project can pass for a command)
//
// Fields are separated by exactly one space; nothing follows the signature but an
// optional "\n". Parse checks the form only; CommandGuard checks the rest.
//
// CommandGuard (sans-IO, at the gateway) refuses, each with its reason: a line that does
// not parse (kMalformed), a bad signature (kForged), a command for another site or
// gateway (kMisaddressed), one whose expiry passed or that claims to be issued in the
// future beyond the allowed skew (kExpired, kNotYetValid), and one whose id or nonce it
// has already accepted (kReplayed). It remembers accepted commands until they expire
// (and `skew` after), at most kMaxRemembered; Export/Import carry that memory across a
// restart, so a replay after a restart is refused too.
//
// Thread-safety: signer and verifier are immutable after Init; a guard is not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/time.h"

struct evp_pkey_st;

namespace vigil::uplink {

inline constexpr std::string_view kCommandDomain = "vigil-command-v1";
inline constexpr std::string_view kCommandTopicRoot = "vigil/down/v1";
inline constexpr size_t kCommandSeedBytes = 32;
inline constexpr size_t kCommandPublicKeyBytes = 32;
inline constexpr size_t kCommandSignatureBytes = 64;
inline constexpr size_t kCommandNonceBytes = 16;
inline constexpr size_t kMaxCommandBytes = 512;

enum class CommandAction : uint8_t { kRevoke };
std::string_view CommandActionName(CommandAction a);  // "revoke"

struct Command {
  std::string id, site, gateway;
  CommandAction action = CommandAction::kRevoke;
  uint64_t device_uid = 0;
  int64_t issued_ms = 0, expires_ms = 0;
  std::array<uint8_t, kCommandNonceBytes> nonce{};
  std::array<uint8_t, kCommandSignatureBytes> signature{};
};

// vigil/down/v1/<site>/<gateway>/command
std::string CommandTopic(std::string_view site, std::string_view gateway);

// The line without " <signature>": what the signature covers.
std::string CommandSignedPart(const Command& c);
// The whole line (no newline).
std::string FormatCommand(const Command& c);
// False (and *out unchanged) unless `line` has exactly the form above.
bool ParseCommand(std::string_view line, Command* out);

namespace detail {
struct CommandPkeyFree {
  void operator()(evp_pkey_st* p) const;
};
}  // namespace detail

class CommandSigner {
 public:
  // From a 32-byte Ed25519 seed. kInvalidArgument for another length, kCrypto if refused.
  Error Init(std::span<const uint8_t> seed);
  bool ready() const { return key_ != nullptr; }
  // Sets c->signature. REQUIRES: ready(). kCrypto if signing failed.
  Error Sign(Command* c) const;
  std::array<uint8_t, kCommandPublicKeyBytes> public_key() const;
  // The public key as a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo), for the gateways.
  std::string PublicKeyPem() const;

 private:
  std::unique_ptr<evp_pkey_st, detail::CommandPkeyFree> key_;
};

class CommandVerifier {
 public:
  Error Init(std::span<const uint8_t> public_key);  // 32 raw bytes
  // A PEM "PUBLIC KEY" block holding an Ed25519 key; kInvalidArgument for anything else.
  Error InitPem(std::string_view pem);
  bool ready() const { return key_ != nullptr; }
  bool Verify(const Command& c) const;  // REQUIRES: ready()

 private:
  std::unique_ptr<evp_pkey_st, detail::CommandPkeyFree> key_;
};

enum class CommandVerdict : uint8_t {
  kAccepted,
  kMalformed,
  kForged,
  kMisaddressed,
  kExpired,
  kNotYetValid,
  kReplayed,
};
std::string_view CommandVerdictName(CommandVerdict v);  // "accepted", "forged", ...

class CommandGuard {
 public:
  static constexpr size_t kMaxRemembered = 4096;
  static constexpr int64_t kDefaultSkewMs = 5 * 60 * 1000;

  // `verifier` must outlive the guard.
  CommandGuard(const CommandVerifier& verifier, std::string site, std::string gateway,
               int64_t skew_ms = kDefaultSkewMs)
      : verifier_(verifier),
        site_(std::move(site)),
        gateway_(std::move(gateway)),
        skew_ms_(skew_ms) {}

  // The verdict for `line` received at `now_ms` (Unix ms); `out` (may be null) receives
  // the command when it parsed (also when refused, for the report). An accepted command
  // is remembered: the same id or nonce again is kReplayed.
  CommandVerdict Check(std::string_view line, int64_t now_ms, Command* out);

  // The remembered commands as lines "<id> <nonce hex> <expires_ms>", and back. Import
  // skips lines it cannot read (a damaged file makes the guard forget, never accept a
  // malformed command).
  std::string Export() const;
  void Import(std::string_view text);
  size_t remembered() const { return seen_.size(); }
  // True when `c` (id and nonce) is a command this guard accepted: a kReplayed line that
  // is the same command again (the cloud re-sends until it hears the acknowledgement,
  // which may have been lost) is acknowledged again, never executed again.
  bool WasAccepted(const Command& c) const;

 private:
  struct Seen {
    std::string id;
    std::array<uint8_t, kCommandNonceBytes> nonce;
    int64_t expires_ms;
  };
  void Forget(int64_t now_ms);

  const CommandVerifier& verifier_;
  std::string site_, gateway_;
  int64_t skew_ms_;
  std::vector<Seen> seen_;
};

}  // namespace vigil::uplink
