// A JSON object written member by member, in the order given, for the uplink envelope
// (docs/uplink.md). Small on purpose: the hot path formats one object per message and
// needs no parser. Numbers are written in the shortest form that reads back to the same
// double (std::to_chars); strings are escaped as RFC 8259 requires.
//
// REQUIRES: keys are plain ASCII identifiers (they are not escaped); a double is finite
// (JSON has no NaN or infinity: callers check with std::isfinite first); a Raw() value is
// one valid JSON value; `s` passed to Str() is valid UTF-8 (IsValidUtf8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::uplink {

class JsonObjectWriter {
 public:
  JsonObjectWriter() { out_.reserve(384); }
  JsonObjectWriter& Str(std::string_view key, std::string_view s);
  JsonObjectWriter& Int(std::string_view key, int64_t v);
  JsonObjectWriter& Uint(std::string_view key, uint64_t v);
  JsonObjectWriter& Num(std::string_view key, double v);
  JsonObjectWriter& Bool(std::string_view key, bool v);
  JsonObjectWriter& Raw(std::string_view key, std::string_view json);
  // The object, closed. The writer is left empty.
  std::string Finish();

 private:
  void Key(std::string_view key);
  std::string out_ = "{";
};

// Appends `s` to `out` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view s);
bool IsValidUtf8(std::string_view s);

}  // namespace vigil::uplink
