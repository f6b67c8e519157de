#!/usr/bin/env bash
# `vigil audit verify` as an auditor runs it on a SQLite file someone may have edited: a
# chain of records appended through the store (the cloud_test binary's AuditFixture,
# which also seals the head key and signs the head), verified intact, then tampered with
# by the sqlite3 shell in four ways (a field changed, a row deleted, a copied row
# inserted, the tail cut), each on a fresh copy, and each must be named with its seq.
# Then the same with only the public key and a head line kept outside the database, and
# the chain in PostgreSQL (scripts/postgres.sh) edited with psql.
#   audit_verify.sh path/to/vigil      (cloud_test is looked for beside it)
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cloud_test="$(dirname "$vigil")/cloud_test"
[ -x "$cloud_test" ] || { echo "FAIL: $cloud_test not built (cmake --build . --target cloud_test)" >&2; exit 1; }
command -v sqlite3 > /dev/null || { echo "FAIL: the sqlite3 shell is not installed" >&2; exit 1; }
work="$(mktemp -d)"
chmod 0755 "$work"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cleanup() {
  bash "$root/scripts/postgres.sh" stop "$work/pg" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export VIGIL_CLOUD_MASTER_KEY="$(openssl rand -hex 32)"
fail() { echo "FAIL: $*" >&2; exit 1; }

VIGIL_AUDIT_FIXTURE_DB="$work/chain.db" VIGIL_AUDIT_FIXTURE_COUNT=40 \
  "$cloud_test" --gtest_filter='AuditFixture.*' > fixture.log 2>&1 || { cat fixture.log >&2; fail "fixture"; }
[ -s chain.db ] || fail "the fixture wrote no database"

# verify DB EXPECTED_RC EXPECTED_FINDING [EXPECTED_SEQ] [extra args...]
verify() {
  local db="$1" rc_want="$2" finding="$3" seq="$4"
  shift 4
  set +e
  out="$("$vigil" audit verify --db "$db" --page 7 "$@" 2> verify.err)"
  rc=$?
  set -e
  echo "$out"
  [ "$rc" = "$rc_want" ] || { cat verify.err >&2; fail "$db: exit $rc, wanted $rc_want: $out"; }
  python3 - "$out" "$finding" "$seq" <<'PY' || fail "$db: $out"
import json, sys
j = json.loads(sys.argv[1])
assert j["finding"] == sys.argv[2], (j["finding"], sys.argv[2])
if sys.argv[3] != "-":
    assert j["seq"] == int(sys.argv[3]), (j["seq"], sys.argv[3])
PY
}
copy() { cp chain.db "$1"; }
sql() { sqlite3 "$1" "$2"; }

verify chain.db 0 intact - --require-head
# A mistyped path is an error, not an empty chain that verifies.
set +e
"$vigil" audit verify --db missing.db > /dev/null 2> missing.err
rc=$?
set -e
[ "$rc" = 2 ] && [ ! -e missing.db ] || fail "a missing database: exit $rc, $(cat missing.err)"
head_line="$("$vigil" audit head --db chain.db)"
[[ "$head_line" == vigil-audit-head-v1\ 40\ * ]] || fail "head line: $head_line"

# A field changed in place (same length, so the bytes still parse): record 11's actor (a nurse's read).
copy altered.db
sql altered.db "UPDATE audit_log SET record = CAST(replace(CAST(record AS TEXT), 'u-1017', 'u-6666') AS BLOB) WHERE seq = 11"
verify altered.db 1 altered 11

# A row deleted inside the chain.
copy deleted.db
sql deleted.db "DELETE FROM audit_log WHERE seq IN (20, 21)"
verify deleted.db 1 deleted 20

# A copy of record 5 slipped in before record 30 (the rows from 30 on moved one key up).
copy inserted.db
sql inserted.db "UPDATE audit_log SET seq = -seq WHERE seq >= 30; UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;
  INSERT INTO audit_log (seq, time_ms, record, prev_hash, hash) SELECT 30, time_ms, record, prev_hash, hash FROM audit_log WHERE seq = 5"
verify inserted.db 1 inserted 5

# The last records cut off: only the signed head shows it.
copy cut.db
sql cut.db "DELETE FROM audit_log WHERE seq > 36"
verify cut.db 1 truncated 37
# ... and with the stored heads deleted too, the head kept outside still does.
sql cut.db "DELETE FROM audit_heads"
verify cut.db 0 intact -
verify cut.db 1 no_head - --require-head
verify cut.db 1 truncated 37 --head "$head_line"

# An auditor without the master key: the public key and the head line only.
"$vigil" audit head-key --db chain.db > head.pub
echo "$head_line" > head.txt
VIGIL_CLOUD_MASTER_KEY= verify chain.db 0 intact - --head-key head.pub --head head.txt --master-key-file /nonexistent
VIGIL_CLOUD_MASTER_KEY= verify cut.db 1 truncated 37 --head-key head.pub --head head.txt --master-key-file /nonexistent

# A forged head line (its signature no longer covers it).
forged="${head_line/ 40 / 39 }"
verify chain.db 1 head_forged - --head "$forged"
# The same store on PostgreSQL: intact, then the tail cut and a byte changed with psql.
base="$(bash "$root/scripts/postgres.sh" start "$work/pg")"
psql -qtAX "$base" -c "CREATE DATABASE audit_e2e" > /dev/null
pg="${base/\/postgres\?//audit_e2e?}"
VIGIL_AUDIT_FIXTURE_DB="$pg" VIGIL_AUDIT_FIXTURE_COUNT=25 \
  "$cloud_test" --gtest_filter='AuditFixture.*' > fixture-pg.log 2>&1 || { cat fixture-pg.log >&2; fail "fixture (postgresql)"; }
verify "$pg" 0 intact - --require-head
psql -qtAX "$pg" -c "DELETE FROM audit_log WHERE seq > 20" > /dev/null
verify "$pg" 1 truncated 21
psql -qtAX "$pg" -c "UPDATE audit_log SET record = overlay(record placing 'x'::bytea from 60 for 1) WHERE seq = 9" > /dev/null
verify "$pg" 1 altered 9
echo "audit_verify: ok"
