#!/usr/bin/env bash
# The unit tests again, built with AddressSanitizer + UndefinedBehaviorSanitizer.
# -O1, the level the sanitizers' own documentation recommends: unoptimised code ran the
# simulator's and the IDS's long tests 100-300 times slower than the release build, which
# made this stage most of CI's time; -O1 keeps the reports' stack traces exact enough.
# Warnings are not errors here: the sanitizers' instrumentation changes what GCC's
# flow-based warnings see, and they report false positives (seen: -Wmaybe-uninitialized
# inside libstdc++'s <regex> at -O1); the release build of scripts/test.sh keeps every
# warning an error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VIGIL_BUILD_DIR="$root/build-asan" "$root/scripts/build.sh" -DVIGIL_SANITIZE=ON -DVIGIL_WERROR=OFF \
  -DVIGIL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$root/build-asan" --output-on-failure -j "$(nproc)" -L unit --timeout 900
