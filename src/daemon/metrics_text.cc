#include "daemon/metrics_text.h"

#include <cmath>
#include <cstdio>

namespace vigil {

namespace {

bool NameChar(char c, bool first, bool colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (colon && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

// HELP text escapes backslash and newline; label values also escape the double quote.
void Escape(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%.0f", v);
    return buf;
  }
  char buf[40];
  snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

bool MetricsText::ValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!NameChar(name[i], i == 0, true)) return false;
  return true;
}

bool MetricsText::ValidLabelName(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!NameChar(name[i], i == 0, false)) return false;
  return true;
}

void MetricsText::Add(std::string_view name, Type type, std::string_view help, double value,
                      const Labels& labels) {
  if (!ValidMetricName(name)) {
    ++invalid_;
    return;
  }
  for (const auto& [k, v] : labels) {
    if (!ValidLabelName(k)) {
      ++invalid_;
      return;
    }
  }
  Family* fam = nullptr;
  for (Family& f : families_)
    if (f.name == name) fam = &f;
  if (fam == nullptr) {
    families_.push_back(Family{std::string(name), type, std::string(help), {}});
    fam = &families_.back();
  } else if (fam->type != type) {
    ++invalid_;
    return;
  }
  std::string line(name);
  if (!labels.empty()) {
    line += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) line += ',';
      line += labels[i].first;
      line += "=\"";
      Escape(line, labels[i].second, true);
      line += '"';
    }
    line += '}';
  }
  line += ' ';
  line += FormatValue(value);
  fam->samples.push_back(std::move(line));
}

std::string MetricsText::Render() const {
  std::string out;
  for (const Family& f : families_) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    Escape(out, f.help, false);
    out += "\n# TYPE ";
    out += f.name;
    out += f.type == Type::kCounter ? " counter\n" : " gauge\n";
    for (const std::string& s : f.samples) {
      out += s;
      out += '\n';
    }
  }
  return out;
}

}  // namespace vigil
