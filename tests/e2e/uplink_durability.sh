#!/usr/bin/env bash
# The uplink as an operator runs it, against a real Mosquitto with the shipped
# configuration: `vigil uplink-load` publishes COUNT messages through its queue while the
# broker is stopped for OUTAGE seconds (default 30) and restarted, and the publisher is
# killed with SIGKILL twice (once while the broker is away, once while messages are in
# flight) and started again on the same queue file. `vigil uplink-sub` (persistent
# session) must receive every sequence number 1..COUNT; copies are counted, and removed
# by id. The messages as received are checked against docs/uplink.schema.json.
#   uplink_durability.sh path/to/vigil      VIGIL_UPLINK_OUTAGE_S=30 VIGIL_UPLINK_COUNT=5000
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
outage="${VIGIL_UPLINK_OUTAGE_S:-30}"
count="${VIGIL_UPLINK_COUNT:-5000}"
rate=100
py=python3
$py -c 'import jsonschema' 2>/dev/null || py=/usr/bin/python3
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  bash "$root/scripts/broker.sh" stop "$work/pki" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in load1.log load2.log load3.log sub.err; do echo "--- $f" >&2; tail -20 "$work/$f" >&2 2>/dev/null || true; done
  echo "--- broker log" >&2; tail -30 "$work/pki/mosquitto.log" >&2 2>/dev/null || true
  exit 1
}
cd "$work"
bash "$root/scripts/pki.sh" pki > /dev/null
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
bash "$root/scripts/broker.sh" start pki "$port"

cat > gw.toml <<TOML
[uplink]
broker = "127.0.0.1:$port"
ca = "pki/ca.crt"
cert = "pki/gw-01.crt"
key = "pki/gw-01.key"
site = "site-a"
gateway_id = "gw-01"
queue = "gw-01.queue.db"
reconnect_min_ms = 200
reconnect_max_ms = 2000
TOML

"$vigil" uplink-sub --broker "127.0.0.1:$port" --ca pki/ca.crt --cert pki/cloud-ingest.crt \
  --key pki/cloud-ingest.key --client-id e2e-ingest --count "$count" --timeout $((outage + 240)) \
  --summary summary.json > messages.jsonl 2> sub.err &
sub=$!
pids+=($sub)
for _ in $(seq 100); do grep -q subscribed sub.err && break; sleep 0.1; done
grep -q subscribed sub.err || fail "the subscriber did not subscribe"

load() {  # load N: a publisher run, in the background
  "$vigil" uplink-load --config gw.toml --count "$count" --rate "$rate" --batch 20 \
    --drain-timeout 120 > "load$1.out" 2> "load$1.log" &
  load_pid=$!
  pids+=($load_pid)
}
load 1
sleep 3
bash "$root/scripts/broker.sh" stop pki
echo "broker stopped for $outage s"
sleep "$(( outage / 2 ))"
kill -9 "$load_pid"; wait "$load_pid" 2>/dev/null || true
echo "publisher killed while the broker is away"
load 2
sleep "$(( outage - outage / 2 ))"
lines=$(wc -l < messages.jsonl)
bash "$root/scripts/broker.sh" start pki
echo "broker back"
# Kill it while it drains the backlog of the outage: its window is full then.
for _ in $(seq 300); do [ "$(wc -l < messages.jsonl)" -ge $((lines + 200)) ] && break; sleep 0.05; done
kill -9 "$load_pid"; wait "$load_pid" 2>/dev/null || true
echo "publisher killed with messages in flight"
load 3
wait "$load_pid" || fail "the last publisher run did not drain its queue"
wait "$sub" || fail "the subscriber did not receive $count distinct messages"

"$py" - "$count" summary.json <<'PY' || fail "summary: $(cat summary.json)"
import json, sys
n = int(sys.argv[1])
s = json.load(open(sys.argv[2]))
streams = s["streams"]
assert len(streams) == 1, streams
st = streams[0]
assert s["unique"] == n, s
assert st["first_seq"] == 1 and st["last_seq"] == n and st["missing_count"] == 0, st
print(f"{n} of {n} sequence numbers received, none missing; {s['duplicates']} redelivered "
      f"copies removed by id")
PY
"$py" "$root/scripts/uplink_schema_check.py" "$root/docs/uplink.schema.json" messages.jsonl \
  > schema.out || fail "received messages break the schema: $(tail -3 schema.out)"
tail -1 schema.out
