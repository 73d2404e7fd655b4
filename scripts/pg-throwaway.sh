#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: a new cluster in a temp dir, reachable
# only through a unix socket in that dir (no TCP listener), stopped and removed as soon as the
# process that asked for it exits (normally, by panic or by SIGKILL).
#
#   scripts/pg-throwaway.sh WATCH_PID
#
# Prints one line once the server accepts connections:
#   READY postgres://postgres@localhost/postgres?host=<dir>&port=<port>
# (superuser `postgres`, trust authentication on the socket: the socket dir is mode 0700 and the
# cluster lives only as long as WATCH_PID). On failure prints `ERROR <reason>` and exits 1.
# Postgres refuses to run as root, so as root the cluster belongs to the `postgres` user (runuser).
# PG_BIN overrides where initdb/pg_ctl/postgres are found. Tests run with fsync=off (the data
# dies with the test anyway); PG_FSYNC=on keeps the server's durable defaults (benchmarks).
set -uo pipefail

watch_pid="${1:?usage: pg-throwaway.sh WATCH_PID}"

fail() { echo "ERROR $*"; exit 1; }

bin="${PG_BIN:-}"
if [ -z "$bin" ]; then
  if command -v initdb >/dev/null 2>&1; then
    bin="$(dirname "$(command -v initdb)")"
  else
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  fi
fi
[ -n "$bin" ] && [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] \
  || fail "PostgreSQL server binaries not found (install the postgresql package: sudo apt-get install postgresql, or set PG_BIN)"

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || fail "running as root and there is no postgres user to own the cluster"
  as_owner=(runuser -u postgres --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/heartlens-pg.XXXXXX")" || fail "mktemp failed"
cleanup() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP
[ ${#as_owner[@]} -eq 0 ] || chown postgres "$dir"
chmod 0700 "$dir"

# Any port number will do: there is no TCP listener, it only names the socket file.
port=$((20000 + RANDOM % 20000))
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync \
  >"$dir/initdb.log" 2>&1 || fail "initdb failed: $(tail -n 3 "$dir/initdb.log" | tr '\n' ' ')"
fsync="${PG_FSYNC:-off}"
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=$fsync -c max_connections=200" \
  start >/dev/null 2>&1 || fail "server did not start: $(tail -n 3 "$dir/server.log" | tr '\n' ' ')"

echo "READY postgres://postgres@localhost/postgres?host=$dir&port=$port"

while kill -0 "$watch_pid" 2>/dev/null; do
  sleep 0.5
done
