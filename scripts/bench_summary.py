#!/usr/bin/env python3
"""Prints Vigil's benchmark figures as ratios to their references.

Reads the JSON that vigil_bench writes with --benchmark_out (run with
--benchmark_repetitions, so that it holds a median per benchmark) and prints, from the
medians of CPU time of that one run:
  - the coordinator's data-frame verify and the provider's primitives as a multiple of
    the OpenSSL references (1.00 = as fast as OpenSSL used directly; above 1, slower);
  - how many hardened associations fit in one TLS handshake, and how many would if an
    association cost no more than its OpenSSL operations (BM_Ref_HardenedAssocCrypto),
    the bound of any implementation of the formulas over OpenSSL 3 EVP.
A benchmark missing from the file (filtered out, or it failed) is reported as missing.

  scripts/bench_summary.py bench.json
"""
import json
import sys

# (figure, reference, what is compared)
COST_RATIOS = [
    ("BM_Frame_CoordinatorReceive64/0", "BM_Ref_HmacOneShot64",
     "coordinator verify, HMAC mode / HMAC() one-shot"),
    ("BM_Frame_CoordinatorReceive64/0", "BM_Ref_HmacEvpQMac64",
     "coordinator verify, HMAC mode / EVP_Q_mac one-shot"),
    ("BM_Frame_CoordinatorReceive64/0", "BM_Ref_HmacRekeyed64",
     "coordinator verify, HMAC mode / reused context keyed per message"),
    ("BM_Frame_CoordinatorReceive64/0", "BM_Ref_HmacKeyedDup64",
     "coordinator verify, HMAC mode / keyed context duplicated per message"),
    ("BM_Frame_CoordinatorReceive64/0", "BM_Ref_HmacKeyedReinit64",
     "coordinator verify, HMAC mode / keyed context re-initialised (fair)"),
    ("BM_Frame_CoordinatorReceive64/1", "BM_Ref_CcmOpen64",
     "coordinator verify, CCM mode / AES-128-CCM open, key set once (fair)"),
    ("BM_Frame_VerifyHmac64", "BM_Ref_HmacKeyedReinit64",
     "VerifyMessage alone, HMAC mode / keyed context re-initialised"),
    ("BM_Frame_VerifyCcm64", "BM_Ref_CcmOpen64",
     "VerifyMessage alone, CCM mode / AES-128-CCM open, key set once"),
    ("BM_Crypto_PreparedMac64", "BM_Ref_HmacKeyedReinit64",
     "provider MacCompute / keyed context re-initialised"),
    ("BM_Crypto_CcmSeal64", "BM_Ref_CcmSeal64",
     "provider AeadSeal / AES-128-CCM seal, key set once"),
    ("BM_Crypto_CcmOpen64", "BM_Ref_CcmOpen64",
     "provider AeadOpen / AES-128-CCM open, key set once"),
    ("BM_Assoc_Hardened", "BM_Ref_HardenedAssocCrypto",
     "hardened association / its EVP operations alone (the floor)"),
    ("BM_TelemetryDecodeClassify/0", "BM_LibcborLoadReference/0",
     "telemetry decode+classify, ECG pack / libcbor cbor_load of the same pack"),
    ("BM_TelemetryDecodeClassify/1", "BM_LibcborLoadReference/1",
     "telemetry decode+classify, BP cuff pack / libcbor cbor_load of the same pack"),
    ("BM_Firmware_Verify256K", "BM_Ref_FirmwareSha256PlusEd25519",
     "firmware image verify, 256 KiB / one SHA-256 + one Ed25519 verify"),
    ("BM_Firmware_VerifyStreamed256K", "BM_Ref_FirmwareSha256PlusEd25519",
     "firmware image verify streamed in 96-byte blocks / the same reference"),
]

# (reference, figure, what is compared, target): reference time / figure time.
SPEEDUPS = [
    ("BM_Ref_Tls12PskCcm8Handshake", "BM_Assoc_Hardened",
     "TLS 1.2 PSK handshake / hardened association", 10.0),
    ("BM_Ref_Tls13PskX25519Handshake", "BM_Assoc_Hardened",
     "TLS 1.3 PSK + X25519 handshake / hardened association", 40.0),
    ("BM_Ref_Tls12PskCcm8Handshake", "BM_Assoc_HardenedStaticR3",
     "TLS 1.2 PSK handshake / hardened association, static R3", None),
    ("BM_Ref_Tls13PskX25519Handshake", "BM_Assoc_HardenedStaticR3",
     "TLS 1.3 PSK + X25519 handshake / hardened association, static R3", None),
    ("BM_Ref_Tls12PskCcm8Handshake", "BM_Ref_HardenedAssocCrypto",
     "TLS 1.2 PSK handshake / the association's EVP operations alone (bound)", None),
    ("BM_Ref_Tls13PskX25519Handshake", "BM_Ref_HardenedAssocCrypto",
     "TLS 1.3 PSK + X25519 handshake / the association's EVP operations alone (bound)", None),
]

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def medians(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "aggregate" or b.get("aggregate_name") != "median":
            continue
        if b.get("error_occurred"):
            continue
        out[b["run_name"]] = b["cpu_time"] * TO_NS[b.get("time_unit", "ns")]
    return out, data.get("context", {})


def fmt_ns(ns):
    return f"{ns / 1e3:9.2f} us" if ns >= 1e4 else f"{ns:9.1f} ns"


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    m, ctx = medians(argv[1])
    reps = ""
    if m:
        reps = " (medians of CPU time"
        if "num_cpus" in ctx:
            reps += f", {ctx['num_cpus']} CPUs"
        reps += ")"
    print(f"\nSummary{reps}")
    print("\nCost as a multiple of the reference (1.00 = OpenSSL used directly):")
    for fig, ref, what in COST_RATIOS:
        if fig in m and ref in m:
            print(f"  {m[fig] / m[ref]:6.2f}x  {what}  [{fmt_ns(m[fig])} / {fmt_ns(m[ref])}]")
        else:
            missing = ", ".join(n for n in (fig, ref) if n not in m)
            print(f"     n/a  {what}  [missing: {missing}]")
    print("\nHardened associations per TLS handshake (higher is better):")
    for ref, fig, what, target in SPEEDUPS:
        if fig in m and ref in m:
            ratio = m[ref] / m[fig]
            goal = ""
            if target is not None:
                goal = f"  target >= {target:.0f}x: {'met' if ratio >= target else 'NOT met'}"
            print(f"  {ratio:6.1f}x  {what}  [{fmt_ns(m[ref])} / {fmt_ns(m[fig])}]{goal}")
        else:
            missing = ", ".join(n for n in (ref, fig) if n not in m)
            print(f"     n/a  {what}  [missing: {missing}]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
