#!/usr/bin/env bash
# Backups as an operator takes them, with the real `vigil` binary: a backup of SQLite
# taken while `vigil cloud serve` ingests readings from a gateway through the broker is
# consistent (every stored reading has its dedup id, and no id is without its reading);
# a backup of the finished database restores into PostgreSQL (scripts/postgres.sh) with
# every row, and that database's backup restores into a new SQLite file with every row
# again; the restored database opens with the master key and numbers new patients past
# the restored ones. A damaged, truncated or wrongly keyed backup and a target that holds
# rows are refused with exit status 1 and a message that names why.
#   backup_restore.sh path/to/vigil        VIGIL_BACKUP_E2E_COUNT=3000
set -euo pipefail
vigil="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
count="${VIGIL_BACKUP_E2E_COUNT:-3000}"
work="$(mktemp -d)"
chmod 0755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  bash "$root/scripts/broker.sh" stop "$work/pki" >/dev/null 2>&1 || true
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
bash "$root/scripts/pki.sh" pki > /dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
bash "$root/scripts/broker.sh" start pki "$port"
export VIGIL_CLOUD_MASTER_KEY="$(openssl rand -hex 32)"
unset VIGIL_BACKUP_KEY

lite() {  # lite DB SQL: one value
  python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"
}
# Every row of every table, sorted byte-wise, as one digest: the same on both back-ends
# when the rows are (integers and text as text, blobs as hex).
digest_lite() {
  python3 - "$1" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
out = []
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"):
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
    for row in db.execute(f"SELECT {', '.join(cols)} FROM {t}"):
        out.append(t + "|" + "|".join("N" if v is None else v.hex() if isinstance(v, bytes) else str(v) for v in row))
print(hashlib.sha256("\n".join(sorted(out)).encode()).hexdigest(), len(out))
PY
}
digest_pg() {
  psql -qtAX "$1" -c "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1" |
  while read -r t; do
    cols="$(psql -qtAX "$1" -c "SELECT string_agg(CASE WHEN data_type = 'bytea' THEN 'encode(' || column_name || ', ''hex'')' ELSE 'COALESCE(' || column_name || '::text, ''N'')' END, ' || ''|'' || ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '$t'")"
    psql -qtAX "$1" -c "SELECT '$t|' || $cols FROM $t"
  done | python3 -c 'import hashlib,sys; rows=sorted(l.rstrip("\n") for l in sys.stdin if l.strip()); print(hashlib.sha256("\n".join(rows).encode()).hexdigest(), len(rows))'
}

# --- the backup key
"$vigil" backup keygen --out backup.key > keygen.out
[ "$(stat -c %a backup.key)" = 600 ] || fail "backup key file mode is $(stat -c %a backup.key)"
if "$vigil" backup keygen --out backup.key 2> keygen2.log; then fail "keygen replaced a key file"; fi

# --- a backup while ingest runs
"$vigil" cloud admit --db cloud.db --name "Ada Lovelace" --mrn MRN-1 --pseudonym ps-1 \
  --ward icu --bed 1 > admit.out 2> admit.log
"$vigil" cloud serve --db cloud.db --broker "127.0.0.1:$port" --tls-dir pki --api "" \
  --client-id e2e-backup --management "" 2> serve.log &
serve_pid=$!
pids+=($serve_pid)
for _ in $(seq 200); do grep -q '"subscribed"' serve.log && break; sleep 0.05; done
grep -q '"subscribed"' serve.log || fail "cloud serve did not subscribe"
cat > gw-01.toml <<TOML
[uplink]
broker = "127.0.0.1:$port"
ca = "pki/ca.crt"
cert = "pki/gw-01.crt"
key = "pki/gw-01.key"
site = "site-a"
gateway_id = "gw-01"
queue = "gw-01.queue.db"
TOML
"$vigil" uplink-load --config gw-01.toml --count "$count" --rate 1000 --batch 20 \
  --drain-timeout 120 > load.out 2> load.log &
load=$!
pids+=($load)
for _ in $(seq 400); do
  [ "$(lite cloud.db "SELECT COUNT(*) FROM vitals" 2>/dev/null || echo 0)" -ge $((count / 10)) ] && break
  sleep 0.05
done
# Backups one after the other while the readings arrive; each must hold whole ingest
# transactions only, and at least one must have been taken part way.
mid=0
for i in 1 2 3 4 5; do
  "$vigil" backup --db cloud.db --key backup.key --out "during-$i.vbk" > "during-$i.json" 2> "during-$i.log" ||
    fail "backup $i during ingest failed"
  "$vigil" restore --db "during-$i.db" --key backup.key --in "during-$i.vbk" > "during-restore-$i.json" \
    2> "during-restore-$i.log" || fail "restore of backup $i taken during ingest failed"
  v="$(lite "during-$i.db" "SELECT COUNT(*) FROM vitals")"
  k="$(lite "during-$i.db" "SELECT COUNT(*) FROM ingest_dedup WHERE kind = 'telemetry'")"
  o="$(lite "during-$i.db" "SELECT COUNT(*) FROM vitals v WHERE NOT EXISTS (SELECT 1 FROM ingest_dedup d WHERE d.message_id = v.message_id)")"
  [ "$v" = "$k" ] && [ "$o" = 0 ] && [ "$v" -gt 0 ] || fail "backup $i during ingest: $v readings, $k dedup ids, $o orphans"
  echo "backup $i during ingest: $v of $count readings, each with its dedup id"
  [ "$v" -lt "$count" ] && mid=$((mid + 1))
  [ "$(lite cloud.db "SELECT COUNT(*) FROM vitals")" -lt "$count" ] || break
done
[ "$mid" -gt 0 ] || fail "no backup was taken while readings were still arriving"
wait "$load" || fail "the gateway did not drain its queue"
for _ in $(seq 600); do
  [ "$(lite cloud.db "SELECT COUNT(*) FROM vitals")" -ge "$count" ] && break
  sleep 0.05
done
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
[ "$(lite cloud.db "SELECT COUNT(*) FROM vitals")" = "$count" ] || fail "ingest stored $(lite cloud.db "SELECT COUNT(*) FROM vitals") of $count"

# --- SQLite -> PostgreSQL -> SQLite, every row each time
"$vigil" backup --db cloud.db --key backup.key --out full.vbk > full.json 2> full.log || fail "backup failed"
python3 - full.json "$count" <<'PY' || fail "backup summary: $(cat full.json)"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["tables"]["vitals"] == int(sys.argv[2]), s
assert len(s["sha256"]) == 64 and s["bytes"] > 0, s
PY
[ "$(sha256sum full.vbk | cut -d' ' -f1)" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' full.json)" ] ||
  fail "the summary's sha256 is not the file's"
"$vigil" backup verify --key backup.key --in full.vbk > verify.json 2> verify.log || fail "verify failed"
pg_url="$(bash "$root/scripts/postgres.sh" start "$work/pg")" || fail "postgres did not start"
psql -qX "$pg_url" -c "CREATE DATABASE restored" >/dev/null
pg_db="${pg_url/\/postgres\?//restored?}"
"$vigil" restore --db "$pg_db" --key backup.key --in full.vbk > pg-restore.json 2> pg-restore.log ||
  fail "restore into PostgreSQL failed"
want="$(digest_lite cloud.db)"
got="$(digest_pg "$pg_db")"
[ "$want" = "$got" ] || fail "PostgreSQL after restore: $got, SQLite source: $want (digest, rows)"
echo "SQLite -> PostgreSQL: every row restored ($want)"
"$vigil" backup --db "$pg_db" --key backup.key --out pg.vbk > pg.json 2> pg.log || fail "backup of PostgreSQL failed"
"$vigil" restore --db again.db --key backup.key --in pg.vbk > again.json 2> again.log ||
  fail "restore into SQLite failed"
got="$(digest_lite again.db)"
[ "$want" = "$got" ] || fail "SQLite after PostgreSQL: $got, source: $want"
echo "PostgreSQL -> SQLite: every row restored"
"$vigil" cloud admit --db again.db --name "Grace Hopper" --pseudonym ps-2 > admit2.out 2> admit2.log ||
  fail "the restored database does not open with the master key"
grep -q '"patient_id":2' admit2.out || fail "new patient after restore: $(cat admit2.out)"
"$vigil" cloud admit --db "$pg_db" --name "Grace Hopper" --pseudonym ps-2 > admit3.out 2> admit3.log ||
  fail "the restored PostgreSQL database refused a new patient"
grep -q '"patient_id":2' admit3.out || fail "new patient after restore on PostgreSQL: $(cat admit3.out)"

# --- refusals: exit status 1 and the reason
refused() {  # refused WHAT EXPECTED-TEXT COMMAND...
  local what="$1" text="$2"
  shift 2
  set +e
  "$@" > refused.out 2> refused.log
  local rc=$?
  set -e
  [ "$rc" = 1 ] || fail "$what: exit status $rc, expected 1 ($(cat refused.log))"
  grep -q "$text" refused.log || fail "$what: '$(cat refused.log)' does not say '$text'"
  echo "$what: refused: $(cat refused.log)"
}
refused "restore into a database with rows" "not-empty" \
  "$vigil" restore --db cloud.db --key backup.key --in full.vbk
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[len(b)//2]^=1; open(sys.argv[2],"wb").write(b)' full.vbk flipped.vbk
refused "a flipped byte" "corrupt: chunk" "$vigil" backup verify --key backup.key --in flipped.vbk
refused "a flipped byte, on restore" "corrupt: chunk" \
  "$vigil" restore --db flipped.db --key backup.key --in flipped.vbk
[ "$(lite flipped.db "SELECT COUNT(*) FROM vitals")" = 0 ] || fail "a refused restore left rows"
head -c $((64 + 3 * (65536 + 16))) full.vbk > cut.vbk
refused "a backup cut at a chunk boundary" "truncated" "$vigil" backup verify --key backup.key --in cut.vbk
head -c $(( $(stat -c %s full.vbk) - 100 )) full.vbk > cut2.vbk
refused "a backup cut mid-chunk" "corrupt: chunk" "$vigil" backup verify --key backup.key --in cut2.vbk
"$vigil" backup keygen --out other.key > /dev/null
refused "the wrong key" "wrong-key" "$vigil" backup verify --key other.key --in full.vbk
refused "a file that is not a backup" "not-a-backup" "$vigil" backup verify --key backup.key --in cloud.db
if "$vigil" backup --db cloud.db --key backup.key --out full.vbk > /dev/null 2>&1; then
  fail "backup replaced an existing file"
fi
VIGIL_BACKUP_KEY="$(grep -v '^#' backup.key)" "$vigil" backup verify --in full.vbk > /dev/null ||
  fail "the key from VIGIL_BACKUP_KEY was not used"
echo "PASS"
