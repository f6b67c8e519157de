// The downlink's signed commands: each way a command can be wrong (forged, tampered,
// replayed, expired, early, for another gateway) is refused with its own verdict.
#include "edge/uplink/command.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <vector>

namespace vigil::uplink {
namespace {

constexpr int64_t kNow = 1'750'000'000'000;

std::vector<uint8_t> Seed(uint8_t b) { return std::vector<uint8_t>(kCommandSeedBytes, b); }

Command Make(const std::string& id, uint8_t nonce_byte, int64_t issued = kNow - 1000,
             int64_t expires = kNow + 3'600'000, const std::string& gateway = "gw-01") {
  Command c;
  c.id = id;
  c.site = "site-a";
  c.gateway = gateway;
  c.device_uid = 0x00124b0001a2b3c4;
  c.issued_ms = issued;
  c.expires_ms = expires;
  c.nonce.fill(nonce_byte);
  return c;
}

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(signer_.Init(Seed(7)), Error::kOk);
    ASSERT_EQ(verifier_.Init(signer_.public_key()), Error::kOk);
  }
  std::string Signed(Command c, const CommandSigner* with = nullptr) {
    EXPECT_EQ((with ? *with : signer_).Sign(&c), Error::kOk);
    return FormatCommand(c);
  }
  CommandSigner signer_;
  CommandVerifier verifier_;
};

TEST_F(CommandTest, SignedCommandForThisGatewayIsAcceptedAndParsesBackExactly) {
  CommandGuard guard(verifier_, "site-a", "gw-01");
  const std::string line = Signed(Make("cmd-1", 1));
  Command got;
  EXPECT_EQ(guard.Check(line, kNow, &got), CommandVerdict::kAccepted);
  EXPECT_EQ(got.id, "cmd-1");
  EXPECT_EQ(got.device_uid, 0x00124b0001a2b3c4u);
  EXPECT_EQ(FormatCommand(got), line);
  EXPECT_EQ(line.rfind("vigil-command-v1 cmd-1 site-a gw-01 revoke 00124b0001a2b3c4 ", 0), 0u);
}

TEST_F(CommandTest, CommandSignedWithAnotherKeyIsForged) {
  CommandSigner rogue;
  ASSERT_EQ(rogue.Init(Seed(9)), Error::kOk);
  CommandGuard guard(verifier_, "site-a", "gw-01");
  EXPECT_EQ(guard.Check(Signed(Make("cmd-1", 1), &rogue), kNow, nullptr), CommandVerdict::kForged);
  EXPECT_EQ(guard.remembered(), 0u) << "a forgery must not use up an id";
}

TEST_F(CommandTest, EveryFlippedByteIsRefusedAsMalformedOrForged) {
  const std::string line = Signed(Make("cmd-1", 1));
  for (size_t i = 0; i < line.size(); ++i) {
    std::string bad = line;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    CommandGuard guard(verifier_, "site-a", "gw-01");
    const CommandVerdict v = guard.Check(bad, kNow, nullptr);
    EXPECT_TRUE(v == CommandVerdict::kMalformed || v == CommandVerdict::kForged)
        << "byte " << i << ": " << CommandVerdictName(v);
  }
}

TEST_F(CommandTest, SameCommandTwiceIsReplayedAndSoIsAnotherIdWithTheSameNonce) {
  CommandGuard guard(verifier_, "site-a", "gw-01");
  const std::string line = Signed(Make("cmd-1", 1));
  ASSERT_EQ(guard.Check(line, kNow, nullptr), CommandVerdict::kAccepted);
  Command again;
  EXPECT_EQ(guard.Check(line, kNow + 10, &again), CommandVerdict::kReplayed);
  EXPECT_TRUE(guard.WasAccepted(again)) << "the same command again: acknowledged again";
  Command reused;
  EXPECT_EQ(guard.Check(Signed(Make("cmd-2", 1)), kNow + 20, &reused), CommandVerdict::kReplayed);
  EXPECT_FALSE(guard.WasAccepted(reused)) << "a reused nonce is not the command accepted";
  EXPECT_EQ(guard.Check(Signed(Make("cmd-1", 2)), kNow + 30, nullptr), CommandVerdict::kReplayed);
  EXPECT_EQ(guard.Check(Signed(Make("cmd-3", 3)), kNow + 40, nullptr), CommandVerdict::kAccepted);
}

