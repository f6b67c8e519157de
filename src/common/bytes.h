// Bounds-checked reader and writer over caller-owned buffers.
//
// Neither allocates. A reader that runs out of input, or a writer that runs out of room,
// latches a failure flag: every later call is a no-op and returns zeros, so a decoder can
// read a whole structure and check `ok()` once at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace vigil {

using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

class ByteReader {
 public:
  explicit ByteReader(ByteSpan in) : in_(in) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }
  size_t position() const { return pos_; }

  uint8_t U8() {
    if (!Need(1)) return 0;
    return in_[pos_++];
  }
  uint16_t U16Le() {
    if (!Need(2)) return 0;
    uint16_t v = static_cast<uint16_t>(in_[pos_] | (in_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
  }
  uint32_t U32Be() {
    if (!Need(4)) return 0;
    uint32_t v = (uint32_t{in_[pos_]} << 24) | (uint32_t{in_[pos_ + 1]} << 16) |
                 (uint32_t{in_[pos_ + 2]} << 8) | uint32_t{in_[pos_ + 3]};
    pos_ += 4;
    return v;
  }
  uint32_t U32Le() {
    if (!Need(4)) return 0;
    uint32_t v = uint32_t{in_[pos_]} | (uint32_t{in_[pos_ + 1]} << 8) |
                 (uint32_t{in_[pos_ + 2]} << 16) | (uint32_t{in_[pos_ + 3]} << 24);
    pos_ += 4;
    return v;
  }
  uint64_t U64Le() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | in_[pos_ + static_cast<size_t>(i)];
    pos_ += 8;
    return v;
  }
  // Copies exactly out.size() bytes.
  void Bytes(MutableByteSpan out) {
    if (!Need(out.size())) {
      std::memset(out.data(), 0, out.size());
      return;
    }
    std::memcpy(out.data(), in_.data() + pos_, out.size());
    pos_ += out.size();
  }
  // A view of the next n bytes (valid as long as the input is).
  ByteSpan View(size_t n) {
    if (!Need(n)) return {};
    ByteSpan v = in_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  ByteSpan Rest() { return View(remaining()); }

 private:
  bool Need(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  ByteSpan in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class ByteWriter {
 public:
  explicit ByteWriter(MutableByteSpan out) : out_(out) {}

  bool ok() const { return ok_; }
  size_t size() const { return pos_; }
  ByteSpan written() const { return ByteSpan(out_.data(), pos_); }
  // Room left; lets an encoder reserve space for a tag it appends later.
  size_t room() const { return ok_ ? out_.size() - pos_ : 0; }

  void U8(uint8_t v) {
    if (Need(1)) out_[pos_++] = v;
  }
  void U16Le(uint16_t v) {
    if (!Need(2)) return;
    out_[pos_++] = static_cast<uint8_t>(v);
    out_[pos_++] = static_cast<uint8_t>(v >> 8);
  }
  void U32Be(uint32_t v) {
    if (!Need(4)) return;
    for (int s = 24; s >= 0; s -= 8) out_[pos_++] = static_cast<uint8_t>(v >> s);
  }
  void U32Le(uint32_t v) {
    if (!Need(4)) return;
    for (int s = 0; s <= 24; s += 8) out_[pos_++] = static_cast<uint8_t>(v >> s);
  }
  void U64Le(uint64_t v) {
    if (!Need(8)) return;
    for (int i = 0; i < 8; ++i) out_[pos_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  void Bytes(ByteSpan b) {
    if (!Need(b.size())) return;
    if (!b.empty()) std::memcpy(out_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
  }
  // Reserves n bytes and returns them for the caller to fill (e.g. a tag).
  MutableByteSpan Reserve(size_t n) {
    if (!Need(n)) return {};
    MutableByteSpan r = out_.subspan(pos_, n);
    pos_ += n;
    return r;
  }

 private:
  bool Need(size_t n) {
    if (!ok_ || out_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  MutableByteSpan out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Constant-time comparison for tags and proofs.
inline bool ConstantTimeEqual(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace vigil
