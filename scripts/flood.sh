#!/usr/bin/env bash
# Builds Vigil and runs the flood harness (docs/flood.md): what an attacker without any
# secret does to the real gateway, on loopback UDP only. By default every mode, with
# modest counts (about three minutes); any `vigil flood` option can be added:
#   scripts/flood.sh                        # --mode all
#   scripts/flood.sh --mode enrolled-uids --seconds 20 --json > flood.json
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VIGIL_BUILD_DIR:-$root/build}"
VIGIL_BUILD_DIR="$build" "$root/scripts/build.sh" >/dev/null
mode=(--mode all)
for a in "$@"; do
  case "$a" in --mode | --mode=*) mode=() ;; esac
done
exec "$build/vigil" flood "${mode[@]}" "$@"
