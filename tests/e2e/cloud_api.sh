#!/usr/bin/env bash
# The cloud's HTTPS API as an operator and its clients meet it, on SQLite and then on
# PostgreSQL (scripts/postgres.sh): patients admitted and staff created with the CLI,
# `vigil cloud serve` on a private port with the local CA made on first run, a gateway
# ingesting over HTTPS with its API key and with an OAuth2 token, a nurse logging in and
# reading her ward (and refused another), an auditor verifying the chain. Then the
# service is killed and started again: the nurse's session and the gateway's token still
# work, because a replica keeps nothing of its own (docs/cloud.md, "Shared state").
#   cloud_api.sh path/to/vigil
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
chmod 0755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
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
export VIGIL_CLOUD_MASTER_KEY="$(openssl rand -hex 32)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
printf 'correct horse battery staple\n' > nurse.pw
printf 'auditor pass phrase 1\n' > auditor.pw
chmod 0600 nurse.pw auditor.pw

# Telemetry lines of gateway $1 as docs/uplink.md writes them, seq $2..$3, now.
lines() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, time, datetime
gw, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
now = int(time.time() * 1000)
for seq in range(a, b + 1):
    t = now - (b - seq) * 1000
    iso = datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t % 1000)
    print(json.dumps({"v": 1, "id": f"{gw}/00000000000000aa/{seq}", "kind": "telemetry",
        "site": "site-a", "gateway": gw, "stream": "00000000000000aa", "seq": seq,
        "time": iso, "time_ms": t, "pseudonym": "p-ada", "ward": "icu",
        "device_kind": "pulse_oximeter", "vital": "spo2", "value": 90 + seq % 8,
        "unit": "%", "quality": "valid"}, separators=(",", ":")))
PY
}

