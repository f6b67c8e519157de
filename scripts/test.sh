#!/usr/bin/env bash
# Builds Vigil and runs every test: unit tests, test vectors, the embedded-core check and
# the end-to-end tests over UDP (ctest). Exits non-zero if any test fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Debian's Chromium too, for the dashboard's browser test (scripts/install-deps.sh).
export VIGIL_WITH_BROWSER=1
VIGIL_BUILD_DIR="$root/build" "$root/scripts/build.sh"
ctest --test-dir "$root/build" --output-on-failure -j "$(nproc)" --timeout 900
