#!/usr/bin/env bash
# The clinician dashboard in a browser (docs/dashboard.md): `vigil cloud serve` on a
# private port (SQLite, its local CA, the dashboard found beside the binary), a gateway
# ingesting over HTTPS, and Debian's Chromium headless driven by playwright-core
# (web/test/dashboard_e2e.mjs): a nurse sees only her ward, live; an alarm is raised,
# acknowledged and silenced; XSS strings in a name and in notes never run; CSRF,
# clickjacking and open redirects fail; the admin's security view, the auditor's verified
# chain; no CSP violation. Screenshots go to $VIGIL_TEST_ARTIFACTS (default
# <build>/test-artifacts/dashboard). Exits 77 (skipped) only when Chromium cannot be
# installed.
#   dashboard.sh path/to/vigil
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(dirname "$vigil")"
artifacts="${VIGIL_TEST_ARTIFACTS:-$build/test-artifacts/dashboard}"
chromium="$(command -v chromium || true)"
if [ -z "$chromium" ]; then
  "$root/scripts/install-deps.sh" >&2 || true
  chromium="$(command -v chromium || true)"
fi
if [ -z "$chromium" ]; then
  echo "SKIP: Debian's chromium is not installed and could not be (scripts/install-deps.sh)" >&2
  exit 77
fi
# The dashboard beside the binary, where `vigil cloud serve` looks by default.
bash "$root/scripts/web.sh" "$build/web"

work="$(mktemp -d)"
chmod 0755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -20 "$work/serve.log" >&2 || true
  exit 1
}
cd "$work"
export VIGIL_CLOUD_MASTER_KEY="$(openssl rand -hex 32)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
nurse_pw='correct horse battery staple'
admin_pw='kestrel harbour lantern 42'
auditor_pw='auditor pass phrase 1'
printf '%s\n' "$nurse_pw" > nurse.pw
printf '%s\n' "$admin_pw" > admin.pw
printf '%s\n' "$auditor_pw" > auditor.pw
chmod 0600 ./*.pw

db=(--db "$work/cloud.db")
"$vigil" cloud migrate "${db[@]}" > /dev/null
ada="$("$vigil" cloud admit "${db[@]}" --name "Ada Lovelace" --pseudonym p-ada --ward icu --bed 1 \
  --device-kind pulse_oximeter | json 'd["patient_id"]')"
xss="$("$vigil" cloud admit "${db[@]}" --name '<img src=x onerror="window.__xss=1">Eve' \
  --pseudonym p-xss --ward icu --bed 2 --device-kind pulse_oximeter | json 'd["patient_id"]')"
alan="$("$vigil" cloud admit "${db[@]}" --name "Alan Turing" --pseudonym p-alan --ward cardio \
  --bed 7 | json 'd["patient_id"]')"
"$vigil" cloud user add "${db[@]}" --id nurse.joy --role nurse --ward icu \
  --display-name "Joy (nurse)" --password-file nurse.pw > /dev/null
"$vigil" cloud user add "${db[@]}" --id admin --role admin --password-file admin.pw > /dev/null
"$vigil" cloud user add "${db[@]}" --id aud --role auditor --password-file auditor.pw > /dev/null
key="$("$vigil" cloud api-key add "${db[@]}" --owner gw-01 | json 'd["key"]')"

port="$(free_port)"
"$vigil" cloud serve "${db[@]}" --broker "" --api "127.0.0.1:$port" --ca-dir ca \
  --management "" --site e2e 2> serve.log &
pids+=($!)
for _ in $(seq 200); do grep -q '"msg":"api"' serve.log && break; sleep 0.05; done
grep -q '"msg":"api"' serve.log || fail "cloud serve did not start its API"
grep -q 'dashboard not served' serve.log && fail "the dashboard beside the binary was not found"
base="https://localhost:$port"

# An hour of history for the charts, one reading a minute for each bed of icu.
python3 - "$base" "$key" ca/ca.crt <<'PY' || fail "history ingest"
import json, sys, time, ssl, urllib.request
base, key, ca = sys.argv[1:4]
now = int(time.time() * 1000)
lines = []
seq = 1
for p in ("p-ada", "p-xss"):
    for m in range(60, 0, -1):
        t = now - m * 60000
        for vital, value, unit in (("spo2", 95 + (m % 3), "%"), ("pulse_rate", 78 + (m % 5), "/min")):
            lines.append(json.dumps({"v": 1, "id": f"gw-01/00000000000000aa/{seq}", "kind": "telemetry",
                "site": "site-a", "gateway": "gw-01", "stream": "00000000000000aa", "seq": seq,
                "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t / 1000)) + ".%03dZ" % (t % 1000),
                "time_ms": t, "pseudonym": p, "ward": "icu", "device_kind": "pulse_oximeter",
                "vital": vital, "value": value, "unit": unit, "quality": "valid"}))
            seq += 1
req = urllib.request.Request(base + "/ingest/v1/messages", data=("\n".join(lines) + "\n").encode(),
    headers={"Authorization": "ApiKey " + key, "Content-Type": "application/x-ndjson"})
out = json.load(urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca)))
assert out["stored"] == len(lines), out
PY

mkdir -p "$artifacts"
VIGIL_BASE="$base" VIGIL_CA="$work/ca/ca.crt" VIGIL_API_KEY="$key" VIGIL_ARTIFACTS="$artifacts" \
VIGIL_PATIENTS="{\"ada\": $ada, \"xss\": $xss, \"alan\": $alan}" VIGIL_CHROMIUM="$chromium" \
VIGIL_PW_NURSE="$nurse_pw" VIGIL_PW_ADMIN="$admin_pw" VIGIL_PW_AUDITOR="$auditor_pw" \
VIGIL_SECURITY_EXAMPLE="$root/testdata/uplink/examples/security.json" \
  node "$root/web/test/dashboard_e2e.mjs" || fail "browser test"
echo "screenshots: $artifacts"
