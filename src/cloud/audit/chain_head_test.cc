#include "cloud/audit/chain_head.h"

#include <gtest/gtest.h>

#include "common/hex.h"

namespace vigil::audit {
namespace {

// RFC 8032 section 7.1, TEST 1: the secret key and the public key it gives.
constexpr char kRfc8032Secret[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kRfc8032Public[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

ChainHead SomeHead() {
  ChainHead h;
  h.seq = 1234;
  for (size_t i = 0; i < h.hash.size(); ++i) h.hash[i] = static_cast<uint8_t>(i * 7);
  return h;
}

TEST(ChainHead, PublicKeyIsTheRfc8032OneForItsSeed) {
  HeadSigner s;
  ASSERT_EQ(s.Init(*FromHex(kRfc8032Secret)), Error::kOk);
  EXPECT_EQ(ToHex(s.public_key()), kRfc8032Public);
}

TEST(ChainHead, SignedHeadVerifiesUnderThePublicKeyOnly) {
  HeadSigner s;
  ASSERT_EQ(s.Init(*FromHex(kRfc8032Secret)), Error::kOk);
  SignedHead h;
  ASSERT_EQ(s.Sign(SomeHead(), 1714564800123, &h), Error::kOk);
  HeadVerifier v;
  ASSERT_EQ(v.Init(*FromHex(kRfc8032Public)), Error::kOk);
  EXPECT_TRUE(v.Verify(h));

  SignedHead later_time = h;
  later_time.time_ms += 1;
  EXPECT_FALSE(v.Verify(later_time));
  SignedHead other_seq = h;
  other_seq.head.seq -= 1;
  EXPECT_FALSE(v.Verify(other_seq));
  SignedHead other_hash = h;
  other_hash.head.hash[31] ^= 0x80;
  EXPECT_FALSE(v.Verify(other_hash));
  SignedHead bad_sig = h;
  bad_sig.signature[10] ^= 1;
  EXPECT_FALSE(v.Verify(bad_sig));

  HeadVerifier stranger;
  std::vector<uint8_t> pk = *FromHex(kRfc8032Public);
  pk[0] ^= 1;
  if (stranger.Init(pk) == Error::kOk) {
    EXPECT_FALSE(stranger.Verify(h));
  }
}

TEST(ChainHead, MessageIsDomainSeparatedAndFixedLength) {
  const std::string m = HeadMessage(SomeHead(), 5);
  EXPECT_EQ(m.size(), kHeadDomain.size() + 8 + 32 + 8);
  EXPECT_EQ(m.substr(0, kHeadDomain.size()), kHeadDomain);
}

TEST(ChainHead, TextFormReadsBackToTheSameHead) {
  HeadSigner s;
  ASSERT_EQ(s.Init(*FromHex(kRfc8032Secret)), Error::kOk);
  SignedHead h;
  ASSERT_EQ(s.Sign(SomeHead(), 1714564800123, &h), Error::kOk);
  const std::string line = FormatSignedHead(h);
  EXPECT_EQ(line.substr(0, 45), "vigil-audit-head-v1 1234 00070e151c232a31383f");
  SignedHead back;
  ASSERT_TRUE(ParseSignedHead(line, &back));
  EXPECT_EQ(back.head, h.head);
  EXPECT_EQ(back.time_ms, h.time_ms);
  EXPECT_EQ(back.signature, h.signature);
  ASSERT_TRUE(ParseSignedHead(line + "\n", &back));
}

TEST(ChainHead, MalformedTextFormIsRefusedAndNothingIsRead) {
  HeadSigner s;
  ASSERT_EQ(s.Init(*FromHex(kRfc8032Secret)), Error::kOk);
  SignedHead h;
  ASSERT_EQ(s.Sign(SomeHead(), 1714564800123, &h), Error::kOk);
  const std::string line = FormatSignedHead(h);
  std::vector<std::string> bad = {
      "",
      line + " ",
      line + "\n\n",
      " " + line,
      "vigil-audit-head-v2" + line.substr(19),
      line.substr(0, line.size() - 1),  // a signature one digit short
  };
  std::string upper = line;
  upper[upper.size() - 1] = 'A';
  bad.push_back(upper);
  std::string leading_zero = line;
  leading_zero.insert(20, "0");
  bad.push_back(leading_zero);
  std::string two_spaces = line;
  two_spaces.insert(19, " ");
  bad.push_back(two_spaces);
  for (size_t cut = 0; cut < line.size(); cut += 7) bad.push_back(line.substr(0, cut));
  for (const std::string& b : bad) {
    SignedHead out;
    out.head.seq = 77;
    EXPECT_FALSE(ParseSignedHead(b, &out)) << b;
    EXPECT_EQ(out.head.seq, 77u);
  }
}

TEST(ChainHead, KeysOfTheWrongLengthAreRefused) {
  HeadSigner s;
  const std::vector<uint8_t> short_key(31, 1);
  EXPECT_EQ(s.Init(short_key), Error::kInvalidArgument);
  EXPECT_FALSE(s.ready());
  HeadVerifier v;
  const std::vector<uint8_t> long_key(33, 1);
  EXPECT_EQ(v.Init(long_key), Error::kInvalidArgument);
  EXPECT_FALSE(v.ready());
}

}  // namespace
}  // namespace vigil::audit
