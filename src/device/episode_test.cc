#include "device/episode.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil {
namespace {

TEST(Episode, TextFormFillsEveryField) {
  Episode e;
  std::string why;
  ASSERT_EQ(ParseEpisode("sepsis,onset=2h,ramp=30m,severity=0.8,duration=90s", &e, &why),
            Error::kOk)
      << why;
  EXPECT_EQ(e.kind, EpisodeKind::kSepsis);
  EXPECT_EQ(e.onset, 2 * 3600 * kSeconds);
  EXPECT_EQ(e.ramp, 30 * 60 * kSeconds);
  EXPECT_EQ(e.severity, 0.8);
  EXPECT_EQ(e.duration, 90 * kSeconds);
  ASSERT_EQ(ParseEpisode("hypoxia", &e, &why), Error::kOk);
  EXPECT_EQ(e.kind, EpisodeKind::kHypoxia);
  EXPECT_EQ(e.onset, 0);
  EXPECT_EQ(e.duration, kNever);
}

TEST(Episode, MistakesAreNamedAndChangeNothing) {
  Episode e;
  e.severity = 0.3;
  std::string why;
  struct Case {
    const char* text;
    const char* mentions;
  };
  for (const Case& c :
       {Case{"fever", "unknown kind"}, Case{"sepsis,onset=2", "onset"},
        Case{"sepsis,ramp=0s", "ramp"}, Case{"sepsis,severity=1.5", "severity"},
        Case{"sepsis,severity=x", "severity"}, Case{"sepsis,speed=3", "unknown key"},
        Case{"sepsis,onset", "key=value"}, Case{"sepsis,onset=-5m", "onset"}}) {
    why.clear();
    EXPECT_EQ(ParseEpisode(c.text, &e, &why), Error::kInvalidArgument) << c.text;
    EXPECT_NE(why.find(c.mentions), std::string::npos) << c.text << ": " << why;
    EXPECT_EQ(e.severity, 0.3) << c.text;
  }
}

TEST(Episode, ScheduleIsBoundedAndChecksEachEpisode) {
  EpisodeSchedule s;
  Episode bad;
  bad.ramp = 0;
  const char* why = nullptr;
  EXPECT_EQ(s.Add(bad, &why), Error::kInvalidArgument);
  EXPECT_STREQ(why, "ramp: must be positive");
  for (size_t i = 0; i < EpisodeSchedule::kMaxEpisodes; ++i)
    EXPECT_EQ(s.Add(Episode{}), Error::kOk);
  EXPECT_EQ(s.Add(Episode{}), Error::kNoBufs);
  EXPECT_EQ(s.size(), EpisodeSchedule::kMaxEpisodes);
}

TEST(Episode, KindNamesRoundTrip) {
  for (EpisodeKind k : {EpisodeKind::kSepsis, EpisodeKind::kHypoxia, EpisodeKind::kHypotension})
    EXPECT_EQ(EpisodeKindFromName(EpisodeKindName(k)), k);
  EXPECT_FALSE(EpisodeKindFromName("Sepsis").has_value());
}

}  // namespace
}  // namespace vigil
