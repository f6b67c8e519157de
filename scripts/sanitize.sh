#!/usr/bin/env bash
# The unit tests again, built by clang with AddressSanitizer + UndefinedBehaviorSanitizer
# (and libFuzzer's coverage instrumentation, so that scripts/fuzz.sh links its targets from
# the same build: CI builds the code twice, not three times).
#   scripts/sanitize.sh            builds build-asan and runs the tests labelled "unit"
# -O1 and line tables only, what the sanitizers' and libFuzzer's documentation recommend:
# unoptimised code ran the simulator's and the IDS's long tests 100-300 times slower than
# the release build; line tables keep the reports' file:line stack traces and cost far
# less compile time than full debug information. Warnings are not errors here: instrumentation changes what the
# compiler's flow-based warnings see; the release build of scripts/test.sh keeps every
# warning an error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VIGIL_SANITIZE_BUILD_DIR:-$root/build-asan}"
VIGIL_WITH_FUZZ=1 "$root/scripts/install-deps.sh"
# A build directory configured for another compiler (the earlier GCC build) starts over.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
export CC=clang CXX=clang++
export VIGIL_BUILD_TARGETS="common_test connection_test device_test edge_test ids_test \
daemon_test sim_test cloud_test embedded_test"
VIGIL_BUILD_DIR="$build" "$root/scripts/build.sh" -DVIGIL_SANITIZE=ON -DVIGIL_FUZZ=ON \
  -DVIGIL_WERROR=OFF -DVIGIL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -L unit --timeout 900
