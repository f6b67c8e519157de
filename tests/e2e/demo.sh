#!/usr/bin/env bash
# `vigil demo` as a user runs it, three times:
#   1. `--duration 35`: it must exit 0 and leave no process behind; then the cloud is
#      started again on the database the run kept, and the accounts the demo printed log
#      in over HTTPS: every ward's nurse sees her ward's live vitals, a clinical alarm is
#      stored, and the admin's alert stream holds an alert of each intruder's kind
#      (identity theft, replay, flooding, brute-force login): device -> gateway -> broker
#      -> cloud, checked outside the demo's own summary.
#   2. SIGINT while it runs: it stops everything it started and exits.
#   3. SIGKILL while it runs: its children die with it (PR_SET_PDEATHSIG).
#   demo.sh path/to/vigil
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d)"
chmod 0755 "$work"
pids=()
leftovers() { pgrep -f -- "$work/$1/" || true; }
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  # Anything a failed run left behind is named by a path in this test's directory.
  for p in $(pgrep -f -- "$work/" || true); do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -40 "$f" >&2; }; done
  for f in "$work"/*/cloud.log "$work"/*/*/gateway.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -8 "$f" >&2; }; done
  exit 1
}
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
wait_for() {  # wait_for FILE TEXT SECONDS
  for _ in $(seq $(($3 * 10))); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "no \"$2\" in $1 within $3 s"
}
wait_gone() {  # wait_gone PID SECONDS
  for _ in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

# ---- 1. a scripted run ----
"$vigil" demo --duration 35 --keep "$work/run" > "$work/run.out" 2> "$work/run.log" &
demo=$!
pids+=($demo)
wait_for "$work/run.out" "Running for" 60
sleep 1  # a child shows its own command line once it has exec'd
during="$(leftovers run)"
[ "$(echo "$during" | wc -w)" -ge 17 ] || fail "expected the broker, the cloud, 5 gateways and 10 device processes, saw: $during"
code=0
wait "$demo" || code=$?
[ "$code" = 0 ] || fail "vigil demo --duration 35 exited with $code"
[ -z "$(leftovers run)" ] || fail "processes left after the run: $(leftovers run)"
for p in $during; do kill -0 "$p" 2>/dev/null && fail "process $p of the run is still alive"; done
grep -q "dashboard usable" "$work/run.out" || fail "the dashboard never became usable"
grep "dashboard usable\|summary" "$work/run.out"

# The cloud again, on what the run stored; the accounts it printed, over HTTPS.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$vigil" cloud serve --db "$work/run/cloud.db" --master-key-file "$work/run/cloud.key" \
  --broker "" --api "127.0.0.1:$port" --ca-dir "$work/run/cloud-ca" --management "" \
  2> "$work/serve.log" &
pids+=($!)
wait_for "$work/serve.log" '"msg":"api"' 30
cu=(curl -sS --cacert "$work/run/cloud-ca/ca.crt")
base="https://localhost:$port"
# Each account logs in from a loopback address of its own, as people do from their own
# machines: the API allows 10 credential requests a minute per source, and a login with a
# second factor takes two or three.
src=127.0.0.1
login() {  # login USER PASSWORD JAR [TOTP-SECRET]: the HTTP status of the last step
  local out ticket code status cu=("${cu[@]}" --interface "$src")
  out="$("${cu[@]}" -c "$3" -H 'Content-Type: application/json' \
    -d "{\"user\":\"$1\",\"password\":\"$2\"}" -w '\n%{http_code}' "$base/login")"
  status="${out##*$'\n'}"
  ticket="$(json 'd.get("mfa_ticket", "")' <<< "${out%$'\n'*}" 2>/dev/null || true)"
  if [ "$status" != 200 ] || [ -z "$ticket" ]; then echo "$status"; return; fi
  # The code an authenticator app shows, computed by oathtool; the demo itself logged in
  # during the last 30 s, so this step's code may be spent: the next step's is in the window.
  for at in now "30 seconds"; do
    code="$(oathtool --totp -b -N "$(date -u -d "$at" '+%Y-%m-%d %H:%M:%S UTC')" "$4")"
    status="$("${cu[@]}" -b "$3" -c "$3" -H 'Content-Type: application/json' \
      -d "{\"mfa_ticket\":\"$ticket\",\"code\":\"$code\"}" -o /dev/null -w '%{http_code}' \
      "$base/login/mfa")"
    [ "$status" = 200 ] && break
  done
  echo "$status"
}
accounts=0
while read -r _ user role _ password _ secret rest; do
  accounts=$((accounts + 1))
  src="127.0.0.$((100 + accounts))"
  code="$(login "$user" "$password" "$work/$user.jar" "$secret")"
  [ "$code" = 200 ] || fail "account $user ($role) printed by the demo cannot log in: $code"
  if [ "$role" = nurse ]; then
    ward="${rest##* }"
    out="$("${cu[@]}" -b "$work/$user.jar" "$base/api/wards/$ward/latest")"
    n="$(json 'sum(1 for b in d["beds"] if b.get("vitals"))' <<< "$out")"
    [ "$n" -ge 1 ] || fail "no vitals of ward $ward in the cloud: $out"
    echo "$user: $n beds of $ward with vitals"
  fi
done < <(grep '^  account ' "$work/run.out")
[ "$accounts" = 8 ] || fail "expected 8 accounts (5 nurses, a doctor, an admin, an auditor), got $accounts"
code="$(login admin wrong-password-123 "$work/bad.jar")"
[ "$code" = 401 ] || fail "a wrong password got $code"

alerts="$("${cu[@]}" -b "$work/admin.jar" "$base/alerts?limit=1000")"
kinds="$(json '" ".join(sorted({("identity" if 9100001 <= a["signature_id"] <= 9100009 else "replay" if a["signature_id"] == 9100020 else "flood" if 9100030 <= a["signature_id"] <= 9100039 else "login" if a["signature_id"] in (9100205, 9100206) else "other") for a in d["alerts"]}))' <<< "$alerts")"
echo "alert kinds in the cloud: $kinds"
for k in identity replay flood login; do
  [[ " $kinds " == *" $k "* ]] || fail "no $k alert reached the cloud: $alerts"
done
alarms=0
for pid in $(python3 -c 'import sqlite3,sys; print(" ".join(str(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("SELECT patient_id FROM patients")))' "$work/run/cloud.db"); do
  out="$("${cu[@]}" -b "$work/doctor.jar" "$base/api/patients/$pid/alarms")"
  alarms=$((alarms + $(json 'sum(1 for a in d["alarms"] if not (a.get("detail") or {}).get("condition", "_artefact").endswith(("_sensor_stale", "_artefact")))' <<< "$out")))
done
[ "$alarms" -ge 1 ] || fail "no clinical alarm reached the cloud"
echo "clinical alarms in the cloud: $alarms"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# ---- 2. Ctrl-C while it runs ----
"$vigil" demo --keep "$work/int" > "$work/int.out" 2> "$work/int.log" &
demo=$!
pids+=($demo)
wait_for "$work/int.out" "Running until Ctrl-C" 60
sleep 1
during="$(leftovers int)"
[ -n "$during" ] || fail "no child process seen while the demo ran"
kill -INT "$demo"
wait_gone "$demo" 40 || fail "vigil demo did not exit within 40 s of SIGINT"
wait "$demo" || true
grep -q "everything stopped" "$work/int.out" || fail "no clean stop after SIGINT"
[ -z "$(leftovers int)" ] || fail "processes left after SIGINT: $(leftovers int)"
echo "SIGINT: $(echo "$during" | wc -w) processes started, none left (${SECONDS} s)"

# ---- 3. SIGKILL: the children die with the demo ----
"$vigil" demo --keep "$work/kill" > "$work/kill.out" 2> "$work/kill.log" &
demo=$!
pids+=($demo)
wait_for "$work/kill.out" "Running until Ctrl-C" 60
sleep 1
during="$(leftovers kill)"
[ "$(echo "$during" | wc -w)" -ge 17 ] || fail "expected 17 child processes before SIGKILL, saw: $during"
kill -KILL "$demo"
wait "$demo" 2>/dev/null || true
for p in $during; do wait_gone "$p" 10 || fail "process $p outlived the SIGKILLed demo"; done
echo "SIGKILL: $(echo "$during" | wc -w) processes died with the demo"
echo "demo e2e: ok"