TEST_F(CommandTest, ReplayAfterARestartIsRefusedFromTheExportedMemory) {
  CommandGuard before(verifier_, "site-a", "gw-01");
  const std::string line = Signed(Make("cmd-1", 1));
  ASSERT_EQ(before.Check(line, kNow, nullptr), CommandVerdict::kAccepted);
  CommandGuard after(verifier_, "site-a", "gw-01");
  after.Import(before.Export() + "damaged line\n");
  EXPECT_EQ(after.remembered(), 1u);
  EXPECT_EQ(after.Check(line, kNow + 5000, nullptr), CommandVerdict::kReplayed);
}

TEST_F(CommandTest, ExpiredCommandIsRefusedEvenWhenNeverSeen) {
  CommandGuard guard(verifier_, "site-a", "gw-01");
  EXPECT_EQ(guard.Check(Signed(Make("cmd-1", 1, kNow - 7'200'000, kNow - 1)), kNow, nullptr),
            CommandVerdict::kExpired);
}

TEST_F(CommandTest, CommandIssuedBeyondTheClockSkewIsNotYetValid) {
  CommandGuard guard(verifier_, "site-a", "gw-01", 60'000);
  EXPECT_EQ(guard.Check(Signed(Make("cmd-1", 1, kNow + 120'000, kNow + 3'600'000)), kNow, nullptr),
            CommandVerdict::kNotYetValid);
  EXPECT_EQ(guard.Check(Signed(Make("cmd-2", 2, kNow + 30'000, kNow + 3'600'000)), kNow, nullptr),
            CommandVerdict::kAccepted);
}

TEST_F(CommandTest, CommandForAnotherGatewayOrSiteIsMisaddressed) {
  CommandGuard guard(verifier_, "site-a", "gw-02");
  EXPECT_EQ(guard.Check(Signed(Make("cmd-1", 1)), kNow, nullptr), CommandVerdict::kMisaddressed);
  CommandGuard other_site(verifier_, "site-b", "gw-01");
  EXPECT_EQ(other_site.Check(Signed(Make("cmd-1", 1)), kNow, nullptr),
            CommandVerdict::kMisaddressed);
}

TEST_F(CommandTest, MalformedLinesAreRefusedBeforeAnyCryptography) {
  CommandGuard guard(verifier_, "site-a", "gw-01");
  const std::string good = Signed(Make("cmd-1", 1));
  for (const std::string& bad :
       {std::string(), std::string("vigil-command-v1"), good + " extra", good + "\n\n", " " + good,
        good.substr(0, good.size() - 1), std::string(600, 'a')}) {
    EXPECT_EQ(guard.Check(bad, kNow, nullptr), CommandVerdict::kMalformed) << bad;
  }
  EXPECT_EQ(guard.Check(good + "\n", kNow, nullptr), CommandVerdict::kAccepted);
}

TEST_F(CommandTest, PublicKeyTravelsAsPemAndOnlyAnEd25519KeyIsTaken) {
  const std::string pem = signer_.PublicKeyPem();
  ASSERT_NE(pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  CommandVerifier from_pem;
  ASSERT_EQ(from_pem.InitPem(pem), Error::kOk);
  CommandGuard guard(from_pem, "site-a", "gw-01");
  EXPECT_EQ(guard.Check(Signed(Make("cmd-1", 1)), kNow, nullptr), CommandVerdict::kAccepted);
  // An EC P-256 public key (not Ed25519) is refused: no algorithm confusion.
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/uplink/commands/ec-p256.pub.pem");
  const std::string ec_pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(ec_pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  CommandVerifier ec;
  EXPECT_EQ(ec.InitPem(ec_pem), Error::kInvalidArgument);
  EXPECT_EQ(ec.InitPem("not a key"), Error::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::uplink
