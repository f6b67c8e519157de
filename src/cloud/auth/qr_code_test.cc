#include "cloud/auth/qr_code.h"

#include <gtest/gtest.h>

namespace vigil::auth {
namespace {

TEST(QrCode, MatrixHasThreeFinderPatternsAtItsCorners) {
  const auto m = EncodeQr("otpauth://totp/Vigil:nurse?secret=MZXW6YTBOI&issuer=Vigil");
  ASSERT_TRUE(m.has_value());
  EXPECT_GE(m->size, 21);
  EXPECT_EQ((m->size - 17) % 4, 0) << "a QR version's side is 17 + 4v";
  // A finder pattern: a dark 7x7 ring, a light ring inside, a dark 3x3 core.
  const auto finder = [&](int ox, int oy) {
    for (int y = 0; y < 7; ++y)
      for (int x = 0; x < 7; ++x) {
        const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
        const bool core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
        if (m->Dark(ox + x, oy + y) != (ring || core)) return false;
      }
    return true;
  };
  EXPECT_TRUE(finder(0, 0));
  EXPECT_TRUE(finder(m->size - 7, 0));
  EXPECT_TRUE(finder(0, m->size - 7));
  EXPECT_FALSE(finder(m->size - 7, m->size - 7)) << "the fourth corner has none";
}

TEST(QrCode, EmptyOrOverlongTextIsRefused) {
  EXPECT_FALSE(EncodeQr("").has_value());
  EXPECT_FALSE(EncodeQr(std::string(5000, 'a')).has_value());
  EXPECT_EQ(TerminalQr(""), "");
}

TEST(QrCode, TerminalDrawingHasOneCharacterPerModuleAndTwoRowsPerLine) {
  const auto m = EncodeQr("hello");
  ASSERT_TRUE(m.has_value());
  const std::string t = QrTerminal(*m);
  const int side = m->size + 2 * kQrQuietZone;
  size_t lines = 0, pos = 0;
  while ((pos = t.find('\n', pos)) != std::string::npos) {
    ++lines;
    ++pos;
  }
  EXPECT_EQ(lines, static_cast<size_t>((side + 1) / 2));
  // The first line is quiet zone only: light on light, full blocks (3 bytes each).
  const std::string first = t.substr(0, t.find('\n'));
  EXPECT_EQ(first.size(), static_cast<size_t>(side) * 3);
  EXPECT_EQ(first.substr(0, 3), "\u2588");
  // The finder's top edge (row 4 of the drawing, line 2, top half) is dark: a line with
  // lower halves only where the quiet zone's last row meets it.
  EXPECT_NE(t.find("\u2584"), std::string::npos);
}

TEST(QrCode, SvgNamesItsSizeAndDrawsOnlyDarkModules) {
  const auto m = EncodeQr("hello");
  ASSERT_TRUE(m.has_value());
  const std::string svg = QrSvg(*m, 4);
  const int side = m->size + 2 * kQrQuietZone;
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(side) + " " + std::to_string(side)),
            std::string::npos);
  size_t dark = 0;
  for (uint8_t d : m->dark) dark += d;
  size_t squares = 0, pos = 0;
  while ((pos = svg.find("h1v1h-1z", pos)) != std::string::npos) {
    ++squares;
    ++pos;
  }
  EXPECT_EQ(squares, dark);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace vigil::auth
