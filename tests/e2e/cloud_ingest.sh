#!/usr/bin/env bash
# The cloud's ingest as an operator runs it, with the real broker and the real gateway
# path: `vigil uplink-load` publishes COUNT readings through a gateway's queue and
# certificate; `vigil cloud serve` stores them, first in SQLite, then in PostgreSQL
# (scripts/postgres.sh). In each run the cloud is killed with SIGKILL while readings
# arrive and started again on the same database and session. Every reading must be in the
# vitals table exactly once, and every id once in ingest_dedup.
#   cloud_ingest.sh path/to/vigil        VIGIL_CLOUD_E2E_COUNT=3000
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
count="${VIGIL_CLOUD_E2E_COUNT:-3000}"
work="$(mktemp -d)"
chmod 0755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  bash "$root/scripts/broker.sh" stop "$work/pki" >/dev/null 2>&1 || true
  bash "$root/scripts/postgres.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do echo "--- $f" >&2; tail -15 "$f" >&2 || true; done
  exit 1
}
cd "$work"
bash "$root/scripts/pki.sh" pki > /dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
bash "$root/scripts/broker.sh" start pki "$port"
export VIGIL_CLOUD_MASTER_KEY="$(openssl rand -hex 32)"

rows() {  # rows BACKEND DB SQL
  if [ "$1" = sqlite ]; then
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$2" "$3"
  else
    psql -qtAX "$2" -c "$3"
  fi
}

serve() {  # serve BACKEND DB N: a cloud run in the background
  "$vigil" cloud serve --db "$2" --broker "127.0.0.1:$port" --tls-dir pki --api "" \
    --client-id "e2e-$1" --management "" 2> "serve-$1-$3.log" &
  serve_pid=$!
  pids+=($serve_pid)
  for _ in $(seq 200); do grep -q '"subscribed"' "serve-$1-$3.log" && return 0; sleep 0.05; done
  fail "cloud serve ($1) did not subscribe"
}

run() {  # run BACKEND DB GATEWAY
  local backend="$1" db="$2" gw="$3"
  cat > "$gw.toml" <<TOML
[uplink]
broker = "127.0.0.1:$port"
ca = "pki/ca.crt"
cert = "pki/$gw.crt"
key = "pki/$gw.key"
site = "site-a"
gateway_id = "$gw"
queue = "$gw.queue.db"
TOML
  serve "$backend" "$db" 1
  "$vigil" uplink-load --config "$gw.toml" --count "$count" --rate 1000 --batch 20 \
    --drain-timeout 120 > "load-$backend.out" 2> "load-$backend.log" &
  local load=$!
  pids+=($load)
  for _ in $(seq 400); do
    [ "$(rows "$backend" "$db" "SELECT COUNT(*) FROM vitals" 2>/dev/null || echo 0)" -ge $((count / 3)) ] && break
    sleep 0.05
  done
  kill -9 "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
  echo "$backend: cloud killed at $(rows "$backend" "$db" "SELECT COUNT(*) FROM vitals") readings"
  sleep 1
  serve "$backend" "$db" 2
  wait "$load" || fail "$backend: the gateway did not drain its queue"
  for _ in $(seq 600); do
    [ "$(rows "$backend" "$db" "SELECT COUNT(*) FROM vitals")" -ge "$count" ] && break
    sleep 0.05
  done
  sleep 1  # anything further would be a copy
  local n d k
  n="$(rows "$backend" "$db" "SELECT COUNT(*) FROM vitals")"
  d="$(rows "$backend" "$db" "SELECT COUNT(DISTINCT message_id) FROM vitals")"
  k="$(rows "$backend" "$db" "SELECT COUNT(*) FROM ingest_dedup WHERE kind = 'telemetry'")"
  [ "$n" = "$count" ] && [ "$d" = "$count" ] && [ "$k" = "$count" ] ||
    fail "$backend: $n rows, $d distinct, $k dedup ids; expected $count"
  kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
  echo "$backend: $count of $count readings stored exactly once across a SIGKILL of the cloud"
}

run sqlite "$work/cloud.db" gw-01
pg_url="$(bash "$root/scripts/postgres.sh" start "$work/pg")" || fail "postgres did not start"
psql -qX "$pg_url" -c "CREATE DATABASE e2e" >/dev/null
run postgres "${pg_url/\/postgres\?//e2e?}" gw-02
