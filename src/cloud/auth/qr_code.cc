#include "cloud/auth/qr_code.h"

#include <qrencode.h>

#include <memory>

namespace vigil::auth {

std::optional<QrMatrix> EncodeQr(std::string_view text) {
  if (text.empty() || text.size() > 2048) return std::nullopt;
  const std::string s(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(s.size()),
                        reinterpret_cast<const unsigned char*>(s.data()), 0, QR_ECLEVEL_M),
      QRcode_free);
  if (!code || code->width <= 0) return std::nullopt;
  QrMatrix m;
  m.size = code->width;
  const auto n = static_cast<size_t>(m.size) * static_cast<size_t>(m.size);
  m.dark.resize(n);
  for (size_t i = 0; i < n; ++i) m.dark[i] = code->data[i] & 1;
  return m;
}

std::string QrSvg(const QrMatrix& qr, int module_px) {
  const int full = qr.size + 2 * kQrQuietZone;
  const std::string px = std::to_string(full * module_px);
  std::string path;
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size; ++x) {
      if (!qr.Dark(x, y)) continue;
      path += "M" + std::to_string(x + kQrQuietZone) + " " + std::to_string(y + kQrQuietZone) +
              "h1v1h-1z";
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px + "\" height=\"" + px +
         "\" viewBox=\"0 0 " + std::to_string(full) + " " + std::to_string(full) +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
         "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

std::string QrTerminal(const QrMatrix& qr) {
  std::string out;
  const int lo = -kQrQuietZone, hi = qr.size + kQrQuietZone;
  for (int y = lo; y < hi; y += 2) {
    for (int x = lo; x < hi; ++x) {
      const bool top_light = !qr.Dark(x, y);
      const bool bottom_light = y + 1 < hi && !qr.Dark(x, y + 1);
      if (top_light && bottom_light) {
        out += "\u2588";
      } else if (top_light) {
        out += "\u2580";
      } else if (bottom_light) {
        out += "\u2584";
      } else {
        out += " ";
      }
    }
    out += "\n";
  }
  return out;
}

std::string TerminalQr(std::string_view text) {
  const std::optional<QrMatrix> m = EncodeQr(text);
  return m ? QrTerminal(*m) : "";
}

}  // namespace vigil::auth
