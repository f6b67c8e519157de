#include "cloud/web/security_headers.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace vigil::cloud::web {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void SetIfAbsent(HttpResponse* r, std::string_view name, std::string_view value) {
  for (const auto& [k, v] : r->headers)
    if (SameName(k, name)) return;
  r->headers.emplace_back(std::string(name), std::string(value));
}

}  // namespace

void ApplySecurityHeaders(HttpResponse* r) {
  const bool page = r->content_type.starts_with("text/html");
  SetIfAbsent(r, "Content-Security-Policy", page ? kPagePolicy : kApiPolicy);
  SetIfAbsent(r, "X-Content-Type-Options", "nosniff");
  SetIfAbsent(r, "X-Frame-Options", "DENY");
  SetIfAbsent(r, "Referrer-Policy", "no-referrer");
  SetIfAbsent(r, "Cross-Origin-Opener-Policy", "same-origin");
  SetIfAbsent(r, "Cross-Origin-Resource-Policy", "same-origin");
  SetIfAbsent(r, "Permissions-Policy",
              "camera=(), microphone=(), geolocation=(), usb=(), payment=(), "
              "interest-cohort=()");
}

}  // namespace vigil::cloud::web
