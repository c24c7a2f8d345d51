#!/usr/bin/env bash
# The install test of the packages made by scripts/package.sh: each .deb is extracted in
# a throwaway root (`dpkg-deb -x`, its control files with `dpkg-deb -e`), what it
# installs is checked (the desktop entry, the systemd unit's user, paths and hardening,
# the maintainer scripts that make the user and the private data folder, file modes),
# and every binary it carries is run from that root with --version and --help.
#   bash scripts/install-test.sh dist/*.deb
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/install-test.sh PACKAGE.deb..." >&2; exit 2; }

root=$(mktemp -d /tmp/ccs-install-test.XXXXXX)
trap 'rm -rf "$root"' EXIT
failures=0
fail() { echo "  FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "  ok: $*"; }
# has FILE REGEX WHAT: the file holds a line matching the (extended) regular expression.
has() { if grep -Eq -- "$2" "$1"; then ok "$3"; else fail "$3 (no line matching '$2' in ${1#"$root"/})"; fi; }
mode_of() { stat -c %a "$1"; }

# Runs a binary of the extracted root with --version and --help: both must succeed and
# say something; no display is given, so the app must answer them before any window.
runs() {
  local bin=$1 name
  name=$(basename "$bin")
  local out
  if out=$(env -u DISPLAY -u WAYLAND_DISPLAY timeout 20 "$bin" --version 2>&1) && [ -n "$out" ]; then
    ok "$name --version: $(head -1 <<<"$out")"
  else
    fail "$name --version: $out"
  fi
  if out=$(env -u DISPLAY -u WAYLAND_DISPLAY timeout 20 "$bin" --help 2>&1) && grep -qi "usage" <<<"$out"; then
    ok "$name --help"
  else
    fail "$name --help: $out"
  fi
}

for deb in "$@"; do
  name=$(dpkg-deb -f "$deb" Package)
  echo "== $name $(dpkg-deb -f "$deb" Version) ($(basename "$deb"), $(du -h "$deb" | cut -f1))"
  dest="$root/$name"
  control="$root/$name.control"
  dpkg-deb -x "$deb" "$dest"
  dpkg-deb -e "$deb" "$control"
  bins=$(find "$dest" -path '*/usr/bin/*' -type f | sort)
  [ -n "$bins" ] || fail "no binary in /usr/bin"
  for b in $bins; do
    [ "$(mode_of "$b")" = 755 ] && ok "$(basename "$b") mode 755" || fail "$(basename "$b") mode $(mode_of "$b")"
    runs "$b"
  done

  case "$name" in
    ccs-terrain)
      [ -x "$dest/usr/bin/ccs-app" ] && ok "/usr/bin/ccs-app" || fail "/usr/bin/ccs-app missing"
      # The report helper beside the app, where the app looks for it (run above with
      # --version and --help like every binary).
      [ -x "$dest/usr/bin/ccs-report-pdf" ] && ok "/usr/bin/ccs-report-pdf" || fail "/usr/bin/ccs-report-pdf missing"
      desktop=$(find "$dest" -path '*/usr/share/applications/*.desktop' | head -1)
      if [ -z "$desktop" ]; then
        fail "no desktop entry"
      else
        has "$desktop" '^Name=CCS Terrain$' "desktop entry named « CCS Terrain »"
        has "$desktop" '^Exec=ccs-app' "desktop entry starts ccs-app"
        has "$desktop" '^Icon=ccs-app$' "desktop entry icon"
        has "$desktop" '^Type=Application$' "desktop entry type"
      fi
      find "$dest" -path '*/usr/share/icons/*' -name 'ccs-app.png' | grep -q . && ok "icon installed" || fail "no icon"
      has "$control/control" '^Depends:.*libwebkit2gtk-4\.1-0' "depends on WebKitGTK 4.1"
      has "$control/control" '^Description: Les comités' "French description"
      ;;
    ccs-sync-server)
      for b in ccs-sync-server ccs; do
        [ -x "$dest/usr/bin/$b" ] && ok "/usr/bin/$b" || fail "/usr/bin/$b missing"
      done
      unit=$(find "$dest" -path '*/systemd/system/ccs-sync-server.service' | head -1)
      if [ -z "$unit" ]; then
        fail "no systemd unit ccs-sync-server.service"
      else
        has "$unit" '^User=ccs$' "unit runs as the user ccs"
        has "$unit" '^Group=ccs$' "unit runs as the group ccs"
        has "$unit" '^ExecStart=/usr/bin/ccs-sync-server serve$' "unit starts the server"
        has "$unit" '^EnvironmentFile=/etc/ccs/ccs-sync-server\.env$' "configuration from /etc/ccs"
        has "$unit" '^StateDirectory=ccs$' "data folder /var/lib/ccs"
        has "$unit" '^StateDirectoryMode=0700$' "data folder mode 0700"
        has "$unit" '^ReadWritePaths=/var/lib/ccs$' "writes only /var/lib/ccs"
        has "$unit" '^UMask=0077$' "private files"
        for h in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes ProtectHome=yes PrivateDevices=yes \
          RestrictSUIDSGID=yes MemoryDenyWriteExecute=yes 'CapabilityBoundingSet=$'; do
          has "$unit" "^$h" "hardening ${h%\$}"
        done
        [ "$(mode_of "$unit")" = 644 ] && ok "unit mode 644" || fail "unit mode $(mode_of "$unit")"
        if command -v systemd-analyze >/dev/null; then
          # systemd's own reading of the unit: no unknown or misspelt setting (the
          # binary is not installed on this machine, so its path is replaced), and its
          # exposure score (0 = fully sandboxed, 10 = none).
          mkdir -p "$root/unit-check"
          sed 's#^ExecStart=/usr/bin/ccs-sync-server#ExecStart=/bin/true#' "$unit" >"$root/unit-check/ccs-sync-server.service"
          out=$(systemd-analyze verify "$root/unit-check/ccs-sync-server.service" 2>&1 || true)
          [ -z "$out" ] && ok "systemd-analyze verify" || fail "systemd-analyze verify: $out"
          exposure=$(systemd-analyze security --offline=true "$unit" 2>&1 |
            sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
          if [ -n "$exposure" ] && awk "BEGIN { exit !($exposure <= 2.0) }"; then
            ok "systemd exposure $exposure (at most 2.0)"
          else
            fail "systemd exposure '${exposure}' above 2.0"
          fi
        fi
      fi
      env="$dest/etc/ccs/ccs-sync-server.env"
      if [ -f "$env" ]; then
        [ "$(mode_of "$env")" = 640 ] && ok "configuration mode 640" || fail "configuration mode $(mode_of "$env")"
        has "$env" '^CCS_TLS_CERT=/etc/ccs/' "TLS certificate read from /etc/ccs"
        has "$env" '^CCS_TLS_KEY=/etc/ccs/' "TLS key read from /etc/ccs"
        has "$env" '^CCS_DATA=/var/lib/ccs$' "data in /var/lib/ccs"
        # The settings the unit passes must be the server's own options.
        for v in $(grep -Eo '^#?CCS_[A-Z_]+' "$env" | tr -d '#'); do
          grep -q "$v" <<<"$("$dest/usr/bin/ccs-sync-server" serve --help 2>&1; "$dest/usr/bin/ccs-sync-server" --help 2>&1)" \
            && ok "ccs-sync-server reads $v" || fail "ccs-sync-server has no option read from $v"
        done
      else
        fail "no /etc/ccs/ccs-sync-server.env"
      fi
      has "$control/conffiles" '^/etc/ccs/ccs-sync-server\.env$' "configuration kept on upgrade (conffile)"
      has "$control/postinst" 'useradd --system' "postinst makes a system user"
      has "$control/postinst" '--shell /usr/sbin/nologin' "the user cannot log in"
      has "$control/postinst" 'install -d -o ccs -g ccs -m 0700 /var/lib/ccs' "postinst makes /var/lib/ccs private"
      has "$control/postinst" 'chmod 0640 /etc/ccs/ccs-sync-server\.env' "postinst keeps the configuration private"
      if [ -x "$control/postinst" ] && sh -n "$control/postinst"; then ok "postinst is valid shell"; else fail "postinst"; fi
      # The server refuses plain HTTP on a public address: the unit's configuration
      # without TLS must not start it.
      if out=$(timeout 10 "$dest/usr/bin/ccs-sync-server" --data "$root/data" serve --listen 0.0.0.0:0 2>&1); then
        fail "the server served plain HTTP on 0.0.0.0"
      else
        grep -qi "tls\|loopback" <<<"$out" && ok "plain HTTP on a public address refused" || fail "server: $out"
      fi
      ;;
    *) fail "unexpected package $name" ;;
  esac
done

if [ "$failures" -gt 0 ]; then
  echo "install test: $failures failure(s)" >&2
  exit 1
fi
echo "install test: every check passed"
