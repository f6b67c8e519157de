// The device provisioning bundle: what `vigil enroll` hands to one device (seed 000,
// "key personalization"), as a small JSON file that `vigil device` imports into its
// sealed key store on first start.
//
//   {
//     "format":        "vigil-device-bundle/1",
//     "uid":           "0123456789abcdef",        16 hex digits
//     "cpan_uid":      "fedcba9876543210",
//     "cpan_sign_pub": "<64 hex digits>",          the CPAN's Ed25519 public key
//     "kd":            "<32 hex digits>",
//     "secretkey2":    "<64 hex digits>",
//     "username":      "dev-0123456789abcdef",    a string, or {"hex": "..."} for bytes
//     "password":      "...",                     1..32 bytes, same two forms
//     "kind":          "ecg_patch",               see DeviceKindName
//     "created":       "2025-01-31T12:00:00Z"     UTC
//   }
//
// The file is a secret (it holds Kd and Secretkey2): it is written owner-only (0600) and
// atomically, and a bundle that group or others can access is refused on load, the way
// ssh refuses a private key. Unknown fields are ignored, so /1 readers accept files from
// later /1 writers that add optional fields.
//
// Errors: kCorrupt for a bundle that is not valid JSON or has a missing or bad field (the
// message names the field); kInvalidState for a file that is too open, or an existing
// file when not forcing; kNotFound, kIo from the file system. `why` (may be null)
// receives a one-line message naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "connection/device_identity.h"
#include "connection/keys.h"

namespace vigil {

inline constexpr std::string_view kBundleFormat = "vigil-device-bundle/1";
inline constexpr size_t kMaxBundleFileSize = 64 * 1024;

struct DeviceBundle {
  DeviceSecrets secrets;
  DeviceKind kind = DeviceKind::kOther;
  int64_t created = 0;  // unix seconds
};

// The JSON text of a bundle. It holds secrets: wipe it (SecureZero) when done.
std::string BundleToJson(const DeviceBundle& bundle);
// Parses and validates a bundle. On failure `out` is left zeroed.
Error BundleFromJson(std::string_view text, DeviceBundle* out, std::string* why);

// Writes the bundle owner-only and atomically. Without `force`, an existing `path` is left
// untouched and kInvalidState is returned.
Error WriteBundle(const std::string& path, const DeviceBundle& bundle, bool force,
                  std::string* why);
// Reads, checks permissions, parses and validates a bundle file.
Error LoadBundle(const std::string& path, DeviceBundle* out, std::string* why);

}  // namespace vigil
