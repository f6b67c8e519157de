// The one error type used at every protocol boundary.
//
// Two families are kept apart on purpose: *local misuse* (the caller broke a contract:
// wrong state, buffer too small) and *remote misbehaviour* (bytes from the air or the
// network that are malformed, forged, replayed or out of place). Only the second kind is
// evidence about a peer, so only it is turned into security events for the IDS.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil {

enum class Error : uint8_t {
  kOk = 0,
  // --- local misuse (programming or configuration errors on this side) ---
  kInvalidArgument,  // a parameter is outside its documented range
  kInvalidState,     // the call is not allowed in the current state
  kNoBufs,           // a caller-owned buffer or fixed queue is full
  kCrypto,           // the crypto back-end failed (not the peer's fault)
  kIo,               // storage or socket failure on this side
  kNotFound,         // a local lookup found nothing (file, key, record)
  kCorrupt,          // local persisted data failed its integrity check
  // --- remote misbehaviour (evidence about a peer; feeds the IDS) ---
  kMalformed,       // a field has an impossible value or the layout is wrong
  kTruncated,       // the input ends before the structure does
  kOversized,       // the input is longer than any valid message
  kBadFcs,          // link checksum mismatch (noise, not an attack: never an alert)
  kUnknownVersion,  // protocol version this side does not speak
  kUnknownType,     // message type not defined
  kUnknownDevice,   // Uid not enrolled at this coordinator
  kBadTag,          // a MAC, OTP, proof or AEAD tag did not verify
  kReplay,          // counter already seen or below the replay window
  kUnexpected,      // a well-formed message that does not fit the current state
  kBlocked,         // the source is blocked after an intrusion verdict
  kRateLimited,     // dropped by a rate limiter (flooding, battery drain)
};

// True for errors that say something about the remote peer rather than about us.
constexpr bool IsRemote(Error e) { return e >= Error::kMalformed; }

std::string_view ErrorName(Error e);

// A value or an error, without exceptions (the device core builds with -fno-exceptions).
template <typename T>
class Result {
 public:
  Result(T value) : value_(static_cast<T&&>(value)), error_(Error::kOk) {}  // NOLINT
  Result(Error e) : value_(), error_(e) {}                                  // NOLINT
  bool ok() const { return error_ == Error::kOk; }
  Error error() const { return error_; }
  const T& value() const { return value_; }
  T& value() { return value_; }
  const T* operator->() const { return &value_; }
  T* operator->() { return &value_; }
  const T& operator*() const { return value_; }
  T& operator*() { return value_; }

 private:
  T value_;
  Error error_;
};

}  // namespace vigil
