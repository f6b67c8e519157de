#!/usr/bin/env bash
# The ward stream's figures (docs/dashboard.md, "Figures"): one `vigil cloud serve` on a
# private loopback port (SQLite in a temp dir), ten nurses signed in, then
# bench/dashboard_stream.mjs: reading-to-client latency p50/p99 with one client and with
# many (default 1 and 1,000), each bounded in clients, events and time. Stops everything
# it started, also on failure.
#   scripts/dashboard_bench.sh [path/to/vigil] [phases]   phases: "clients:events:rate,..."
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vigil="${1:-${VIGIL_BUILD_DIR:-$root/build}/vigil}"
phases="${2:-1:200:20,1000:100:10}"
[ -x "$vigil" ] || { echo "dashboard_bench: no vigil binary at $vigil (scripts/build.sh)" >&2; exit 1; }
vigil="$(cd "$(dirname "$vigil")" && pwd)/$(basename "$vigil")"
command -v node >/dev/null || "$root/scripts/install-deps.sh"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 8192 2>/dev/null || true
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
export VIGIL_CLOUD_MASTER_KEY="$(openssl rand -hex 32)"
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
db=(--db "$work/cloud.db")
"$vigil" cloud migrate "${db[@]}" > /dev/null
"$vigil" cloud admit "${db[@]}" --name "Bench Patient" --pseudonym p-bench --ward icu --bed 1 > /dev/null
printf 'bench nurse pass phrase\n' > pw && chmod 0600 pw
for i in $(seq 10); do
  "$vigil" cloud user add "${db[@]}" --id "nurse$i" --role nurse --ward icu --password-file pw > /dev/null
done
key="$("$vigil" cloud api-key add "${db[@]}" --owner gw-01 | json 'd["key"]')"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$vigil" cloud serve "${db[@]}" --broker "" --api "127.0.0.1:$port" --ca-dir ca --management "" \
  --sqlite-sync-normal --run-seconds 240 2> serve.log &
pid=$!
for _ in $(seq 200); do grep -q '"msg":"api"' serve.log && break; sleep 0.05; done
grep -q '"msg":"api"' serve.log || { tail serve.log >&2; exit 1; }
cookies="["
for i in $(seq 10); do
  c="$(curl -sS --cacert ca/ca.crt -c - -H 'Content-Type: application/json' \
    -d "{\"user\":\"nurse$i\",\"password\":\"bench nurse pass phrase\"}" "https://localhost:$port/login" \
    | awk '$6 ~ /__Host-/ {print $6 "=" $7}')"
  [ -n "$c" ] || { echo "dashboard_bench: nurse$i could not sign in" >&2; exit 1; }
  cookies+="\"$c\","
done
cookies="${cookies%,}]"
echo "dashboard_bench: vigil cloud serve on 127.0.0.1:$port, phases $phases" >&2
VIGIL_BASE="https://localhost:$port" VIGIL_CA="$work/ca/ca.crt" VIGIL_API_KEY="$key" \
VIGIL_COOKIES="$cookies" VIGIL_PSEUDONYM=p-bench VIGIL_PHASES="$phases" \
  node "$root/bench/dashboard_stream.mjs"
