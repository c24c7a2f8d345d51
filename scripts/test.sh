#!/usr/bin/env bash
# Every check a submission must pass, as CI runs it: the front end's type check, unit
# tests and build; formatting, lints with warnings denied, and every test of the
# workspace (unit, property, store, CLI, crash, sync and fault tests); then the desktop
# app end to end under Xvfb (tests/e2e: the real app driven through tauri-driver and
# WebKitWebDriver against a real sync server on loopback); then the installers made from
# the debug build and installed in a throwaway root (scripts/package.sh --debug).
# Needs Rust (cargo, rustfmt, clippy), Node with npm, and Debian's packages below
# (installed here when missing). SQLCipher is built from source by rusqlite.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
need_apt=()
command -v cc >/dev/null || need_apt+=(gcc)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
# The Tauri app's libraries, Xvfb, the WebKit WebDriver, ImageMagick (screenshots) and
# poppler-utils (the quarterly report's PDF read back as text and pictures in its tests),
# PostgreSQL (the sync server's second backend: every server test runs on both), and a
# D-Bus daemon with gdbus (the screen and session lock signals sent in the lock tests).
for pkg in libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev \
  xvfb webkit2gtk-driver imagemagick xauth poppler-utils postgresql dbus-daemon libglib2.0-bin; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
export PATH="$HOME/.cargo/bin:$PATH"
command -v tauri-driver >/dev/null || cargo install tauri-driver --version '^2' --locked

# The app embeds ui/dist when it is compiled: build the front end before any cargo step.
(cd ui && npm ci --no-audit --no-fund && npm run check && npm test && npm run build)

cargo fmt --all --check
# Lints with warnings denied, in the same compilation as the build: clippy-driver is the
# compiler of the workspace's own crates (what `cargo clippy` runs, with codegen kept), so
# the dependencies (Typst, Tauri, automerge) are compiled once, not once checked for
# clippy and once built. Every cargo step below sees the same variables, so none of them
# rebuilds anything. Incremental compilation only slows a build from scratch.
command -v clippy-driver >/dev/null || rustup component add clippy
export RUSTC_WORKSPACE_WRAPPER="$(command -v clippy-driver)"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
export CARGO_INCREMENTAL=0
# Every binary (ccs-app, ccs, ccs-sync-server) and every test, the end-to-end ones too,
# once, with the workspace's feature set (the `e2e` feature only enables ccs-e2e's test
# targets): nothing below compiles anything shared again.
cargo build --workspace --all-targets --features ccs-e2e/e2e
# A private PostgreSQL cluster for the server's tests (a Unix socket in a temporary
# folder), stopped on exit; each test makes and drops its own database in it.
pg_dir=$(mktemp -d /tmp/ccs-pg.XXXXXX)
trap 'scripts/postgres-test-cluster.sh stop "$pg_dir" || true; rm -rf "$pg_dir"' EXIT
CCS_TEST_POSTGRES=$(scripts/postgres-test-cluster.sh start "$pg_dir")
export CCS_TEST_POSTGRES
cargo test --workspace

# End to end: a virtual screen, the debug app built above, the e2e test executables
# built above run one test at a time. They are run directly rather than through
# `cargo test --test app …`: naming some targets changes which dev-dependencies cargo
# resolves, hence the features of shared crates, and cargo would compile most of the
# workspace's dependencies a second time (half an hour from scratch).
e2e_tests=$(cargo build --workspace --all-targets --features ccs-e2e/e2e --message-format=json | node -e '
  let out = [];
  require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
    const m = JSON.parse(line);
    if (m.reason === "compiler-artifact" && m.executable && m.profile.test
        && m.target.kind.includes("test") && m.package_id.includes("ccs-e2e")) out.push(m.executable);
  }).on("close", () => { if (out.length === 0) process.exit(1); console.log(out.sort().join("\n")); });')
# From the package's folder, as `cargo test` runs them. WebKit's GL compositor runs on
# Mesa's software rasteriser under Xvfb, where it once segfaulted mid-test (swrast_dri.so
# in WebKit's compositor thread; the app itself was fine): the tests draw without it.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
(cd tests/e2e && for t in $e2e_tests; do
  echo "end to end: $(basename "$t")"
  xvfb-run -a -s "-screen 0 1280x800x24" "$t" --test-threads=1
done)

# ---- The installers ---------------------------------------------------------------
# The debug binaries built above packaged as the app's and the server's .deb files
# (scripts/package.sh --debug: Tauri's bundler, cargo-deb) and installed in a throwaway
# root (scripts/install-test.sh: the desktop entry, the systemd unit's user, paths and
# hardening, the maintainer scripts, and every binary run with --version and --help).
# The optimised build the packages are handed out from (`bash scripts/package.sh`) is
# not repeated here: it is a second build of everything, with LTO.
bash scripts/package.sh --debug
