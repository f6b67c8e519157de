#include "cloud/fhir/fhir_json.h"

#include <openssl/evp.h>

#include "edge/uplink/envelope.h"

namespace vigil::fhir {

std::string Instant(int64_t unix_ms) { return uplink::UtcIso8601(unix_ms); }

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json Coding(std::string_view system, std::string_view code, std::string_view display) {
  Json c = {{"system", system}, {"code", code}};
  if (!display.empty()) c["display"] = display;
  return c;
}

}  // namespace vigil::fhir