run() {  # run BACKEND DB
  local backend="$1" db="$2"
  local api mgmt
  api="$(free_port)"
  mgmt="$(free_port)"
  local c=(--db "$db")
  "$vigil" cloud migrate "${c[@]}" > /dev/null
  "$vigil" cloud admit "${c[@]}" --name "Ada Lovelace" --pseudonym p-ada --ward icu --bed 1 \
    --device-kind pulse_oximeter > admit1.json
  "$vigil" cloud admit "${c[@]}" --name "Alan Turing" --pseudonym p-alan --ward cardio --bed 7 \
    > admit2.json
  local p1 p2
  p1="$(json 'd["patient_id"]' < admit1.json)"
  p2="$(json 'd["patient_id"]' < admit2.json)"
  "$vigil" cloud user add "${c[@]}" --id nurse.joy --role nurse --ward icu \
    --password-file nurse.pw > /dev/null
  "$vigil" cloud user add "${c[@]}" --id aud --role auditor --password-file auditor.pw > /dev/null
  "$vigil" cloud user add "${c[@]}" --id nurse.joy --role nurse 2> dup.log \
    && fail "a second user nurse.joy was created"
  local key secret
  key="$("$vigil" cloud api-key add "${c[@]}" --owner gw-01 | json 'd["key"]')"
  secret="$("$vigil" cloud client add "${c[@]}" --id gw-02 | json 'd["client_secret"]')"

  serve() {
    "$vigil" cloud serve "${c[@]}" --broker "" --api "127.0.0.1:$api" --ca-dir ca \
      --management "127.0.0.1:$mgmt" --site e2e 2> "serve-$backend-$1.log" &
    serve_pid=$!
    pids+=($serve_pid)
    for _ in $(seq 200); do grep -q '"msg":"api"' "serve-$backend-$1.log" && return 0; sleep 0.05; done
    fail "cloud serve ($backend) did not start its API"
  }
  serve 1
  local base="https://localhost:$api" cu=(curl -sS --cacert ca/ca.crt)

  # Plain HTTP on the TLS port gets no answer; TLS 1.2 fails the handshake.
  curl -sS -m 5 "http://127.0.0.1:$api/api/wards/icu/latest" > /dev/null 2>&1 \
    && fail "plain HTTP was answered"
  "${cu[@]}" --tls-max 1.2 "$base/login" > /dev/null 2>&1 && fail "TLS 1.2 was accepted"

  # A gateway ingests over HTTPS with its API key; the same lines again are duplicates.
  lines gw-01 1 20 > batch.ndjson
  local out
  out="$("${cu[@]}" -H "Authorization: ApiKey $key" -H 'Content-Type: application/x-ndjson' \
    --data-binary @batch.ndjson "$base/ingest/v1/messages")"
  [ "$(json 'd["stored"]' <<< "$out")" = 20 ] || fail "ingest: $out"
  out="$("${cu[@]}" -H "Authorization: ApiKey $key" -H 'Content-Type: application/x-ndjson' \
    --data-binary @batch.ndjson "$base/ingest/v1/messages")"
  [ "$(json 'd["duplicates"]' <<< "$out")" = 20 ] || fail "re-ingest: $out"
  # Another gateway's messages under gw-01's key are refused and not stored.
  lines gw-02 1 2 > other.ndjson
  out="$("${cu[@]}" -H "Authorization: ApiKey $key" -H 'Content-Type: application/x-ndjson' \
    --data-binary @other.ndjson "$base/ingest/v1/messages")"
  [ "$(json 'd["refused"][0]["reason"]' <<< "$out")" = not_your_gateway ] || fail "cross-gateway: $out"

  # gw-02 with OAuth2 client credentials.
  local token
  token="$("${cu[@]}" -u "gw-02:$secret" -d grant_type=client_credentials "$base/oauth/token" \
    | json 'd["access_token"]')"
  [ -n "$token" ] || fail "no token"
  lines gw-02 1 5 > gw2.ndjson
  out="$("${cu[@]}" -H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
    --data-binary @gw2.ndjson "$base/ingest/v1/messages")"
  [ "$(json 'd["stored"]' <<< "$out")" = 5 ] || fail "token ingest: $out"
  local code
  code="$("${cu[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${token}x" \
    -H 'Content-Type: application/x-ndjson' --data-binary @gw2.ndjson "$base/ingest/v1/messages")"
  [ "$code" = 401 ] || fail "a damaged token got $code"

  # The nurse logs in and reads her ward; another ward and another patient are refused.
  code="$("${cu[@]}" -o /dev/null -w '%{http_code}' "$base/api/wards/icu/latest")"
  [ "$code" = 401 ] || fail "no cookie got $code"
  "${cu[@]}" -c jar -d user=nurse.joy --data-urlencode 'password=correct horse battery staple' \
    "$base/login" > login.json
  local csrf
  csrf="$(json 'd["csrf_token"]' < login.json)"
  out="$("${cu[@]}" -b jar "$base/api/wards/icu/latest")"
  [ "$(json 'd["beds"][0]["name"]' <<< "$out")" = "Ada Lovelace" ] || fail "ward view: $out"
  [ "$(json 'd["beds"][0]["vitals"]["spo2"]["value"]' <<< "$out")" != "" ] || fail "no spo2: $out"
  code="$("${cu[@]}" -b jar -o /dev/null -w '%{http_code}' "$base/api/wards/cardio/latest")"
  [ "$code" = 403 ] || fail "another ward got $code"
  code="$("${cu[@]}" -b jar -o /dev/null -w '%{http_code}' "$base/api/patients/$p2")"
  [ "$code" = 403 ] || fail "another ward's patient got $code"
  code="$("${cu[@]}" -b jar -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"text":"no token"}' "$base/api/patients/$p1/notes")"
  [ "$code" = 403 ] || fail "a note without CSRF token got $code"
  code="$("${cu[@]}" -b jar -o /dev/null -w '%{http_code}' -H "X-CSRF-Token: $csrf" \
    -H 'Content-Type: application/json' -d '{"text":"sats dipping, O2 2L"}' \
    "$base/api/patients/$p1/notes")"
  [ "$code" = 201 ] || fail "a note got $code"
  out="$("${cu[@]}" -b jar "$base/fhir/Observation?patient=$p1&_count=5")"
  [ "$(json 'd["total"]' <<< "$out")" = 25 ] || fail "FHIR search (20 from gw-01, 5 from gw-02): $out"

  # Killed and started again: the session, the token and the chain are the database's.
  kill -9 "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  serve 2
  out="$("${cu[@]}" -b jar "$base/api/patients/$p1/notes")"
  [ "$(json 'd["notes"][0]["text"]' <<< "$out")" = "sats dipping, O2 2L" ] \
    || fail "session or note lost across a restart: $out"
  lines gw-02 6 7 > gw2b.ndjson
  out="$("${cu[@]}" -H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
    --data-binary @gw2b.ndjson "$base/ingest/v1/messages")"
  [ "$(json 'd["stored"]' <<< "$out")" = 2 ] || fail "token lost across a restart: $out"

  # The auditor sees the chain intact over the API; so does vigil audit verify.
  "${cu[@]}" -c jar2 -d user=aud --data-urlencode 'password=auditor pass phrase 1' \
    "$base/login" > /dev/null
  out="$("${cu[@]}" -b jar2 "$base/audit?verify=true&actor=nurse.joy")"
  [ "$(json 'd["verify"]["finding"]' <<< "$out")" = intact ] || fail "audit view: $out"
  [ "$(json 'len(d["entries"]) >= 6' <<< "$out")" = True ] || fail "the nurse's accesses: $out"
  code="$("${cu[@]}" -b jar2 -o /dev/null -w '%{http_code}' "$base/api/wards/icu/latest")"
  [ "$code" = 403 ] || fail "the auditor read vitals: $code"
  kill "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  "$vigil" audit verify "${c[@]}" > verify.json || fail "audit verify: $(cat verify.json)"
  echo "$backend: ingest (key, token), login, ward, refusals, restart, audit: ok"
}

run sqlite "sqlite://$work/cloud.db"
rm -rf ca jar jar2
url="$(bash "$root/scripts/postgres.sh" start "$work/pg")"
run postgresql "$url"
