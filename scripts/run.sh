#!/usr/bin/env bash
# The main job, for now: builds the `ccs` client, creates an encrypted store filled
# with the demo records (Tombouctou, Goundam, Alafia, Gao, Ansongo, Ménaka) and shows
# them. The sync server and the desktop app join this command as they land.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p ccs-cli
ccs=target/release/ccs
data=${CCS_DEMO_DIR:-demo-data}
export CCS_PASSPHRASE=${CCS_PASSPHRASE:-sahel-demo-2026}
mkdir -p "$data"
if [ ! -f "$data/terrain.db" ]; then
  "$ccs" --db "$data/terrain.db" init --role reviewer
  "$ccs" --db "$data/terrain.db" demo
fi
echo
echo "Store: $data/terrain.db (passphrase: \$CCS_PASSPHRASE, demo value: sahel-demo-2026)"
"$ccs" --db "$data/terrain.db" list --limit 20
echo
echo "Try: $ccs --db $data/terrain.db list --kind assessment --q betail"
