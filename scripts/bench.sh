#!/usr/bin/env bash
# Builds and runs the benchmarks: protocol associations per version, frame protection,
# and the OpenSSL references (TLS handshakes, HMAC-SHA256 from the one-shot HMAC() to a
# keyed context re-initialised per message, AES-128-CCM with its key set once) side by
# side in one run, then prints Vigil's figures as ratios to those references, from the
# medians of the repetitions (scripts/bench_summary.py).
#   scripts/bench.sh [google-benchmark flags...]
# VIGIL_BENCH_REPETITIONS (default 5) sets the repetitions. They are interleaved at
# random across benchmarks, so that a burst of load on a shared machine spreads over
# every figure instead of falling on a few, and the medians stay comparable. The JSON of
# the run is kept in the build directory (bench.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VIGIL_BUILD_DIR:-$root/build}"
VIGIL_BUILD_DIR="$build" "$root/scripts/build.sh" >/dev/null
json="$build/bench.json"
"$build/vigil_bench" --benchmark_repetitions="${VIGIL_BENCH_REPETITIONS:-5}" \
  --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
  --benchmark_out="$json" --benchmark_out_format=json "$@"
python3 "$root/scripts/bench_summary.py" "$json"
