#include "daemon/metrics_text.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(MetricsText, SamplesOfOneFamilyStayTogetherUnderOneHelpAndType) {
  MetricsText m;
  m.Counter("vigil_alerts_total", "Alerts raised.", 3, {{"signature_id", "9100001"}});
  m.Gauge("vigil_sessions", "Associated devices.", 7);
  m.Counter("vigil_alerts_total", "Alerts raised.", 1, {{"signature_id", "9100002"}});
  EXPECT_EQ(m.Render(),
            "# HELP vigil_alerts_total Alerts raised.\n"
            "# TYPE vigil_alerts_total counter\n"
            "vigil_alerts_total{signature_id=\"9100001\"} 3\n"
            "vigil_alerts_total{signature_id=\"9100002\"} 1\n"
            "# HELP vigil_sessions Associated devices.\n"
            "# TYPE vigil_sessions gauge\n"
            "vigil_sessions 7\n");
}

TEST(MetricsText, LabelValuesCannotBreakOutOfTheirQuotes) {
  MetricsText m;
  m.Gauge("vigil_x", "help with \\ and\nnewline", 1, {{"path", "a\"b\\c\nd"}});
  EXPECT_EQ(m.Render(),
            "# HELP vigil_x help with \\\\ and\\nnewline\n"
            "# TYPE vigil_x gauge\n"
            "vigil_x{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsText, InvalidNamesAreSkippedNotRendered) {
  MetricsText m;
  m.Gauge("9starts_with_digit", "", 1);
  m.Gauge("has-dash", "", 1);
  m.Gauge("vigil_ok", "", 1, {{"__reserved", "x"}});
  m.Gauge("vigil_ok", "", 1, {{"bad-label", "x"}});
  m.Counter("vigil_typed", "", 1);
  m.Gauge("vigil_typed", "", 1);  // a family has one type
  EXPECT_EQ(m.invalid(), 5u);
  EXPECT_EQ(m.Render(), "# HELP vigil_typed \n# TYPE vigil_typed counter\nvigil_typed 1\n");
}

TEST(MetricsText, ValuesUseTheFormatsSpellingOfSpecialFloats) {
  MetricsText m;
  m.Gauge("a", "", 0.25);
  m.Gauge("b", "", 1.0 / 0.0);
  m.Gauge("c", "", 12345678901.0);
  const std::string r = m.Render();
  EXPECT_NE(r.find("\na 0.25\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\nb +Inf\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\nc 12345678901\n"), std::string::npos) << r;
}

}  // namespace
}  // namespace vigil
