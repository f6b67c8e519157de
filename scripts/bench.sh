#!/usr/bin/env bash
# Builds and runs the benchmarks: protocol associations per version, frame protection,
# and the OpenSSL references (TLS handshakes, raw HMAC) side by side in one run.
#   scripts/bench.sh [google-benchmark flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VIGIL_BUILD_DIR="$root/build" "$root/scripts/build.sh" >/dev/null
exec "$root/build/vigil_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
