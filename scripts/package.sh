#!/usr/bin/env bash
# Builds the installers into dist/:
# - the desktop app « CCS Terrain »: a .deb (and an AppImage where its tools can be had)
#   made by Tauri's bundler, with the name, icon and desktop entry of
#   src-tauri/tauri.conf.json (`bundle`); the app built in the `release-app` profile
#   (Cargo.toml: fat LTO, stripped) unless told otherwise;
# - the sync server: a .deb made by cargo-deb (sync-server/Cargo.toml,
#   `[package.metadata.deb]`) with ccs-sync-server, the `ccs` CLI and a systemd unit
#   (packaging/server).
# Then checks both with scripts/install-test.sh (extracted in a throwaway root, every
# binary run with --version and --help).
#
#   bash scripts/package.sh                 # release builds (what is handed out)
#   bash scripts/package.sh --debug   # package the debug binaries already built
#                                     # (scripts/test.sh: checks the packaging without
#                                     # a second, optimised build of everything)
# Tauri's CLI comes from ui/node_modules (@tauri-apps/cli, a devDependency of ui/,
# prebuilt); cargo-deb is installed with `cargo install --locked` when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debug=""
case "${1:-}" in
  --debug) debug=1 ;;
  "") ;;
  *) echo "usage: scripts/package.sh [--debug]" >&2; exit 2 ;;
esac

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
need_apt=()
command -v cc >/dev/null || need_apt+=(gcc)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
for pkg in libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
export PATH="$HOME/.cargo/bin:$PATH"
# Outside the workspace's lint settings (scripts/test.sh exports them): cargo-deb is not ours.
command -v cargo-deb >/dev/null ||
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS cargo install cargo-deb --version '^3' --locked

target_dir=$(cargo metadata --format-version 1 --no-deps | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory));')
dist=dist
rm -rf "$dist"
mkdir -p "$dist"

# The front end is compiled into the app: built first (ci: the lockfile's versions,
# Tauri's CLI among them).
if [ -z "$debug" ] || [ ! -d ui/dist ] || [ ! -x ui/node_modules/.bin/tauri ]; then
  (cd ui && npm ci --no-audit --no-fund && npm run build)
fi
tauri=(ui/node_modules/.bin/tauri)

# The profile of each package: the app small (release-app), the server fast (release).
# The folder of a profile's binaries is target/<profile>, but target/debug for `dev`.
app_profile=release-app server_profile=release server_cargo_profile=release
[ -n "$debug" ] && app_profile=debug server_profile=debug server_cargo_profile=dev

# The app's report helper (ccs-report-pdf: Typst, which the app does not carry, see
# report-pdf/src/helper.rs), installed beside the app in /usr/bin, where the app looks
# for it. Built first: the bundler copies it in.
helper="$target_dir/$app_profile/ccs-report-pdf"
if [ -z "$debug" ]; then
  echo "== the report helper: cargo build --profile $app_profile -p ccs-report-pdf"
  cargo build --profile "$app_profile" -p ccs-report-pdf --bin ccs-report-pdf
fi
[ -x "$helper" ] || { echo "$helper is not built" >&2; exit 1; }
with_helper=(--config "{\"bundle\":{\"linux\":{\"deb\":{\"files\":{\"/usr/bin/ccs-report-pdf\":\"$helper\"}}}}}")

# The app. `tauri build` compiles it in the profile (nothing if it is up to date) and
# bundles it; the debug build is bundled as it is (`tauri bundle --debug`).
app_deb_dir="$target_dir/$app_profile/bundle/deb"
rm -rf "$target_dir/$app_profile/bundle"
if [ "$app_profile" = debug ]; then
  [ -x "$target_dir/debug/ccs-app" ] || { echo "$target_dir/debug/ccs-app is not built" >&2; exit 1; }
  echo "== the app: the .deb of the debug build"
  "${tauri[@]}" bundle --ci --debug --no-binary-patching --bundles deb "${with_helper[@]}"
else
  echo "== the app: cargo build --profile $app_profile (fat LTO: its link alone takes minutes), then the .deb"
  "${tauri[@]}" build --ci --no-binary-patching --bundles deb "${with_helper[@]}" -- --profile "$app_profile"
fi
# Named as Debian names packages (Tauri names it after the product, with its space).
for deb in "$app_deb_dir"/*.deb; do
  cp "$deb" "$dist/$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Version)_$(dpkg-deb -f "$deb" Architecture).deb"
done

# The AppImage. Tauri's AppImage bundler downloads its tools (linuxdeploy, AppRun and
# linuxdeploy's GTK plugin) from their projects' release pages at bundle time; no package
# registry (crates.io, npm, PyPI, Debian) carries them, so where only registries are
# reachable it cannot be made. It is tried, and a failure says so rather than stopping
# the rest. Not for a debug build (scripts/test.sh), nor with CCS_SKIP_APPIMAGE=1.
if [ "$app_profile" = debug ] || [ "${CCS_SKIP_APPIMAGE:-}" = 1 ]; then
  echo "== AppImage skipped (debug build or CCS_SKIP_APPIMAGE=1)"
else
  echo "== the AppImage (Tauri's bundler downloads linuxdeploy and AppRun for it)"
  if "${tauri[@]}" build --ci --no-binary-patching --bundles appimage "${with_helper[@]}" -- --profile "$app_profile" >"$dist/appimage.log" 2>&1; then
    cp "$target_dir/$app_profile/bundle/appimage/"*.AppImage "$dist/"
    rm "$dist/appimage.log"
  else
    echo "AppImage NOT built: Tauri's bundler could not get linuxdeploy and AppRun, which it" >&2
    echo "downloads from the internet at bundle time and no package registry provides." >&2
    echo "The .deb files do not need them. What the bundler said: $dist/appimage.log" >&2
    tail -3 "$dist/appimage.log" >&2
  fi
fi

# The server and the CLI, then the server's .deb.
if [ -z "$debug" ]; then
  echo "== the server: cargo build --release -p ccs-sync-server -p ccs-cli, then the .deb"
  cargo build --release -p ccs-sync-server -p ccs-cli
fi
for b in ccs-sync-server ccs; do
  [ -x "$target_dir/$server_profile/$b" ] || { echo "$target_dir/$server_profile/$b is not built" >&2; exit 1; }
done
deb_args=(deb -p ccs-sync-server --no-build --profile "$server_cargo_profile" --output "$dist/")
# Debug binaries are large: the faster compression keeps the test step short.
[ -z "$debug" ] || deb_args+=(--fast)
cargo "${deb_args[@]}"

echo "== installing them in a throwaway root"
bash scripts/install-test.sh "$dist"/*.deb
echo
ls -l "$dist"
