// The device core as a firmware embeds it: this file and the core are compiled with
// -fno-exceptions -fno-rtti. The test runs complete sessions and counts C++ heap
// allocations made while the device core has control: there must be none after
// construction. Allocations inside the crypto back-end are counted apart: OpenSSL 3.0
// makes two per prepared HMAC internally; a microcontroller's PSA Crypto back-end makes
// none, and they are not the core's.
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "connection/coordinator_core.h"
#include "connection/crypto/openssl_provider.h"
#include "connection/device_core.h"
#include "connection/device_directory.h"

namespace {
std::atomic<bool> g_device_running{false};
std::atomic<long> g_device_news{0};
std::atomic<long> g_backend_mallocs{0};
std::atomic<bool> g_in_backend{false};

void* CountingMalloc(size_t n, const char*, int) {
  if (g_in_backend) ++g_backend_mallocs;
  return malloc(n);
}
void* CountingRealloc(void* p, size_t n, const char*, int) {
  if (g_in_backend) ++g_backend_mallocs;
  return realloc(p, n);
}
void CountingFree(void* p, const char*, int) { free(p); }
const bool g_hooks = CRYPTO_set_mem_functions(CountingMalloc, CountingRealloc, CountingFree);
}  // namespace

std::atomic<long> g_all_news{0};
void* operator new(size_t n) {
  ++g_all_news;
  if (g_device_running) ++g_device_news;
  void* p = malloc(n ? n : 1);
  if (p == nullptr) abort();
  return p;
}
void operator delete(void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
// The nothrow forms must come from the same allocator as the deletes above (the standard
// library's temporary buffers use them).
void* operator new(size_t n, const std::nothrow_t&) noexcept { return malloc(n ? n : 1); }
void operator delete(void* p, const std::nothrow_t&) noexcept { free(p); }

namespace vigil {
namespace {

struct Scope {
  Scope() { g_device_running = true; }
  ~Scope() { g_device_running = false; }
};

std::atomic<long> g_backend_news{0};

// Attributes what the crypto back-end allocates to the back-end: the flag is lowered for
// the duration of each provider call, and the back-end's own C++ allocations counted.
class BackendBoundary final : public CryptoProvider {
 public:
  explicit BackendBoundary(CryptoProvider& inner) : inner_(inner) {}
  struct Pause {
    bool was = g_device_running.exchange(false);
    bool counting = (g_in_backend = was, was);
    long before = CountNews();
    ~Pause() {
      if (counting) g_backend_news += CountNews() - before;
      g_in_backend = false;
      g_device_running = was;
    }
  };
  static long CountNews() { return g_all_news.load(); }
  Error Hmac(HashAlg a, ByteSpan k, std::span<const ByteSpan> p, MutableByteSpan o) override {
    Pause x;
    return inner_.Hmac(a, k, p, o);
  }
  Error MacImport(ByteSpan k, KeyHandle* h) override {
    Pause x;
    return inner_.MacImport(k, h);
  }
  Error MacCompute(KeyHandle h, std::span<const ByteSpan> p, MutableByteSpan o) override {
    Pause x;
    return inner_.MacCompute(h, p, o);
  }
  Error AeadImport(ByteSpan k, KeyHandle* h) override {
    Pause x;
    return inner_.AeadImport(k, h);
  }
  Error AeadSeal(KeyHandle h, ByteSpan n, ByteSpan a, ByteSpan p, MutableByteSpan c,
                 MutableByteSpan t) override {
    Pause x;
    return inner_.AeadSeal(h, n, a, p, c, t);
  }
  Error AeadOpen(KeyHandle h, ByteSpan n, ByteSpan a, ByteSpan c, ByteSpan t,
                 MutableByteSpan p) override {
    Pause x;
    return inner_.AeadOpen(h, n, a, c, t, p);
  }
  void Release(KeyHandle* h) override {
    Pause x;
    inner_.Release(h);
  }
  Error Ed25519PublicFromPrivate(ByteSpan a, MutableByteSpan b) override {
    Pause x;
    return inner_.Ed25519PublicFromPrivate(a, b);
  }
  Error Ed25519Sign(ByteSpan a, ByteSpan m, MutableByteSpan s) override {
    Pause x;
    return inner_.Ed25519Sign(a, m, s);
  }
  Error Ed25519Verify(ByteSpan a, ByteSpan m, ByteSpan s) override {
    Pause x;
    return inner_.Ed25519Verify(a, m, s);
  }

 private:
  CryptoProvider& inner_;
};

TEST(EmbeddedDeviceCore, NoHeapAfterInitialisationInFullSessions) {
  ASSERT_TRUE(g_hooks) << "OpenSSL allocated before the hooks were set";
  for (wire::Version v : {wire::Version::kV1, wire::Version::kV2, wire::Version::kV3Paper,
                          wire::Version::kHardened}) {
    ProtocolConfig c;
    c.version = v;
    OpenSslCrypto openssl;
    BackendBoundary crypto(openssl);
    SeededRandom rnd(7);
    CoordinatorIdentity id;
    id.uid = 0x1000;
    rnd.Fill(id.sign_priv);
    crypto.Ed25519PublicFromPrivate(id.sign_priv, id.sign_pub);
    DeviceSecrets s;
    s.uid = 0x2000;
    s.cpan_uid = id.uid;
    s.cpan_sign_pub = id.sign_pub;
    rnd.Fill(s.kd);
    rnd.Fill(s.secretkey2);
    const uint8_t u[] = {'u'}, p[] = {'p', 'w'};
    s.username.Set(u);
    s.password.Set(p);
    MemoryDirectory dir;
    dir.Put(EnrollmentRecord(crypto, s));
    CoordinatorCore cpan(c, id, dir, crypto, rnd);
    DeviceCore dev(c, s, crypto, rnd);  // initialisation: allowed to allocate
    g_device_news = 0;
    g_backend_mallocs = 0;
    g_backend_news = 0;
    TimeUs now = 1;
    int received = 0;
    auto shuttle = [&] {
      OutFrame f;
      Event ev;
      for (int round = 0; round < 16; ++round) {
        bool moved = false;
        bool out;
        {
          Scope scope;
          out = dev.PollTransmit(&f);
        }
        while (out) {
          cpan.HandleFrame(f.span(), 1, now);
          moved = true;
          Scope scope;
          out = dev.PollTransmit(&f);
        }
        while (cpan.PollTransmit(&f)) {
          Scope scope;
          dev.HandleFrame(f.span(), now);
          moved = true;
        }
        for (;;) {
          Scope scope;
          if (!dev.PollEvent(&ev)) break;
          if (ev.kind == EventKind::kDataReceived) ++received;
        }
        while (cpan.PollEvent(&ev)) {
        }
        if (!moved) {
          const TimeUs next = std::min(cpan.NextDeadline(), dev.NextDeadline());
          if (next == kNever) return;
          now = next;
          cpan.HandleTimeout(now);
          Scope scope;
          dev.HandleTimeout(now);
        }
      }
    };
    for (int session = 0; session < 3; ++session) {
      now += kSeconds;
      {
        Scope scope;
        ASSERT_EQ(dev.StartAssociation(now), Error::kOk);
      }
      shuttle();
      ASSERT_EQ(dev.state(), DeviceCore::State::kAssociated) << wire::VersionName(v);
      const uint8_t reading[] = "hr=72";
      for (int i = 0; i < 3; ++i) {
        {
          Scope scope;
          ASSERT_EQ(dev.SendData(reading, now), Error::kOk);
        }
        cpan.SendData(s.uid, reading, now);
        shuttle();
      }
    }
    EXPECT_EQ(received, 9);
    EXPECT_EQ(g_device_news.load(), 0) << wire::VersionName(v);
    printf(
        "%-9s device core: %ld allocations; crypto back-end: %ld C++ + %ld OpenSSL "
        "internal (3 sessions); RAM per device %zu bytes\n",
        wire::VersionName(v), g_device_news.load(), g_backend_news.load(), g_backend_mallocs.load(),
        sizeof(DeviceCore));
  }
}

// The state a device keeps per session is the DeviceCore object itself: it must fit a
// small MCU's budget (4 KiB here, queues included).
TEST(EmbeddedDeviceCore, RamPerDeviceFitsFourKilobytes) { EXPECT_LE(sizeof(DeviceCore), 4096u); }

}  // namespace
}  // namespace vigil
