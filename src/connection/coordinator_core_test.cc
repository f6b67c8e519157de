// The coordinator's data path makes no C++ heap allocation once warm: a gateway receives
// frames from thousands of devices, and an allocator call per frame would be the largest
// cost after the tag check. (OpenSSL 3.0 allocates inside a prepared HMAC; that is the
// back-end's and is measured in openssl_provider_test.cc.)
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "connection/loopback_pan.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_news{0};
}  // namespace

// Replacing the global allocation functions pairs malloc with free by construction; GCC
// cannot see that once they are inlined into each other.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  if (g_counting) ++g_news;
  void* p = std::malloc(n ? n : 1);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
// The nothrow forms must come from the same allocator as the deletes above (the standard
// library's temporary buffers use them).
void* operator new(size_t n, const std::nothrow_t&) noexcept { return malloc(n ? n : 1); }
void operator delete(void* p, const std::nothrow_t&) noexcept { free(p); }

namespace vigil {
namespace {

class CountNews {
 public:
  CountNews() {
    g_news = 0;
    g_counting = true;
  }
  ~CountNews() { g_counting = false; }
  long count() const { return g_news.load(); }
};

ByteSpan Bytes(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

class CoordinatorDataPath : public ::testing::TestWithParam<bool> {};

TEST_P(CoordinatorDataPath, ReceivesAndSendsWithoutAllocatingOnceWarm) {
  ProtocolConfig c;
  c.encrypt_data = GetParam();
  LoopbackPan pan(c, 41);
  const size_t d = pan.AddDevice();
  LoopbackPan::Node& n = pan.node(d);
  n.core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  ASSERT_EQ(n.core->state(), DeviceCore::State::kAssociated);
  CoordinatorCore& cpan = pan.coordinator();
  const uint64_t uid = n.secrets.uid;

  // Drives the two cores directly (the in-memory PAN's own bookkeeping allocates).
  long received = 0;
  auto exchange = [&](int frames) {
    OutFrame f;
    Event ev;
    for (int i = 0; i < frames; ++i) {
      if (n.core->SendData(Bytes("hr=72 spo2=98"), pan.now()) != Error::kOk) return false;
      while (n.core->PollEvent(&ev)) {
      }
      while (n.core->PollTransmit(&f)) cpan.HandleFrame(f.span(), n.link, pan.now());
      while (cpan.PollEvent(&ev)) received += ev.kind == EventKind::kDataReceived;
      if (cpan.SendData(uid, Bytes("ack"), pan.now()) != Error::kOk) return false;
      while (cpan.PollTransmit(&f)) n.core->HandleFrame(f.span(), pan.now());
      while (n.core->PollEvent(&ev)) {
      }
    }
    return true;
  };
  ASSERT_TRUE(exchange(16));  // warm-up: queues reach their working size
  long news = 0;
  {
    CountNews count;
    ASSERT_TRUE(exchange(500));
    news = count.count();
  }
  EXPECT_EQ(received, 516);  // every frame was accepted, so the path measured is the real one
  EXPECT_EQ(news, 0);
}

INSTANTIATE_TEST_SUITE_P(Protection, CoordinatorDataPath, ::testing::Values(true, false),
                         [](const auto& param_info) {
                           return param_info.param ? "Ccm" : "HmacOnly";
                         });

// The coordinator keeps recent devices' keys prepared; a device enrolled again (new Kd
// and secrets under the same uid) must be checked against its new keys, not the cached
// ones.
TEST(CoordinatorPreparedKeys, FollowAReEnrollment) {
  ProtocolConfig c;
  LoopbackPan pan(c, 42);
  const size_t d = pan.AddDevice();
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);

  const DeviceSecrets old_secrets = pan.node(d).secrets;
  DeviceSecrets fresh = old_secrets;
  for (uint8_t& b : fresh.kd) b = static_cast<uint8_t>(b ^ 0x5a);
  for (uint8_t& b : fresh.secretkey2) b = static_cast<uint8_t>(b ^ 0xa5);
  pan.directory().Put(EnrollmentRecord(pan.crypto(), fresh));
  pan.node(d).online = false;  // the old hardware is gone

  const size_t renewed = pan.AddNode(fresh);
  pan.RunFor(kSeconds);  // the rate limiter refills
  pan.node(renewed).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  EXPECT_EQ(pan.node(renewed).core->state(), DeviceCore::State::kAssociated);
  pan.node(renewed).online = false;

  const size_t stale = pan.AddNode(old_secrets);
  pan.RunFor(kSeconds);
  pan.node(stale).core->StartAssociation(pan.now());
  pan.RunFor(5 * kSeconds);
  EXPECT_NE(pan.node(stale).core->state(), DeviceCore::State::kAssociated);
}

}  // namespace
}  // namespace vigil
