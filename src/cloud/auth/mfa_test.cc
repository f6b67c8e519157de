#include "cloud/auth/mfa.h"

#include <gtest/gtest.h>

#include "cloud/auth/base64url.h"
#include "cloud/auth/recovery_codes.h"

namespace vigil::auth {
namespace {

constexpr TimeUs kNow = 1'750'000'020LL * kSeconds;
constexpr TimeUs kStep = 30 * kSeconds;

// The secret as an authenticator app reads it from the URI (base32 decoded).
std::vector<uint8_t> SecretOf(InMemoryMfaStore& store, const std::string& user) {
  std::optional<TotpRecord> r;
  EXPECT_EQ(store.FindTotp(user, &r), Error::kOk);
  return r ? r->secret : std::vector<uint8_t>{};
}

std::string CodeAt(const std::vector<uint8_t>& secret, TimeUs t) {
  TotpParams p;
  return *TotpCodeAt(secret, TotpStep(t, p), p);
}

TEST(Mfa, EnrolmentIsPendingUntilAFirstCodeConfirmsIt) {
  InMemoryMfaStore store;
  MfaConfig cfg;
  TotpOffer offer;
  ASSERT_EQ(BeginTotpEnrolment(store, "ada", kNow, cfg, &offer), Error::kOk);
  EXPECT_EQ(offer.secret_base32.size(), 32u) << "20 bytes in base32";
  EXPECT_NE(offer.otpauth_uri.find("secret=" + offer.secret_base32), std::string::npos);
  const auto secret = SecretOf(store, "ada");
  EXPECT_EQ(Base32Encode(secret), offer.secret_base32);

  SecondFactorCheck c;
  ASSERT_EQ(CheckSecondFactor(store, "ada", CodeAt(secret, kNow), kNow, cfg, &c), Error::kOk);
  EXPECT_EQ(c.result, SecondFactor::kNotEnrolled) << "a pending secret is no second factor";

  std::vector<std::string> codes;
  // A code of ten steps later is outside the window (and, for this secret, no neighbour's).
  EXPECT_EQ(
      ConfirmTotpEnrolment(store, "ada", CodeAt(secret, kNow + 10 * kStep), kNow, cfg, &codes),
      Error::kInvalidArgument);
  ASSERT_EQ(ConfirmTotpEnrolment(store, "ada", CodeAt(secret, kNow), kNow, cfg, &codes),
            Error::kOk);
  EXPECT_EQ(codes.size(), kRecoveryCodeCount);
  // The confirming code is spent: the login right after needs the next one.
  ASSERT_EQ(CheckSecondFactor(store, "ada", CodeAt(secret, kNow), kNow + kSeconds, cfg, &c),
            Error::kOk);
  EXPECT_EQ(c.result, SecondFactor::kReplayed);
  ASSERT_EQ(CheckSecondFactor(store, "ada", CodeAt(secret, kNow + kStep), kNow + kStep, cfg, &c),
            Error::kOk);
  EXPECT_EQ(c.result, SecondFactor::kTotp);
}

TEST(Mfa, ConfirmedSecretIsNotReplacedByANewEnrolment) {
  InMemoryMfaStore store;
  TotpEnrolment en;
  ASSERT_EQ(EnrolTotp(store, "ada", kNow, MfaConfig{}, &en), Error::kOk);
  TotpOffer offer;
  EXPECT_EQ(BeginTotpEnrolment(store, "ada", kNow, MfaConfig{}, &offer), Error::kInvalidState);
}

TEST(Mfa, ProgrammaticEnrolmentAcceptsTheVeryNextCode) {
  InMemoryMfaStore store;
  MfaConfig cfg;
  TotpEnrolment en;
  ASSERT_EQ(EnrolTotp(store, "ada", kNow, cfg, &en), Error::kOk);
  EXPECT_EQ(en.recovery_codes.size(), kRecoveryCodeCount);
  const auto secret = SecretOf(store, "ada");
  EXPECT_EQ(Base32Encode(secret), en.offer.secret_base32);
  SecondFactorCheck c;
  // A code of the previous step (a phone a little slow) is still fine at once.
  ASSERT_EQ(CheckSecondFactor(store, "ada", CodeAt(secret, kNow - kStep), kNow, cfg, &c),
            Error::kOk);
  EXPECT_EQ(c.result, SecondFactor::kTotp);
  const std::string text = TotpTerminalText("ada", en);
  EXPECT_NE(text.find(en.offer.secret_base32), std::string::npos);
  EXPECT_NE(text.find("\u2588"), std::string::npos) << "the QR code is drawn";
  EXPECT_NE(text.find(en.recovery_codes[0]), std::string::npos);
}

TEST(Mfa, RecoveryCodeWorksOnceAndOnlyForItsUser) {
  InMemoryMfaStore store;
  MfaConfig cfg;
  TotpEnrolment ada, bob;
  ASSERT_EQ(EnrolTotp(store, "ada", kNow, cfg, &ada), Error::kOk);
  ASSERT_EQ(EnrolTotp(store, "bob", kNow, cfg, &bob), Error::kOk);
  SecondFactorCheck c;
  ASSERT_EQ(CheckSecondFactor(store, "bob", ada.recovery_codes[3], kNow, cfg, &c), Error::kOk);
  EXPECT_EQ(c.result, SecondFactor::kWrong) << "ada's code is no use to bob";
  ASSERT_EQ(CheckSecondFactor(store, "ada", ada.recovery_codes[3], kNow, cfg, &c), Error::kOk);
  EXPECT_EQ(c.result, SecondFactor::kRecoveryCode);
  EXPECT_EQ(c.recovery_left, kRecoveryCodeCount - 1);
  ASSERT_EQ(CheckSecondFactor(store, "ada", ada.recovery_codes[3], kNow, cfg, &c), Error::kOk);
  EXPECT_EQ(c.result, SecondFactor::kWrong) << "used up";
  ASSERT_EQ(CheckSecondFactor(store, "ada", "not a code", kNow, cfg, &c), Error::kOk);
  EXPECT_EQ(c.result, SecondFactor::kMalformed);
}

TEST(Mfa, TicketsAreOpaqueAndStoredHashed) {
  InMemoryMfaStore store;
  MfaConfig cfg;
  std::string t;
  ASSERT_EQ(IssueTicket(store, "ada", kNow, cfg, &t), Error::kOk);
  ASSERT_EQ(t.size(), 43u);
  const auto h = TicketHash(t);
  ASSERT_TRUE(h.has_value());
  std::optional<MfaTicket> found;
  ASSERT_EQ(store.FindTicket(*h, &found), Error::kOk);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id, "ada");
  EXPECT_EQ(found->expires, kNow + cfg.ticket_ttl);
  EXPECT_EQ(std::string(found->hash.begin(), found->hash.end()).find(t), std::string::npos);
  bool taken = false;
  ASSERT_EQ(store.TakeTicket(*h, &taken), Error::kOk);
  EXPECT_TRUE(taken);
  ASSERT_EQ(store.TakeTicket(*h, &taken), Error::kOk);
  EXPECT_FALSE(taken) << "a ticket is taken once";
  for (const std::string& bad : {std::string(""), t.substr(1), t + "A", std::string(43, '!')}) {
    EXPECT_FALSE(TicketHash(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vigil::auth
