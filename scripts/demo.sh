#!/usr/bin/env bash
# The main job: builds Vigil and runs `vigil demo` on embedded defaults: the whole
# hospital on this machine until Ctrl-C (docs/demo.md).
#   scripts/demo.sh [vigil demo options...]     e.g. --duration 120, --keep DIR,
#                                               --protocol-only --version v3-paper
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VIGIL_BUILD_DIR="$root/build" "$root/scripts/build.sh" -DVIGIL_BUILD_BENCH=OFF >/dev/null
exec "$root/build/vigil" demo "$@"
