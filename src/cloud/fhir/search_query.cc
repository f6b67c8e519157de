#include "cloud/fhir/search_query.h"

#include <algorithm>
#include <charconv>

#include "cloud/fhir/fhir_date.h"

namespace vigil::fhir {

std::string_view QueryErrorName(QueryError e) {
  switch (e) {
    case QueryError::kOk:
      return "ok";
    case QueryError::kTooLong:
      return "too_long";
    case QueryError::kBadEncoding:
      return "bad_encoding";
    case QueryError::kUnknownParameter:
      return "unknown_parameter";
    case QueryError::kRepeated:
      return "repeated";
    case QueryError::kMissingPatient:
      return "missing_patient";
    case QueryError::kBadPatient:
      return "bad_patient";
    case QueryError::kBadPrefix:
      return "bad_prefix";
    case QueryError::kBadDate:
      return "bad_date";
    case QueryError::kBadCount:
      return "bad_count";
    case QueryError::kBadOffset:
      return "bad_offset";
  }
  return "unknown";
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

// A decimal integer with no sign, no leading zero (except "0" itself) and no more than
// `max`.
bool ParseUnsigned(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

std::string Cut(std::string_view s) { return std::string(s.substr(0, 64)); }

// Characters left as they are in a formatted query value; the rest is %-escaped.
bool Plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == ':' || c == '/';
}

void AppendEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (Plain(c)) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
}

QueryError ApplyDate(std::string_view v, ObservationQuery* q) {
  std::string_view prefix = "eq";
  if (v.size() >= 2 && v[0] >= 'a' && v[0] <= 'z' && v[1] >= 'a' && v[1] <= 'z') {
    prefix = v.substr(0, 2);
    v.remove_prefix(2);
  }
  if (v.find(',') != std::string_view::npos) return QueryError::kBadDate;
  DateRange r;
  if (prefix != "eq" && prefix != "ge" && prefix != "gt" && prefix != "le" && prefix != "lt")
    return QueryError::kBadPrefix;
  if (!ParseFhirDate(v, &r)) return QueryError::kBadDate;
  int64_t from = std::numeric_limits<int64_t>::min(), to = std::numeric_limits<int64_t>::max();
  if (prefix == "eq") {
    from = r.start_ms;
    to = r.end_ms;
  } else if (prefix == "ge") {
    from = r.start_ms;
  } else if (prefix == "gt") {
    from = r.end_ms;
  } else if (prefix == "le") {
    to = r.end_ms;
  } else {
    to = r.start_ms;
  }
  q->from_ms = std::max(q->from_ms, from);
  q->to_ms = std::min(q->to_ms, to);
  return QueryError::kOk;
}

}  // namespace

QueryParse ParseObservationQuery(std::string_view query) {
  QueryParse out;
  auto fail = [&](QueryError e, std::string_view param) {
    QueryParse f;
    f.error = e;
    f.parameter = Cut(param);
    return f;
  };
  if (query.size() > kMaxQueryBytes) return fail(QueryError::kTooLong, "");
  bool seen_patient = false, seen_count = false, seen_offset = false;
  ObservationQuery& q = out.query;
  std::string name, value;
  size_t pos = 0;
  while (pos < query.size() || (pos == 0 && !query.empty())) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(pos, amp - pos);
    const size_t eq = pair.find('=');
    if (pair.empty() || eq == std::string_view::npos) return fail(QueryError::kBadEncoding, pair);
    if (!PercentDecode(pair.substr(0, eq), &name)) return fail(QueryError::kBadEncoding, pair);
    if (!PercentDecode(pair.substr(eq + 1), &value)) return fail(QueryError::kBadEncoding, name);
    if (name == "patient") {
      if (seen_patient) return fail(QueryError::kRepeated, name);
      seen_patient = true;
      std::string_view id = value;
      if (id.starts_with("Patient/")) id.remove_prefix(8);
      uint64_t v = 0;
      if (!ParseUnsigned(id, static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), &v) ||
          v == 0)
        return fail(QueryError::kBadPatient, name);
      q.patient_id = static_cast<int64_t>(v);
    } else if (name == "date") {
      if (QueryError e = ApplyDate(value, &q); e != QueryError::kOk) return fail(e, name);
      q.dates.push_back(value);
    } else if (name == "_count") {
      if (seen_count) return fail(QueryError::kRepeated, name);
      seen_count = true;
      uint64_t v = 0;
      if (!ParseUnsigned(value, kMaxCount, &v) || v == 0) return fail(QueryError::kBadCount, name);
      q.count = static_cast<uint32_t>(v);
    } else if (name == "_offset") {
      if (seen_offset) return fail(QueryError::kRepeated, name);
      seen_offset = true;
      if (!ParseUnsigned(value, kMaxOffset, &q.offset)) return fail(QueryError::kBadOffset, name);
    } else {
      return fail(QueryError::kUnknownParameter, name);
    }
    if (amp == query.size()) break;
    pos = amp + 1;
    if (pos == query.size()) return fail(QueryError::kBadEncoding, "");  // a trailing '&'
  }
  if (!seen_patient) return fail(QueryError::kMissingPatient, "patient");
  return out;
}

std::string FormatObservationQuery(const ObservationQuery& q, uint64_t offset) {
  std::string s = "patient=" + std::to_string(q.patient_id);
  for (const std::string& d : q.dates) {
    s += "&date=";
    AppendEncoded(s, d);
  }
  s += "&_count=" + std::to_string(q.count);
  s += "&_offset=" + std::to_string(offset);
  return s;
}

}  // namespace vigil::fhir
