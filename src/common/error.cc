#include "common/error.h"

namespace vigil {

std::string_view ErrorName(Error e) {
  switch (e) {
    case Error::kOk:
      return "ok";
    case Error::kInvalidArgument:
      return "invalid_argument";
    case Error::kInvalidState:
      return "invalid_state";
    case Error::kNoBufs:
      return "no_bufs";
    case Error::kCrypto:
      return "crypto";
    case Error::kIo:
      return "io";
    case Error::kNotFound:
      return "not_found";
    case Error::kCorrupt:
      return "corrupt";
    case Error::kMalformed:
      return "malformed";
    case Error::kTruncated:
      return "truncated";
    case Error::kOversized:
      return "oversized";
    case Error::kBadFcs:
      return "bad_fcs";
    case Error::kUnknownVersion:
      return "unknown_version";
    case Error::kUnknownType:
      return "unknown_type";
    case Error::kUnknownDevice:
      return "unknown_device";
    case Error::kBadTag:
      return "bad_tag";
    case Error::kReplay:
      return "replay";
    case Error::kUnexpected:
      return "unexpected";
    case Error::kBlocked:
      return "blocked";
    case Error::kRateLimited:
      return "rate_limited";
  }
  return "unknown_error";
}

}  // namespace vigil
