// Audit chain figures: what the cloud spends to chain one audit record (Link: check,
// canonical form, SHA-256) and to verify a stored chain (Verify: check, canonical form,
// SHA-256 and link per entry), and to sign and check a head. Reference, on the same
// bytes: one SHA-256 over prev_hash || canonical record with OpenSSL's EVP interface,
// the floor any hash chain pays per record.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <vector>

#include "cloud/audit/audit_canonical.h"
#include "cloud/audit/audit_chain.h"
#include "cloud/audit/chain_head.h"

namespace vigil::audit {
namespace {

// A typical record: a nurse's read of one patient's vitals from a browser (~200 bytes).
AuditRecord Typical(int64_t i) {
  AuditRecord r;
  r.time_ms = 1714564800123 + i;
  r.event = Event::kRead;
  r.actor_id = "u-1017";
  r.role = "nurse";
  r.operation = "GET /fhir/Observation?patient=42&date=ge2024-05-01";
  r.patient_id = 42;
  r.source_address = "192.0.2.7";
  r.client = "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0";
  r.decision = Decision::kAllow;
  r.rule = "nurse-ward-on-duty";
  return r;
}

void BM_Audit_Link(benchmark::State& state) {
  ChainHead tail;
  const AuditRecord r = Typical(0);
  for (auto _ : state) {
    ChainEntry e;
    if (Link(tail, r, &e) != Error::kOk) state.SkipWithError("link failed");
    tail = {e.seq, e.hash};
    benchmark::DoNotOptimize(tail);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Audit_Link);

void BM_Ref_Sha256OfTheSameBytes(benchmark::State& state) {
  const std::string body = Canonical(1, Typical(0));
  Hash h{};
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx, h.data(), h.size());
    EVP_DigestUpdate(ctx, body.data(), body.size());
    EVP_DigestFinal_ex(ctx, h.data(), &len);
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ref_Sha256OfTheSameBytes);

// Arg: records in the chain.
void BM_Audit_Verify(benchmark::State& state) {
  std::vector<ChainEntry> chain;
  ChainHead tail;
  for (int64_t i = 0; i < state.range(0); ++i) {
    ChainEntry e;
    Link(tail, Typical(i), &e);
    tail = {e.seq, e.hash};
    chain.push_back(e);
  }
  for (auto _ : state) {
    const VerifyReport r = Verify(chain);
    if (!r.ok()) state.SkipWithError("chain not intact");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Audit_Verify)->Arg(10000);

void BM_Audit_SignHead(benchmark::State& state) {
  HeadSigner s;
  std::array<uint8_t, 32> seed{};
  seed[0] = 1;
  s.Init(seed);
  SignedHead h;
  for (auto _ : state) {
    s.Sign({7, kGenesisHash}, 1714564800123, &h);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Audit_SignHead);

void BM_Audit_VerifyHead(benchmark::State& state) {
  HeadSigner s;
  std::array<uint8_t, 32> seed{};
  seed[0] = 1;
  s.Init(seed);
  HeadVerifier v;
  v.Init(s.public_key());
  SignedHead h;
  s.Sign({7, kGenesisHash}, 1714564800123, &h);
  for (auto _ : state) benchmark::DoNotOptimize(v.Verify(h));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Audit_VerifyHead);

}  // namespace
}  // namespace vigil::audit
