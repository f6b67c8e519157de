#include "daemon/uplink_settings.h"

#include <arpa/inet.h>

#include <charconv>
#include <utility>

#include "edge/uplink/envelope.h"

namespace vigil {

bool ParseBrokerAddress(std::string_view text, std::string* host, uint16_t* port,
                        std::string* why) {
  auto fail = [&](const char* msg) {
    if (why) *why = std::string(msg) + ": \"" + std::string(text) + "\"";
    return false;
  };
  std::string h;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("expected [ipv6]:port");
    h = std::string(text.substr(1, close - 1));
    in6_addr a{};
    if (inet_pton(AF_INET6, h.c_str(), &a) != 1) return fail("not an IPv6 address");
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return fail("expected host:port");
    h = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    for (char c : h) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-';
      if (!ok) return fail("expected a DNS name or an address as host");
    }
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || p == 0 || p > 65535)
    return fail("expected a port 1..65535");
  *host = h;
  *port = static_cast<uint16_t>(p);
  return true;
}

std::string ValidateUplinkSettings(const UplinkSettings& s) {
  if (!s.enabled) return "";
  std::string why, host;
  uint16_t port = 0;
  if (!ParseBrokerAddress(s.broker, &host, &port, &why)) return "broker: " + why;
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"ca", &s.ca},
                                     {"cert", &s.cert},
                                     {"key", &s.key},
                                     {"site", &s.site},
                                     {"gateway_id", &s.gateway_id},
                                     {"queue", &s.queue}}) {
    if (value->empty()) return std::string(field) + ": required";
  }
  if (!uplink::IsTopicLevel(s.site))
    return "site: \"" + s.site + "\": use 1..64 of letters, digits, '.', '_', '-'";
  if (!uplink::IsTopicLevel(s.gateway_id))
    return "gateway_id: \"" + s.gateway_id + "\": use 1..64 of letters, digits, '.', '_', '-'";
  if (s.reconnect_min_ms > s.reconnect_max_ms)
    return "reconnect_min_ms: larger than reconnect_max_ms";
  return "";
}

}  // namespace vigil
