#!/usr/bin/env bash
# The gateway with an [uplink]: an intruder with a stolen bundle is refused, and its IDS
# alert reaches a subscriber on .../security, in the documented envelope, with the EVE
# record as written to the alert file; the retained status says online, then offline
# after a clean stop; SIGHUP reloads the uplink's certificates without a restart.
#   uplink_gateway.sh path/to/vigil
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py=python3
$py -c 'import jsonschema' 2>/dev/null || py=/usr/bin/python3
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash "$root/scripts/broker.sh" stop "$work/pki" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in gw.log sub.err; do echo "--- $f" >&2; tail -20 "$work/$f" >&2 2>/dev/null || true; done
  exit 1
}
cd "$work"
bash "$root/scripts/pki.sh" pki > /dev/null
mport="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
uport=$(( 40000 + $$ % 20000 ))
bash "$root/scripts/broker.sh" start pki "$mport"
cat > gw.toml <<TOML
[uplink]
broker = "127.0.0.1:$mport"
ca = "pki/ca.crt"
cert = "pki/gw-01.crt"
key = "pki/gw-01.key"
site = "site-a"
gateway_id = "gw-01"
queue = "uplink.db"
TOML
"$vigil" uplink-sub --broker "127.0.0.1:$mport" --ca pki/ca.crt --cert pki/cloud-ingest.crt \
  --key pki/cloud-ingest.key --client-id e2e-gateway > messages.jsonl 2> sub.err &
pids+=($!)
for _ in $(seq 100); do grep -q subscribed sub.err && break; sleep 0.1; done

"$vigil" enroll --registry gw.db --out-dir bundles --count 2 --kind pulse_oximeter > /dev/null
victim=$(ls bundles | head -1)
victim_uid=${victim%%.bundle.json}
cp -p "bundles/$victim" stolen.bundle.json
"$vigil" gateway --config gw.toml --registry gw.db --listen 127.0.0.1:$uport --alerts alerts.json 2> gw.log &
gw_pid=$!
pids+=($gw_pid)
sleep 0.5
"$vigil" device --bundle-dir bundles --gateway 127.0.0.1:$uport --interval-ms 200 --store-dir store \
  --duration 4 2> dev.log &
pids+=($!)
sleep 1.5
"$vigil" device --bundle stolen.bundle.json --steal creds --gateway 127.0.0.1:$uport --duration 2 \
  --store-dir intruder-store 2> intruder.log || true
for _ in $(seq 100); do grep -q '"kind":"security"' messages.jsonl && break; sleep 0.1; done
grep -q '"kind":"security"' messages.jsonl || fail "no security message reached the subscriber"
grep '"kind":"security"' messages.jsonl | grep -q "\"device_uid\":\"$victim_uid\"" ||
  fail "no security message names $victim_uid"
grep -q '"state":"online"' messages.jsonl || fail "no online status"

# SIGHUP: the gateway reopens its files and reloads the uplink's certificates.
kill -HUP "$gw_pid"
for _ in $(seq 50); do grep -q 'uplink TLS files reloaded' gw.log && break; sleep 0.1; done
grep -q 'uplink TLS files reloaded' gw.log || fail "SIGHUP did not reload the uplink"
for _ in $(seq 100); do [ "$(grep -c '"msg":"uplink connected"' gw.log)" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c '"msg":"uplink connected"' gw.log)" -ge 2 ] || fail "no reconnection after the reload"

kill -TERM "$gw_pid"
wait "$gw_pid" || fail "the gateway did not stop cleanly"
for _ in $(seq 50); do grep '"kind":"status"' messages.jsonl | tail -1 | grep -q '"state":"offline"' && break; sleep 0.1; done
grep '"kind":"status"' messages.jsonl | tail -1 | grep -q '"state":"offline"' || fail "no offline status after a clean stop"
# Every reading the gateway verified went up: the two oximeters send SpO2 and pulse rate
# in each pack, under a pseudonym (never the device's uid), with no gap in the queue's seq.
frames=$(grep '"msg":"gateway stopped"' gw.log | sed 's/.*"data_frames":\([0-9]*\).*/\1/')
[ -n "$frames" ] && [ "$frames" -gt 0 ] || fail "no verified data frames"
"$py" - messages.jsonl "$frames" bundles <<'PY' || fail "readings lost or identifying"
import json, os, sys
tel = [json.loads(l)["payload"] for l in open(sys.argv[1]) if '"kind":"telemetry"' in l]
frames = int(sys.argv[2])
uids = [f.split(".")[0] for f in os.listdir(sys.argv[3])]
assert len(tel) == 2 * frames, f"{len(tel)} readings for {frames} packs"
assert {t["vital"] for t in tel} == {"spo2", "pulse_rate"}, {t["vital"] for t in tel}
for t in tel:
    assert not any(u in json.dumps(t) for u in uids), "a device uid left the edge"
seqs = sorted(int(json.loads(l)["payload"]["id"].rsplit("/", 1)[1]) for l in open(sys.argv[1])
              if any(f'"kind":"{k}"' in l for k in ("telemetry", "security", "alarm", "device")))
assert len(set(seqs)) == len(seqs), "duplicates"
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "a gap in the queue's seq"
print(f"{len(tel)} readings from {frames} verified packs, seq {seqs[0]}..{seqs[-1]} without a gap")
PY

# Every alert the gateway wrote went up, and each security message carries its line.
"$py" - alerts.json messages.jsonl <<'PY' || fail "alerts and security messages differ"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sec = [json.loads(l)["payload"] for l in open(sys.argv[2]) if '"kind":"security"' in l]
eves = [m["eve"] for m in sec]
assert alerts and all(a in eves for a in alerts), (len(alerts), len(eves))
print(f"{len(alerts)} alert(s) written, {len(sec)} security message(s) received")
PY
"$py" "$root/scripts/uplink_schema_check.py" "$root/docs/uplink.schema.json" messages.jsonl \
  > schema.out || fail "received messages break the schema: $(tail -3 schema.out)"
tail -1 schema.out
