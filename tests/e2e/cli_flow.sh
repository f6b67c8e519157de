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
[ "$(stat -c %a gw.db.key)" = 600 ] || fail "registry key file missing or not owner-only"

# A registry file that is not one (empty, here) is refused by every command and left as it
# is: no command re-initialises it or mints a new gateway identity into it.
: > empty.db
chmod 600 empty.db
if "$vigil" enroll --registry empty.db --out-dir eb > /dev/null 2> empty.err; then fail "enrolled into an empty registry file"; fi
grep -q 'empty (0 bytes).*restore' empty.err || fail "empty registry refusal unclear: $(cat empty.err)"
if "$vigil" registry list --registry empty.db > /dev/null 2>&1; then fail "listed an empty registry file"; fi
[ ! -s empty.db ] || fail "the empty registry file was written to"
[ ! -e empty.db.key ] || fail "a key was minted for a refused registry"

# An odd tag size cannot work with AES-CCM: refused at load, with the field named.
printf '[protocol]\ntag_size = 11\n' > odd.toml
if "$vigil" gateway --config odd.toml 2> odd.err; then fail "odd tag_size accepted"; fi
grep -q 'odd.toml:2: \[protocol\] tag_size: must be even' odd.err || fail "tag_size error unclear: $(cat odd.err)"

# --store-dir naming a file is an operator mistake, reported as such.
touch not-a-dir
if "$vigil" device --bundle-dir bundles --store-dir not-a-dir --duration 1 2> notdir.err; then fail "a file accepted as --store-dir"; fi
grep -q 'not-a-dir is not a directory' notdir.err || fail "store-dir error unclear: $(cat notdir.err)"
if grep -q 'terminate' notdir.err; then fail "store-dir error is an uncaught exception"; fi

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
victim=$(ls bundles | head -1)
victim_uid=${victim%%.bundle.json}
other=$(ls bundles | sed -n 2p)
cp -p "bundles/$victim" stolen.bundle.json   # the intruder's copy, taken before the import
start_gateway
sleep 0.5
start_devices
sleep 1.5
# Imported bundles are erased: the sealed store is the device's only copy of its secrets.
[ "$(ls bundles | wc -l)" -eq 0 ] || fail "bundles left after import: $(ls bundles)"
"$vigil" device --bundle stolen.bundle.json --steal creds --gateway 127.0.0.1:$port --duration 2 \
  --store-dir intruder-store 2> intruder.log
grep -q "\"device_uid\":\"$victim_uid\"" alerts.json || fail "no alert names $victim_uid"
grep -q '"event_type":"alert"' alerts.json || fail "alerts are not EVE JSON"
"$vigil" eve-check alerts.json > eve-check.txt 2>&1 || fail "alerts fail the EVE schema check: $(cat eve-check.txt)"
grep -q '"src_ip":"127.0.0.1","src_port":[0-9]*,"dest_ip":"127.0.0.1","dest_port":'"$port"',"proto":"UDP"' alerts.json ||
  fail "alerts do not carry the UDP endpoints: $(head -1 alerts.json)"
[ "$(grep -c '"msg":"associated"' dev.log)" -ge 4 ] || fail "devices did not all associate"
if grep -q '"msg":"associated"' intruder.log; then fail "the intruder associated"; fi

# A backup while the gateway runs is a consistent snapshot, without the key file.
"$vigil" registry backup --registry gw.db --out backup.db > backup.txt || fail "backup failed"
[ "$(stat -c %a backup.db)" = 600 ] || fail "backup is not owner-only"
grep -q 'NOT in the backup' backup.txt || fail "backup does not say the key file is left out"
[ ! -e backup.db-wal ] || fail "backup is not a single file"

# Both ends restart: the common function moved at every association above, and each end
# must have kept where it moved to, or the devices would now be refused. The devices start
# from their sealed stores alone.
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

# Restoring the backup marks every device as possibly behind (hardened moves R3).
"$vigil" registry restore --registry restored.db --from backup.db --registry-key gw.db.key > restore.txt \
  || fail "restore failed"
"$vigil" registry list --registry restored.db --registry-key gw.db.key > restored.txt || fail "restored registry does not list"
[ "$(grep -c ' restored ' restored.txt)" -eq 4 ] || fail "restored devices not flagged: $(cat restored.txt)"

# Revocation: the gateway notices, ends the session and rotates the broadcast key.
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
