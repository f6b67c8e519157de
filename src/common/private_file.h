// Files that hold secrets (provisioning bundles, sealed key stores, device keys, the
// registry): readable by their owner only, and replaced atomically.
//
// The permission check follows ssh's rule for private keys: a secret that group or
// others could read may already have leaked, so it is refused rather than silently
// tightened, and the message says how to fix it.
//
// Every function takes an optional `why` (may be null) that receives a one-line,
// human-readable reason on failure, naming the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

namespace vigil {

// Writes `data` to `path` so that a reader sees either the previous file or the whole new
// one, never a mix: a temporary file beside `path` is created with O_CREAT|O_EXCL and
// mode 0600, written, fsynced, moved into place, and the directory is fsynced.
// With overwrite == false an existing `path` is never replaced (checked atomically at the
// final step): returns kInvalidState. Other failures return kIo and leave `path` as it was.
Error WritePrivateFileAtomic(const std::string& path, ByteSpan data, bool overwrite,
                             std::string* why);

// Returns kOk when `path` exists and neither group nor others have any permission on it;
// kInvalidState (with a chmod hint) when they do; kNotFound when it does not exist; kIo
// for other stat failures.
Error CheckOwnerOnly(const std::string& path, std::string* why);

// Reads all of `path` after CheckOwnerOnly. Files larger than max_size give kCorrupt
// (nothing this project stores as a private file is large). The caller owns `out` and
// should wipe it when it holds secrets.
Error ReadPrivateFile(const std::string& path, size_t max_size, std::vector<uint8_t>* out,
                      std::string* why);

// Overwrites the file's bytes with zeros, fsyncs, and unlinks it. A missing file is not
// an error (the goal, no file, is met). Best effort on media that remap blocks (flash,
// copy-on-write file systems): a real secure element erases in hardware.
Error ShredFile(const std::string& path, std::string* why);

// Test seam for the fail-closed paths: the next `times` calls of WritePrivateFileAtomic
// fail the way a full or failing disk makes them fail (ENOSPC, EIO, or a short write: half
// the bytes written, then ENOSPC). The file at `path` is left as it was. Not thread-safe;
// for tests only.
enum class FileFault : uint8_t { kNone, kNoSpace, kIo, kShortWrite };
void InjectFileFault(FileFault fault, int times = 1);

}  // namespace vigil
