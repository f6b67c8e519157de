#!/usr/bin/env bash
# A device revoked from the cloud, end to end, with the real broker (mutual TLS, the
# shipped ACL), a real `vigil gateway` with two enrolled oximeters run by `vigil device`,
# and `vigil cloud serve` with its HTTPS API: the gateway's inventory reaches the cloud;
# the admin logs in and revokes one device over HTTPS; the cloud signs the command and
# sends it down; the gateway ends the device's session and rotates its broadcast key, as
# `vigil registry revoke` does, and says so; the cloud marks the command done and the
# device revoked. A command signed with another key, published on the gateway's topic
# with the cloud's own certificate, is refused and reported as a security event; one
# published with another gateway's certificate never reaches the gateway (the ACL).
#   device_revoke.sh path/to/vigil
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
chmod 0755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 30); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  bash "$root/scripts/broker.sh" stop "$work/pki" >/dev/null 2>&1 || true
  [ -n "${VIGIL_E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2 || true; done
  exit 1
}
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
sql() { python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(r[0] if r else "")' cloud.db "$1"; }
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local t="$1" what="$2"
  shift 2
  for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done
  fail "$what"
}

bash "$root/scripts/pki.sh" pki > /dev/null
mport="$(free_port)"
uport="$(free_port)"
aport="$(free_port)"
gport="$(free_port)"
bash "$root/scripts/broker.sh" start pki "$mport"
export VIGIL_CLOUD_MASTER_KEY="$(openssl rand -hex 32)"

# The cloud: an admin, and the public key the gateway verifies commands with.
printf 'kestrel harbour lantern 42\n' > admin.pw
chmod 0600 admin.pw
"$vigil" cloud user add --db cloud.db --id admin --role admin --password-file admin.pw > /dev/null
"$vigil" cloud command-key --db cloud.db --out cloud-command.pub
grep -q 'BEGIN PUBLIC KEY' cloud-command.pub || fail "no command key written"
"$vigil" cloud serve --db cloud.db --broker "127.0.0.1:$mport" --tls-dir pki \
  --api "127.0.0.1:$aport" --ca-dir cloud-ca --management "" --site site-a \
  --client-id e2e-revoke 2> serve.log &
pids+=($!)
wait_for 20 "the cloud did not subscribe" grep -q '"subscribed"' serve.log

# The gateway with two oximeters, its uplink, and the cloud's key for the downlink.
"$vigil" enroll --registry gw.db --out-dir bundles --count 2 --kind pulse_oximeter --ward icu \
  > /dev/null
victim="$(ls bundles | head -1)"
victim="${victim%%.bundle.json}"
other="$(ls bundles | tail -1)"
other="${other%%.bundle.json}"
cat > gw.toml <<TOML
[uplink]
broker = "127.0.0.1:$mport"
ca = "pki/ca.crt"
cert = "pki/gw-01.crt"
key = "pki/gw-01.key"
site = "site-a"
gateway_id = "gw-01"
queue = "uplink.db"
command_key = "cloud-command.pub"
TOML
"$vigil" gateway --config gw.toml --registry gw.db --listen "127.0.0.1:$uport" \
  --alerts alerts.json --management "127.0.0.1:$gport" 2> gw.log &
gw_pid=$!
pids+=($gw_pid)
wait_for 20 "the gateway's uplink did not connect" grep -q '"msg":"uplink connected"' gw.log
grep -q 'downlink on' gw.log || fail "the gateway did not turn its downlink on"
"$vigil" device --bundle-dir bundles --gateway "127.0.0.1:$uport" --interval-ms 200 \
  --store-dir store --duration 60 2> dev.log &
pids+=($!)

# The inventory: both devices associated, as the gateway reports them.
associated() { [ "$(sql "SELECT COUNT(*) FROM devices WHERE state = 'associated'")" = 2 ]; }
wait_for 30 "the cloud's inventory never showed both devices associated" associated

# The admin logs in over HTTPS and sees them.
base="https://localhost:$aport"
cu=(curl -sS --cacert cloud-ca/ca.crt)
"${cu[@]}" -c jar -d user=admin --data-urlencode 'password=kestrel harbour lantern 42' "$base/login" \
  > login.json
csrf="$(json 'd["csrf_token"]' < login.json)"
out="$("${cu[@]}" -b jar "$base/admin/devices")"
[ "$(json 'sorted(x["device"] for x in d["devices"])' <<< "$out")" = \
  "$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$victim" "$other")" ] \
  || fail "inventory over HTTPS: $out"
[ "$(json '[x["state"] for x in d["devices"]]' <<< "$out")" = "['associated', 'associated']" ] \
  || fail "not associated: $out"

