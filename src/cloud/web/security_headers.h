// The headers every answer of the cloud's HTTPS listener carries (docs/dashboard.md,
// "Security headers"), on top of the HTTP server's defaults (daemon/http_server.h) and
// its HSTS over TLS:
//
// | header                       | page (text/html)                   | everything else    |
// |------------------------------|------------------------------------|--------------------|
// | Content-Security-Policy      | kPagePolicy: scripts, styles and   | kApiPolicy:        |
// |                              | connections from 'self' only, no   | nothing loads,     |
// |                              | inline code, no eval, no frames,   | nothing frames it  |
// |                              | Trusted Types (no HTML sinks)      |                    |
// | X-Content-Type-Options       | nosniff                            | nosniff            |
// | X-Frame-Options              | DENY                               | DENY               |
// | Referrer-Policy              | no-referrer                        | no-referrer        |
// | Cross-Origin-Opener-Policy   | same-origin                        | same-origin        |
// | Cross-Origin-Resource-Policy | same-origin                        | same-origin        |
// | Permissions-Policy           | every powerful feature off         | the same           |
//
// A header the handler set already (e.g. Cache-Control of a static file) is kept; these
// replace only the server's defaults.
#pragma once

#include <string_view>

#include "daemon/http_server.h"

namespace vigil::cloud::web {

inline constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'";
inline constexpr std::string_view kApiPolicy =
    "default-src 'none'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'";

void ApplySecurityHeaders(HttpResponse* r);

}  // namespace vigil::cloud::web
