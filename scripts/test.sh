#!/usr/bin/env bash
# Every check a submission must pass, as CI runs it: formatting, lints with warnings
# denied, and every test of the workspace (unit, property, store, CLI, crash tests).
# Needs only Rust (cargo, rustfmt, clippy) and a C compiler: SQLCipher is built from
# source by rusqlite's bundled-sqlcipher feature.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cc >/dev/null || need_apt+=(gcc)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
