// A random source that replays recorded draws, so that a core can be driven to produce
// the exact bytes of a recorded exchange (test vectors, fuzz fixtures).
//
// Draws are consumed in order; each Fill() must ask for exactly the size of the next
// recorded draw. A size mismatch or an exhausted script means the run diverged from the
// recording: Fill() returns Error::kCrypto and counts the failure, unless `extend` is set,
// in which case further draws are filled with a deterministic counter pattern (for
// fuzzers that keep driving the core past the recording). Never for real keys.
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "connection/crypto/provider.h"

namespace vigil {

class ScriptedRandom final : public RandomSource {
 public:
  ScriptedRandom() = default;
  explicit ScriptedRandom(std::vector<std::vector<uint8_t>> draws, bool extend = false)
      : draws_(std::move(draws)), extend_(extend) {}

  void Add(ByteSpan draw) { draws_.emplace_back(draw.begin(), draw.end()); }

  Error Fill(MutableByteSpan out) override {
    if (next_ < draws_.size() && draws_[next_].size() == out.size()) {
      if (!out.empty()) std::memcpy(out.data(), draws_[next_].data(), out.size());
      ++next_;
      return Error::kOk;
    }
    if (!extend_ || next_ < draws_.size()) {
      ++failures_;
      return Error::kCrypto;
    }
    for (uint8_t& b : out) b = static_cast<uint8_t>(0xA0 + (extra_++ & 0x3F));
    return Error::kOk;
  }

  size_t consumed() const { return next_; }
  size_t remaining() const { return draws_.size() - next_; }
  size_t failures() const { return failures_; }

 private:
  std::vector<std::vector<uint8_t>> draws_;
  size_t next_ = 0;
  size_t failures_ = 0;
  uint32_t extra_ = 0;
  bool extend_ = false;
};

}  // namespace vigil
