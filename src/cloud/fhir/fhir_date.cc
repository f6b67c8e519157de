#include "cloud/fhir/fhir_date.h"

namespace vigil::fhir {

namespace {

constexpr int64_t kDayMs = 86400000;

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool Leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int y, int m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && Leap(y) ? 29 : kDays[m - 1];
}

int64_t MonthStartMs(int y, int m) {
  return DaysFromCivil(y, static_cast<unsigned>(m), 1) * kDayMs;
}

}  // namespace

// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsCalendarDate(std::string_view s) {
  int y = 0, m = 0, d = 0;
  return s.size() == 10 && Digits(s, 0, 4, &y) && s[4] == '-' && Digits(s, 5, 2, &m) &&
         s[7] == '-' && Digits(s, 8, 2, &d) && y >= 1 && m >= 1 && m <= 12 && d >= 1 &&
         static_cast<unsigned>(d) <= DaysInMonth(y, m);
}

bool ParseFhirDate(std::string_view s, DateRange* out) {
  int y = 0, mo = 0, d = 0;
  if (!Digits(s, 0, 4, &y) || y < 1) return false;
  if (s.size() == 4) {
    *out = {MonthStartMs(y, 1), MonthStartMs(y + 1, 1)};
    return true;
  }
  if (s[4] != '-' || !Digits(s, 5, 2, &mo) || mo < 1 || mo > 12) return false;
  if (s.size() == 7) {
    const int64_t start = MonthStartMs(y, mo);
    *out = {start, start + DaysInMonth(y, mo) * kDayMs};
    return true;
  }
  if (s.size() < 10 || !IsCalendarDate(s.substr(0, 10))) return false;
  Digits(s, 8, 2, &d);
  const int64_t day =
      DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kDayMs;
  if (s.size() == 10) {
    *out = {day, day + kDayMs};
    return true;
  }
  int hh = 0, mi = 0, ss = 0;
  if (s[10] != 'T' || !Digits(s, 11, 2, &hh) || s.size() < 19 || s[13] != ':' ||
      !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &ss) || hh > 23 || mi > 59 ||
      ss > 59)
    return false;
  size_t pos = 19;
  int64_t ms = 0;
  int64_t precision = 1000;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t first = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - first < 3) {
        ms = ms * 10 + (s[pos] - '0');
        precision /= 10;
      }
      ++pos;
    }
    if (pos == first || pos - first > 9) return false;
  }
  ms *= precision;                    // 1..3 digits scaled to milliseconds
  if (pos >= s.size()) return false;  // a zone is required
  int64_t offset_min = 0;
  if (s[pos] == 'Z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || om > 59 || oh > 14 || (oh == 14 && om != 0))
      return false;
    offset_min = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  const int64_t start = day + ((hh * 60 + mi) * 60 + ss) * int64_t{1000} + ms - offset_min * 60000;
  *out = {start, start + precision};
  return true;
}

}  // namespace vigil::fhir
