// QR codes of otpauth:// URIs (and any short text), encoded by libqrencode and drawn two
// ways: an SVG for the dashboard's enrolment page and UTF-8 half blocks for a terminal
// (`vigil cloud user add --totp`, the demo's accounts).
//
// The terminal drawing packs two module rows per character line with U+2580 (upper
// half), U+2584 (lower half) and U+2588 (full block), drawn in the terminal's foreground
// colour for *light* modules, so that on the usual dark background the code reads dark on
// light as scanners expect; the quiet zone (4 modules, ISO/IEC 18004) is drawn too.
//
// Thread-safety: libqrencode is built thread-safe on Debian (pthread); these are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::auth {

struct QrMatrix {
  int size = 0;               // modules per side, without the quiet zone
  std::vector<uint8_t> dark;  // size * size, row-major, 1 = dark module
  bool Dark(int x, int y) const {
    return x >= 0 && y >= 0 && x < size && y < size && dark[static_cast<size_t>(y * size + x)];
  }
};

inline constexpr int kQrQuietZone = 4;

// Error correction level M (15 %), 8-bit mode, the smallest version that fits. nullopt
// when libqrencode refuses (empty or too long text, no memory).
std::optional<QrMatrix> EncodeQr(std::string_view text);

// A standalone SVG (one path, crisp edges), `module_px` pixels per module.
std::string QrSvg(const QrMatrix& qr, int module_px = 4);

// The terminal drawing described above, lines ending in '\n'.
std::string QrTerminal(const QrMatrix& qr);

// EncodeQr then QrTerminal; "" when the text cannot be encoded. For any command that
// shows a TOTP secret to a person at a terminal.
std::string TerminalQr(std::string_view text);

}  // namespace vigil::auth
