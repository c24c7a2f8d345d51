#!/usr/bin/env bash
# A private PostgreSQL cluster for the server's tests: `start DIR` creates it in DIR
# (initdb as the `postgres` user: initdb refuses root), serves it on a Unix socket in
# DIR only (no TCP port to clash with anything) and prints the connection string the
# tests read from CCS_TEST_POSTGRES; `stop DIR` stops it (fast: the tests are done).
set -euo pipefail
cmd=${1:?usage: postgres-test-cluster.sh start|stop DIR}
dir=${2:?usage: postgres-test-cluster.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    # No fsync: a test cluster is thrown away, and the tests' speed matters more.
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null
    echo "host=$dir user=postgres dbname=postgres"
    ;;
  stop)
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  *)
    echo "usage: postgres-test-cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
