#include "device/bundle.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/hex.h"
#include "common/private_file.h"

namespace vigil {
namespace {

using Json = nlohmann::json;

void Say(std::string* why, std::string msg) {
  if (why != nullptr) *why = std::move(msg);
}

std::string FormatUtc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "1970-01-01T00:00:00Z";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> ParseUtc(const std::string& s) {
  int y, mo, d, h, mi, sec;
  char z = 0;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &y, &mo, &d, &h, &mi, &sec, &z,
                  &consumed) != 7 ||
      z != 'Z' || static_cast<size_t>(consumed) != s.size())
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm));
}

bool IsPrintable(ByteSpan b) {
  for (uint8_t c : b)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

nlohmann::ordered_json CredentialToJson(const Credential& c) {
  if (IsPrintable(c.span()))
    return std::string(reinterpret_cast<const char*>(c.bytes.data()), c.size);
  return nlohmann::ordered_json{{"hex", ToHex(c.span())}};
}

// Field-level parse failure: the message names the field.
struct FieldError {
  std::string message;
};

const Json& Field(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) throw FieldError{std::string("field \"") + name + "\" is missing"};
  return *it;
}

std::string StringField(const Json& j, const char* name) {
  const Json& v = Field(j, name);
  if (!v.is_string()) throw FieldError{std::string("field \"") + name + "\" must be a string"};
  return v.get<std::string>();
}

template <size_t N>
void HexField(const Json& j, const char* name, std::array<uint8_t, N>* out) {
  std::string s = StringField(j, name);
  std::optional<std::vector<uint8_t>> b = FromHex(s);
  SecureZero(s.data(), s.size());
  if (!b.has_value() || b->size() != N)
    throw FieldError{std::string("field \"") + name + "\" must be " + std::to_string(2 * N) +
                     " hex digits"};
  std::copy(b->begin(), b->end(), out->begin());
  SecureZero(b->data(), b->size());
}

uint64_t UidField(const Json& j, const char* name) {
  std::optional<uint64_t> uid = UidFromString(StringField(j, name));
  if (!uid.has_value())
    throw FieldError{std::string("field \"") + name + "\" must be 16 hex digits"};
  if (!IsAssignableUid(*uid))
    throw FieldError{std::string("field \"") + name + "\" is a reserved uid (0 or broadcast)"};
  return *uid;
}

void CredentialField(const Json& j, const char* name, Credential* out) {
  const Json& v = Field(j, name);
  std::vector<uint8_t> bytes;
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    bytes.assign(s.begin(), s.end());
  } else if (v.is_object() && v.contains("hex") && v["hex"].is_string()) {
    std::optional<std::vector<uint8_t>> b = FromHex(v["hex"].get<std::string>());
    if (!b.has_value())
      throw FieldError{std::string("field \"") + name + "\": \"hex\" is not hex digits"};
    bytes = std::move(*b);
  } else {
    throw FieldError{std::string("field \"") + name + "\" must be a string or {\"hex\": \"...\"}"};
  }
  bool ok = out->Set(bytes);
  SecureZero(bytes.data(), bytes.size());
  if (!ok)
    throw FieldError{std::string("field \"") + name + "\" must be 1 to " +
                     std::to_string(kMaxCredentialSize) + " bytes"};
}

void Wipe(DeviceBundle* b) {
  SecureZero(&b->secrets, sizeof b->secrets);
  b->kind = DeviceKind::kOther;
  b->created = 0;
}

}  // namespace

std::string BundleToJson(const DeviceBundle& b) {
  const DeviceSecrets& s = b.secrets;
  nlohmann::ordered_json j = nlohmann::ordered_json::object();  // "format" first, for people
  j["format"] = kBundleFormat;
  j["uid"] = UidToString(s.uid);
  j["cpan_uid"] = UidToString(s.cpan_uid);
  j["cpan_sign_pub"] = ToHex(s.cpan_sign_pub);
  j["kd"] = ToHex(s.kd);
  j["secretkey2"] = ToHex(s.secretkey2);
  j["username"] = CredentialToJson(s.username);
  j["password"] = CredentialToJson(s.password);
  j["kind"] = DeviceKindName(b.kind);
  j["created"] = FormatUtc(b.created);
  return j.dump(2) + "\n";
}

Error BundleFromJson(std::string_view text, DeviceBundle* out, std::string* why) {
  Wipe(out);
  Json j;
  try {
    j = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    Say(why, "not valid JSON (truncated or damaged) near byte " + std::to_string(e.byte));
    return Error::kCorrupt;
  }
  if (!j.is_object()) {
    Say(why, "not a device bundle (expected a JSON object)");
    return Error::kCorrupt;
  }
  try {
    std::string format = StringField(j, "format");
    if (format != kBundleFormat)
      throw FieldError{"field \"format\" is \"" + format + "\", expected \"" +
                       std::string(kBundleFormat) + "\""};
    DeviceSecrets& s = out->secrets;
    s.uid = UidField(j, "uid");
    s.cpan_uid = UidField(j, "cpan_uid");
    HexField(j, "cpan_sign_pub", &s.cpan_sign_pub);
    HexField(j, "kd", &s.kd);
    HexField(j, "secretkey2", &s.secretkey2);
    CredentialField(j, "username", &s.username);
    CredentialField(j, "password", &s.password);
    std::string kind = StringField(j, "kind");
    std::optional<DeviceKind> k = DeviceKindFromName(kind);
    if (!k.has_value()) throw FieldError{"field \"kind\": unknown device kind \"" + kind + "\""};
    out->kind = *k;
    std::optional<int64_t> created = ParseUtc(StringField(j, "created"));
    if (!created.has_value())
      throw FieldError{"field \"created\" must be a UTC time like 2025-01-31T12:00:00Z"};
    out->created = *created;
  } catch (const FieldError& e) {
    Wipe(out);
    Say(why, e.message);
    return Error::kCorrupt;
  }
  return Error::kOk;
}

Error WriteBundle(const std::string& path, const DeviceBundle& bundle, bool force,
                  std::string* why) {
  std::string text = BundleToJson(bundle);
  std::string reason;
  Error e = WritePrivateFileAtomic(
      path, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()), force, &reason);
  SecureZero(text.data(), text.size());
  if (e != Error::kOk) Say(why, "bundle " + reason);
  return e;
}

Error LoadBundle(const std::string& path, DeviceBundle* out, std::string* why) {
  Wipe(out);
  std::vector<uint8_t> data;
  std::string reason;
  Error e = ReadPrivateFile(path, kMaxBundleFileSize, &data, &reason);
  if (e != Error::kOk) {
    Say(why, "bundle " + reason);
    return e;
  }
  e = BundleFromJson(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), out,
                     &reason);
  SecureZero(data.data(), data.size());
  if (e != Error::kOk) Say(why, "bundle " + path + ": " + reason);
  return e;
}

}  // namespace vigil
