#!/usr/bin/env bash
# The main job, as far as it is built: a local sync server on 127.0.0.1:8787 filled
# with the demo records (Tombouctou, Goundam, Alafia, Gao, Ansongo, Ménaka) by an admin
# device, and a member device of the Goundam committee enrolled and synced against it.
# The desktop app joins this command when it lands. Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v cc >/dev/null || missing+=(gcc)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}"; fi
cargo build --release -p ccs-cli -p ccs-sync-server
bin=target/release
data=${CCS_DEMO_DIR:-demo-data}
listen=${CCS_LISTEN:-127.0.0.1:8787}
export CCS_PASSPHRASE=${CCS_PASSPHRASE:-sahel-demo-2026}
mkdir -p "$data"

"$bin/ccs-sync-server" --data "$data/server" serve --listen "$listen" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
kill -0 "$server" 2>/dev/null || { echo "the sync server did not start (is $listen taken? set CCS_LISTEN)" >&2; exit 1; }

admin="$data/admin.db"
if [ ! -f "$admin" ]; then
  "$bin/ccs" --db "$admin" init --role admin >/dev/null
  "$bin/ccs" --db "$admin" demo
  code=$("$bin/ccs-sync-server" --data "$data/server" enroll --role admin --label "demo admin")
  code=${code%%$'\n'*}
  "$bin/ccs" --db "$admin" enroll --server "http://$listen" --code "$code" --label "demo admin"
fi
"$bin/ccs" --db "$admin" sync

member="$data/goundam.db"
if [ ! -f "$member" ]; then
  goundam=$("$bin/ccs" --db "$admin" list --kind committee --q Goundam --json | sed -n 's/.*"id": "\([^"]*\)".*/\1/p' | sed -n 1p)
  "$bin/ccs" --db "$member" init --role member >/dev/null
  code=$("$bin/ccs-sync-server" --data "$data/server" enroll --role member --committee "$goundam" --label "Goundam")
  code=${code%%$'\n'*}
  "$bin/ccs" --db "$member" enroll --server "http://$listen" --code "$code" --label "Goundam"
fi
"$bin/ccs" --db "$member" sync
echo
echo "Goundam member device ($member), passphrase \$CCS_PASSPHRASE (demo: sahel-demo-2026):"
"$bin/ccs" --db "$member" list --limit 10
echo
echo "Sync server on http://$listen (data in $data/server). Try:"
echo "  $bin/ccs --db $member list --status needs_correction"
echo "  $bin/ccs-sync-server --data $data/server devices list"
echo "Ctrl-C stops the server."
wait $server
