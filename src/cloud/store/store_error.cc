#include "cloud/store/store_error.h"

namespace vigil::cloud {

std::string_view StoreErrorName(StoreError e) {
  switch (e) {
    case StoreError::kOk:
      return "ok";
    case StoreError::kBadUrl:
      return "bad_url";
    case StoreError::kConnect:
      return "connect";
    case StoreError::kQuery:
      return "query";
    case StoreError::kConstraint:
      return "constraint";
    case StoreError::kBusy:
      return "busy";
    case StoreError::kSchema:
      return "schema";
    case StoreError::kTooNew:
      return "too_new";
    case StoreError::kCrypto:
      return "crypto";
    case StoreError::kNotFound:
      return "not_found";
    case StoreError::kMisuse:
      return "misuse";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(StoreErrorName(code));
  if (!message.empty()) s += ": " + message;
  return s;
}

}  // namespace vigil::cloud