# A revocation without the CSRF token is refused; the admin's goes through.
code="$("${cu[@]}" -b jar -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"reason":"no token"}' "$base/admin/devices/$victim/revoke")"
[ "$code" = 403 ] || fail "a revocation without CSRF token got $code"
out="$("${cu[@]}" -b jar -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d '{"reason":"reported stolen from bed 3"}' -w '\n%{http_code}' \
  "$base/admin/devices/$victim/revoke")"
[ "$(tail -1 <<< "$out")" = 202 ] || fail "revoke: $out"
command_id="$(head -1 <<< "$out" | json 'd["command_id"]')"
[ "$(head -1 <<< "$out" | json 'd["state"]')" = pending ] || fail "revoke: $out"

# The gateway executes it: the session ends, the broadcast key rotates, it answers.
wait_for 30 "the gateway did not revoke the device" grep -q '"msg":"device revoked by the cloud"' gw.log
grep '"msg":"device revoked; broadcast key rotated"' gw.log | grep -q "$victim" \
  || fail "no session end and key rotation for $victim"
done_cmd() { [ "$(sql "SELECT state FROM gateway_commands WHERE command_id = '$command_id'")" = done ]; }
wait_for 30 "the cloud never marked the command done" done_cmd
out="$("${cu[@]}" -b jar "$base/admin/devices")"
state_of() { python3 -c 'import json,sys; d=json.load(sys.stdin); print({x["device"]: x["state"] for x in d["devices"]}[sys.argv[1]])' "$1"; }
[ "$(state_of "$victim" <<< "$out")" = revoked ] \
  || fail "the inventory does not show $victim revoked: $out"
"$vigil" registry list --registry gw.db | grep "$victim" | grep -q revoked \
  || fail "the gateway's registry does not hold $victim revoked"
# One session left at the gateway (the revoked device cannot come back); the other one
# keeps its session.
sessions() { curl -sS "http://127.0.0.1:$gport/metrics" | sed -n 's/^vigil_sessions \([0-9]*\).*/\1/p'; }
sleep 3
[ "$(sessions)" = 1 ] || fail "the gateway holds $(sessions) sessions after the revocation, not 1"
[ "$(sql "SELECT state FROM devices WHERE device_uid = '$other'")" = associated ] \
  || fail "the other device lost its session"
echo "revoked $victim from the cloud: command $command_id done, session ended at the gateway"

# A forged command: the cloud's certificate (the one identity the ACL lets publish there),
# another key's signature. Refused, reported as a security event, nothing revoked.
openssl genpkey -algorithm ed25519 -out rogue.key 2> /dev/null
now="$(python3 -c 'import time; print(int(time.time() * 1000))')"
body="vigil-command-v1 cmd-forged site-a gw-01 revoke $other $now $((now + 3600000)) $(openssl rand -hex 16)"
printf '%s' "$body" > body.bin
openssl pkeyutl -sign -rawin -inkey rogue.key -in body.bin -out sig.bin
forged="$body $(od -An -tx1 -v sig.bin | tr -d ' \n')"
"$vigil" uplink-pub --broker "127.0.0.1:$mport" --ca pki/ca.crt --cert pki/cloud-ingest.crt \
  --key pki/cloud-ingest.key --topic vigil/down/v1/site-a/gw-01/command --message "$forged" \
  > pub.out 2> pub.log || fail "uplink-pub with the cloud's certificate"
wait_for 20 "the forged command was not refused" \
  sh -c "grep '\"msg\":\"downlink: command refused\"' gw.log | grep -q forged"
grep -q '"signature_id":9100300' alerts.json || fail "no alert 9100300 in the gateway's EVE file"
alert_up() { [ "$(sql "SELECT COUNT(*) FROM security_alerts WHERE signature_id = 9100300")" -ge 1 ]; }
wait_for 20 "the refusal did not reach the cloud as a security alert" alert_up
"$vigil" registry list --registry gw.db | grep "$other" | grep -q revoked \
  && fail "the forged command revoked $other"

# The same forgery with another gateway's certificate: the broker's ACL drops it.
refusals="$(grep -c '"msg":"downlink: command refused"' gw.log)"
"$vigil" uplink-pub --broker "127.0.0.1:$mport" --ca pki/ca.crt --cert pki/gw-02.crt \
  --key pki/gw-02.key --topic vigil/down/v1/site-a/gw-01/command --message "$forged" \
  > pub2.out 2> pub2.log || true
sleep 3
[ "$(grep -c '"msg":"downlink: command refused"' gw.log)" = "$refusals" ] \
  || fail "a command published by another gateway reached gw-01"
echo "forged command refused (alert 9100300, in the cloud too); another gateway's never delivered"

kill -TERM "$gw_pid"
wait "$gw_pid" || fail "the gateway did not stop cleanly"
