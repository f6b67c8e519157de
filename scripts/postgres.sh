#!/usr/bin/env bash
# A private PostgreSQL for tests and demos, in a directory of its own:
#   scripts/postgres.sh start DIR [PORT]   initdb (first time) and start; prints the URL
#   scripts/postgres.sh stop DIR           fast shutdown
#   scripts/postgres.sh url DIR            the URL of a running one
# Listens on 127.0.0.1:PORT (a free port when none is given) and on a unix socket in DIR;
# trust authentication for the superuser `vigil` (local connections only). Installs
# Debian's postgresql if missing. PostgreSQL refuses to run as root: as root, the server
# runs as the `postgres` user, which then owns DIR. A start that fails stops what it
# started and prints the server's log.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start DIR [PORT] | stop DIR | url DIR" >&2
  exit 2
fi

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
  done
  return 1
}

ensure_installed() {
  if pg_bin >/dev/null; then return 0; fi
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  pg_bin >/dev/null || { echo "postgres.sh: PostgreSQL did not install" >&2; exit 1; }
}

as_server() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "postgres.sh: no free port" >&2
  return 1
}

url_of() {
  echo "postgresql://vigil@127.0.0.1:$(cat "$1/port")/postgres?host=$1"
}

case "$cmd" in
  start)
    ensure_installed
    bin="$(pg_bin)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    port="${3:-$(free_port)}"
    if [[ "$(id -u)" -eq 0 ]]; then
      chown postgres "$dir"
      if ! runuser -u postgres -- test -x "$dir"; then
        echo "postgres.sh: the postgres user cannot enter $dir (a parent directory is private)" >&2
        exit 1
      fi
    fi
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_server "$bin/initdb" -D "$dir/data" -U vigil --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    echo "$port" >"$dir/port"
    chmod 0644 "$dir/port"
    if ! as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null; then
      as_server "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
      cat "$dir/postgres.log" >&2 || true
      exit 1
    fi
    url_of "$dir"
    ;;
  stop)
    bin="$(pg_bin)" || exit 0
    dir="$(cd "$dir" && pwd)"
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
  url)
    dir="$(cd "$dir" && pwd)"
    url_of "$dir"
    ;;
  *)
    echo "usage: $0 start DIR [PORT] | stop DIR | url DIR" >&2
    exit 2
    ;;
esac
