#!/usr/bin/env bash
# The commands as an operator runs them: enroll, start a gateway and devices as separate
# processes, let an intruder with stolen credentials try, check the alert, revoke a device.
#   cli_flow.sh path/to/vigil
set -euo pipefail
vigil="$1"
work="$(mktemp -d)"
port=$(( 40000 + $$ % 20000 ))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- gateway log" >&2; cat "$work/gw.log" >&2 || true; exit 1; }
cd "$work"

"$vigil" enroll --registry gw.db --out-dir bundles --count 4 --kind pulse_oximeter > enroll.txt
[ "$(ls bundles/*.bundle.json | wc -l)" -eq 4 ] || fail "expected 4 bundles"
for b in bundles/*.bundle.json; do
  [ "$(stat -c %a "$b")" = 600 ] || fail "bundle $b is not owner-only"
done
[ "$(stat -c %a gw.db)" = 600 ] || fail "registry is not owner-only"

# A bad configuration is refused with the line and the field.
printf '[protocol]\nversion = "v9"\n' > bad.toml
if "$vigil" gateway --config bad.toml 2> bad.err; then fail "bad config accepted"; fi
grep -q 'bad.toml:2: \[protocol\] version' bad.err || fail "config error does not name line and field: $(cat bad.err)"

# Hardened moves each device's common function at every association: a device that
# could not keep it across a restart is refused at start, with the way out.
if "$vigil" device --bundle-dir bundles --gateway 127.0.0.1:$port --duration 1 2> nostore.err; then
  fail "a device without --store-dir started under hardened"
fi
grep -q 'must persist it: give --store-dir' nostore.err || fail "no-store refusal unclear: $(cat nostore.err)"

start_gateway() {
  "$vigil" gateway --registry gw.db --listen 127.0.0.1:$port --alerts alerts.json 2> gw.log &
  gw_pid=$!
  pids+=($gw_pid)
}
start_devices() {
  "$vigil" device --bundle-dir bundles --gateway 127.0.0.1:$port --interval-ms 200 \
    --store-dir store --tamper-flag tamper.flag 2> dev.log &
  dev_pid=$!
  pids+=($dev_pid)
}
start_gateway
sleep 0.5
start_devices
sleep 1.5
victim=$(ls bundles | head -1)
victim_uid=${victim%%.bundle.json}
"$vigil" device --bundle "bundles/$victim" --steal creds --gateway 127.0.0.1:$port --duration 2 \
  --store-dir intruder-store 2> intruder.log
grep -q "\"device_uid\":\"$victim_uid\"" alerts.json || fail "no alert names $victim_uid"
grep -q '"event_type":"alert"' alerts.json || fail "alerts are not EVE JSON"
"$vigil" eve-check alerts.json > eve-check.txt 2>&1 || fail "alerts fail the EVE schema check: $(cat eve-check.txt)"
grep -q '"src_ip":"127.0.0.1","src_port":[0-9]*,"dest_ip":"127.0.0.1","dest_port":'"$port"',"proto":"UDP"' alerts.json ||
  fail "alerts do not carry the UDP endpoints: $(head -1 alerts.json)"
[ "$(grep -c '"msg":"associated"' dev.log)" -ge 4 ] || fail "devices did not all associate"
if grep -q '"msg":"associated"' intruder.log; then fail "the intruder associated"; fi

# Both ends restart: the common function moved at every association above, and each end
# must have kept where it moved to, or the devices would now be refused.
kill "$dev_pid" "$gw_pid" || fail "the gateway or the devices stopped early"
wait "$dev_pid" "$gw_pid" 2>/dev/null || true
mv gw.log gw-1.log
mv dev.log dev-1.log
start_gateway
sleep 0.5
start_devices
sleep 1.5
[ "$(grep -c '"msg":"associated"' dev.log)" -ge 4 ] || fail "devices did not associate again after restarts: $(cat dev.log)"
if grep -q '"msg":"association failed"' dev.log; then fail "a device was refused after restarts: $(cat dev.log)"; fi

# Revocation: the gateway notices, ends the session and rotates the broadcast key.
other=$(ls bundles | sed -n 2p)
"$vigil" registry revoke --registry gw.db "${other%%.bundle.json}" > /dev/null
sleep 3
grep -q '"msg":"device revoked; broadcast key rotated"' gw.log || fail "revocation not applied"
# Secrets were sealed on first start; a tamper signal wipes them and stops the devices.
[ "$(ls store/*.sealed | wc -l)" -eq 4 ] || fail "sealed stores missing"
if grep -q "$victim_uid" store/*.sealed; then fail "sealed store holds the uid in clear"; fi
touch tamper.flag
sleep 1
[ "$(grep -c 'tamper detected' dev.log)" -eq 4 ] || fail "tamper not acted on"
if ls store/*.sealed >/dev/null 2>&1; then fail "sealed stores survived the tamper signal"; fi
"$vigil" eve-check alerts.json > eve-check.txt 2>&1 || fail "alerts fail the EVE schema check: $(cat eve-check.txt)"
echo "cli_flow: ok"
