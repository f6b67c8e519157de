#!/usr/bin/env bash
# The main job: builds Vigil and runs `vigil demo` on embedded defaults.
#   scripts/demo.sh [vigil demo options...]     e.g. --version v3-paper --devices 12
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VIGIL_BUILD_DIR="$root/build" "$root/scripts/build.sh" -DVIGIL_BUILD_BENCH=OFF >/dev/null
exec "$root/build/vigil" demo "$@"
