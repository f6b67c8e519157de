#!/usr/bin/env bash
# People's credentials over real HTTPS (docs/access-control.md): an account created with
# `vigil cloud user add --totp` (a weak password refused first), the login in two steps
# with TOTP codes computed independently by oathtool (RFC 6238), a wrong and a replayed
# code refused, a password change that ends the other session, a logout that ends this
# one, and every step in the audit chain, which still verifies.
#   cloud_mfa.sh path/to/vigil
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d)"
chmod 0755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do echo "--- $f" >&2; tail -15 "$f" >&2 || true; done
  exit 1
}
command -v oathtool > /dev/null || fail "oathtool missing (scripts/install-deps.sh installs it)"
cd "$work"
export VIGIL_CLOUD_MASTER_KEY="$(openssl rand -hex 32)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
printf 'a quiet heron by the pond\n' > ada.pw
printf 'Password2024!\n' > weak.pw
printf 'auditor pass phrase 1\n' > auditor.pw
chmod 0600 ada.pw weak.pw auditor.pw
c=(--db "sqlite://$work/cloud.db")
"$vigil" cloud migrate "${c[@]}" > /dev/null

# A breached password is refused at creation; the account is not made.
"$vigil" cloud user add "${c[@]}" --id dr.weak --role doctor --password-file weak.pw \
  2> weak.log && fail "a breached password was accepted"
grep -q 'weak password: on a list of breached' weak.log || fail "weak: $(cat weak.log)"

"$vigil" cloud user add "${c[@]}" --id nurse.ada --role nurse --ward icu --password-file ada.pw \
  --totp > ada.json 2> ada-qr.txt
"$vigil" cloud user add "${c[@]}" --id aud --role auditor --password-file auditor.pw > /dev/null
secret="$(json 'd["totp_secret"]' < ada.json)"
[ "${#secret}" = 32 ] || fail "secret: $secret"
grep -q "otpauth://totp/" ada-qr.txt || fail "no otpauth URI on the terminal"
grep -q "█" ada-qr.txt || fail "no QR code on the terminal"
[ "$(json 'len(d["recovery_codes"])' < ada.json)" = 10 ] || fail "recovery codes: $(cat ada.json)"

api="$(free_port)"
"$vigil" cloud serve "${c[@]}" --broker "" --api "127.0.0.1:$api" --ca-dir ca --site e2e \
  --session-idle-minutes 10 --session-absolute-hours 8 2> serve.log &
pids+=($!)
serve_pid=$!
for _ in $(seq 200); do grep -q '"msg":"api"' serve.log && break; sleep 0.05; done
grep -q '"msg":"api"' serve.log || fail "cloud serve did not start its API"
base="https://localhost:$api"
cu=(curl -sS --cacert ca/ca.crt)
login() {  # login JAR -> prints the ticket
  "${cu[@]}" -c "$1" -H 'Content-Type: application/json' \
    -d '{"user":"nurse.ada","password":"a quiet heron by the pond"}' "$base/login" > login.json
  [ "$(json 'd.get("mfa_required")' < login.json)" = True ] || fail "no second step: $(cat login.json)"
  grep -q vigil_session "$1" && fail "a cookie before the second factor"
  json 'd["mfa_ticket"]' < login.json
}
second() {  # second JAR TICKET CODE -> prints the HTTP status
  "${cu[@]}" -c "$1" -o second.json -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"mfa_ticket\":\"$2\",\"code\":\"$3\"}" "$base/login/mfa"
}

# A wrong code (ten minutes ahead), then the right one; the same code again is a replay.
ticket="$(login jar)"
wrong="$(oathtool --totp -b -N 'now + 10 minutes' "$secret")"
[ "$(second jar "$ticket" "$wrong")" = 401 ] || fail "a wrong code: $(cat second.json)"
[ "$(json 'd["error"]' < second.json)" = invalid_code ] || fail "wrong: $(cat second.json)"
code="$(oathtool --totp -b "$secret")"
[ "$(second jar "$ticket" "$code")" = 200 ] || fail "the right code: $(cat second.json)"
csrf="$(json 'd["csrf_token"]' < second.json)"
grep -q vigil_session jar || fail "no session cookie after the second factor"
ticket2="$(login jar2)"
[ "$(second jar2 "$ticket2" "$code")" = 401 ] || fail "a replayed code was accepted"
# The next step's code (the window allows one ahead) opens a second session.
next="$(oathtool --totp -b -N 'now + 30 seconds' "$secret")"
[ "$(second jar2 "$ticket2" "$next")" = 200 ] || fail "the next code: $(cat second.json)"
[ "$(second jar3 "$ticket2" "$next")" = 401 ] || fail "a ticket was used twice"

# A password change from the first session ends the second.
st="$("${cu[@]}" -b jar -o pw.json -w '%{http_code}' -H "X-CSRF-Token: $csrf" \
  -H 'Content-Type: application/json' \
  -d '{"current_password":"a quiet heron by the pond","new_password":"password123456"}' \
  "$base/account/password")"
[ "$st" = 422 ] || fail "a breached new password: $st $(cat pw.json)"
st="$("${cu[@]}" -b jar -o /dev/null -w '%{http_code}' -H "X-CSRF-Token: $csrf" \
  -H 'Content-Type: application/json' \
  -d '{"current_password":"a quiet heron by the pond","new_password":"seven swans over the weir"}' \
  "$base/account/password")"
[ "$st" = 204 ] || fail "password change: $st"
st="$("${cu[@]}" -b jar2 -o /dev/null -w '%{http_code}' -X POST -H 'X-CSRF-Token: x' \
  "$base/logout")"
[ "$st" = 401 ] || fail "the other session survived the password change: $st"
# Logout ends this one.
st="$("${cu[@]}" -b jar -c jar -o /dev/null -w '%{http_code}' -X POST -H "X-CSRF-Token: $csrf" \
  "$base/logout")"
[ "$st" = 204 ] || fail "logout: $st"
grep -q vigil_session jar && fail "the cookie was not cleared"

# The auditor reads the chain: every step is there, and it verifies.
"${cu[@]}" -c jaud -d user=aud --data-urlencode 'password=auditor pass phrase 1' \
  "$base/login" > /dev/null
"${cu[@]}" -b jaud "$base/audit?verify=true&actor=nurse.ada&limit=100" > audit.json
[ "$(json 'd["verify"]["finding"]' < audit.json)" = intact ] || fail "chain: $(cat audit.json)"
for want in "password accepted; second factor required" "second factor refused: wrong_code" \
  "second factor refused: replayed_code" "login (password and totp)" \
  "password change refused: on a list" "password changed; 1 other sessions revoked" "logout"; do
  python3 -c 'import json,sys; d=json.load(open("audit.json")); sys.exit(0 if any(sys.argv[1] in e.get("reason","") for e in d["entries"]) else 1)' "$want" \
    || fail "not audited: $want"
done
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
"$vigil" audit verify "${c[@]}" > verify.json || fail "audit verify: $(cat verify.json)"
echo "mfa: user add --totp, weak password, two-step login (oathtool), wrong/replayed code, password change, logout, audit: ok"
