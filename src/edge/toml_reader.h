// Field readers for the edge's TOML sections ([clinical], [privacy]), with errors in the
// daemons' form: `origin:line: [section] key: message`. A missing key leaves the value as
// it was (the default); a present key of the wrong type or range is an error. Internal to
// the edge's loaders.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/time.h"

namespace vigil::edge {

class TomlReader {
 public:
  TomlReader(std::string_view origin, std::string* why) : origin_(origin), why_(why) {}

  bool Fail(const toml::node& n, std::string_view section, std::string_view key,
            const std::string& msg) {
    if (why_) {
      *why_ = std::string(origin_) + ":" + std::to_string(n.source().begin.line) + ": [" +
              std::string(section) + "] " + std::string(key) + ": " + msg;
    }
    return false;
  }

  // Rejects keys this version does not know: a typo must not silently keep a default.
  bool CheckKeys(const toml::table& t, std::string_view section,
                 std::initializer_list<std::string_view> known) {
    for (auto&& [k, v] : t) {
      bool ok = false;
      for (auto kn : known) ok |= k.str() == kn;
      if (!ok) return Fail(v, section, k.str(), "unknown field");
    }
    return true;
  }

  bool Bool(const toml::table& t, std::string_view section, std::string_view key, bool* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_boolean()) return Fail(*n, section, key, "expected true or false");
    *out = n->as_boolean()->get();
    return true;
  }

  bool Int(const toml::table& t, std::string_view section, std::string_view key, int64_t lo,
           int64_t hi, int64_t* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_integer()) return Fail(*n, section, key, "expected an integer");
    const int64_t v = n->as_integer()->get();
    if (v < lo || v > hi)
      return Fail(*n, section, key,
                  "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                      std::to_string(v));
    *out = v;
    return true;
  }

  // Whole seconds in lo..hi, stored as TimeUs.
  bool Seconds(const toml::table& t, std::string_view section, std::string_view key, int64_t lo,
               int64_t hi, TimeUs* out) {
    int64_t v = *out / kSeconds;
    if (!Int(t, section, key, lo, hi, &v)) return false;
    *out = v * kSeconds;
    return true;
  }

  // An integer or a float (range checks belong to the caller's validation).
  bool Number(const toml::table& t, std::string_view section, std::string_view key, double* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_number()) return Fail(*n, section, key, "expected a number");
    *out = n->value<double>().value_or(0);
    return true;
  }

  bool String(const toml::table& t, std::string_view section, std::string_view key,
              std::string* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_string()) return Fail(*n, section, key, "expected a string");
    *out = n->as_string()->get();
    return true;
  }

  std::string_view origin() const { return origin_; }
  std::string* why() const { return why_; }

 private:
  std::string_view origin_;
  std::string* why_;
};

}  // namespace vigil::edge
