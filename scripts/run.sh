#!/usr/bin/env bash
# The main job: a local sync server on 127.0.0.1:8787 filled with the demo records
# (Tombouctou, Goundam, Alafia, Gao, Ansongo, Ménaka) and a generated year of records
# over forty-odd committees (`ccs demo --year`) by an admin device, a member device
# of the Goundam committee enrolled and synced against it, and the desktop app opened on
# a store of its own (demo-data/app, a Goundam member made with the `ccs` CLI, enrolled
# and synced). CCS_APP_ROLE=reviewer (or facilitator) makes the app's store a CRSS reviewer's
# (a Tombouctou facilitator's) instead:
# the inbox and the dashboard « Indicateurs » over the whole year. Closing the app (or
# Ctrl-C) stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
missing=()
command -v cc >/dev/null || missing+=(gcc)
command -v curl >/dev/null || missing+=(curl)
command -v pkg-config >/dev/null || missing+=(pkg-config)
for pkg in libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev xvfb xauth; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The app embeds ui/dist when it is compiled: the front end first.
(cd ui && npm ci --no-audit --no-fund && npm run build)
# ccs-report-pdf: the helper that typesets the quarterly report, beside the app.
cargo build --release -p ccs-cli -p ccs-sync-server -p ccs-app -p ccs-report-pdf
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
  "$bin/ccs" --db "$admin" demo --year
  code=$("$bin/ccs-sync-server" --data "$data/server" enroll --role admin --label "demo admin")
  code=${code%%$'\n'*}
  "$bin/ccs" --db "$admin" enroll --server "http://$listen" --code "$code" --label "demo admin"
fi
"$bin/ccs" --db "$admin" sync

goundam=$("$bin/ccs" --db "$admin" list --kind committee --q Goundam --json | sed -n 's/.*"id": "\([^"]*\)".*/\1/p' | sed -n 1p)
member="$data/goundam.db"
if [ ! -f "$member" ]; then
  "$bin/ccs" --db "$member" init --role member >/dev/null
  code=$("$bin/ccs-sync-server" --data "$data/server" enroll --role member --committee "$goundam" --label "Goundam")
  code=${code%%$'\n'*}
  "$bin/ccs" --db "$member" enroll --server "http://$listen" --code "$code" --label "Goundam"
fi
"$bin/ccs" --db "$member" sync

# The desktop app's store: the same format as the CLI's, so the CLI makes and enrolls it.
app_role=${CCS_APP_ROLE:-member}
app="$data/app"
[ "$app_role" = member ] || app="$data/app-$app_role"
if [ ! -f "$app/ccs.db" ]; then
  mkdir -p "$app"
  "$bin/ccs" --db "$app/ccs.db" init --role "$app_role" >/dev/null
  if [ "$app_role" = member ]; then
    code=$("$bin/ccs-sync-server" --data "$data/server" enroll --role member --committee "$goundam" --label "Goundam (app)")
  elif [ "$app_role" = facilitator ]; then
    code=$("$bin/ccs-sync-server" --data "$data/server" enroll --role facilitator --region tombouctou --label "Tombouctou (app)")
  else
    code=$("$bin/ccs-sync-server" --data "$data/server" enroll --role "$app_role" --label "CRSS (app)")
  fi
  code=${code%%$'\n'*}
  "$bin/ccs" --db "$app/ccs.db" enroll --server "http://$listen" --code "$code" --label "app ($app_role)"
fi
"$bin/ccs" --db "$app/ccs.db" sync
echo
echo "Goundam member device ($member), passphrase \$CCS_PASSPHRASE (demo: sahel-demo-2026):"
"$bin/ccs" --db "$member" list --limit 10
echo
echo "Sync server on http://$listen (data in $data/server). Try:"
echo "  $bin/ccs --db $member list --status needs_correction"
echo "  $bin/ccs-sync-server --data $data/server devices list"
echo
echo "The desktop app (store in $app): unlock it with the passphrase $CCS_PASSPHRASE"
echo "Closing the app (or Ctrl-C) stops the server."
export CCS_APP_DATA_DIR="$(cd "$app" && pwd)" CCS_SERVER_URL="http://$listen"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  "$bin/ccs-app"
else
  echo "(no display: the app runs on a virtual screen, xvfb-run)"
  xvfb-run -a -s "-screen 0 1280x800x24" "$bin/ccs-app"
fi
