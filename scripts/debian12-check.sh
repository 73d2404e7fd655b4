#!/usr/bin/env bash
# Runs the README's two commands the way a newcomer meets them on a stock Debian 12: a bookworm root
# made with debootstrap from Debian's archive (every tool inside comes from the distribution), the
# host's Rust toolchain copied in (~/.rustup, ~/.cargo/bin; not the registry cache), this repository
# bind-mounted at /src/heartlens (and ../shared read-only beside it, as CI has it), then
# `./scripts/run-demo.sh` under Xvfb (the app window must come up; a screenshot is kept) and
# `./scripts/test.sh`. Builds go to the chroot's own default target dir (/root/.cache/heartlens/target).
#
#   sudo scripts/debian12-check.sh [ROOT]     # ROOT defaults to ../heartlens-chroot/bookworm (beside the clone)
#
# HEARTLENS_SHARED names the data directory to mount read-only at /src/shared (default ../shared).
#
# Needs root, debootstrap (`apt-get install debootstrap`) and ~20 GB free under ROOT. Stages can be
# chosen with HEARTLENS_CHROOT_STAGES (default "bootstrap toolchain demo test"); the root is kept for
# a re-run, remove it with `scripts/debian12-check.sh --remove [ROOT]`. Logs and the screenshot go
# to ROOT/../logs/.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
DEFAULT_ROOT="$(dirname "$REPO")/heartlens-chroot/bookworm"
if [ "${1:-}" = --remove ]; then
  ROOT="${2:-$DEFAULT_ROOT}"
  for m in src/shared src/heartlens dev/shm dev/pts dev sys proc; do
    if mountpoint -q "$ROOT/$m"; then umount -l "$ROOT/$m"; fi
  done
  rm -rf --one-file-system "$ROOT"
  exit 0
fi
ROOT="${1:-$DEFAULT_ROOT}"
LOGS="$(dirname "$ROOT")/logs"
STAGES="${HEARTLENS_CHROOT_STAGES:-bootstrap toolchain demo test}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SHARED="${HEARTLENS_SHARED:-$REPO/../shared}"
[ "$(id -u)" -eq 0 ] || { echo "debian12-check: needs root (debootstrap, mounts, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debian12-check: debootstrap is missing; install it with: apt-get install debootstrap" >&2; exit 1; }
mkdir -p "$LOGS"
has_stage() { [[ " $STAGES " == *" $1 "* ]]; }
stamp() { date -u +%H:%M:%S; }

# 1. A minimal bookworm root, with the sources a stock install has (main, updates, security).
if has_stage bootstrap && [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  echo "[$(stamp)] debootstrap bookworm -> $ROOT"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$ROOT" "$MIRROR" >"$LOGS/debootstrap.log" 2>&1
fi
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# What the Debian installer writes and debootstrap does not: localhost (vitest's server binds to it).
[ -s "$ROOT/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
# This machine's network, not the project: local CA certificates (a TLS-inspecting proxy signs with
# them) are trusted inside too, and the CA/proxy variables below are passed through when set.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$ROOT/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  chroot "$ROOT" update-ca-certificates >/dev/null 2>&1
fi
PASS_ENV=()
for v in NODE_EXTRA_CA_CERTS SSL_CERT_FILE REQUESTS_CA_BUNDLE PIP_CERT http_proxy https_proxy no_proxy \
  HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -n "${!v:-}" ] && PASS_ENV+=("$v=${!v}")
done

# 2. The Rust toolchain a newcomer installed with rustup: the default toolchain only.
if has_stage toolchain; then
  tc="$(rustup show active-toolchain | cut -d' ' -f1)"
  echo "[$(stamp)] copying Rust toolchain $tc"
  mkdir -p "$ROOT/root/.rustup/toolchains" "$ROOT/root/.cargo"
  cp -a "$HOME/.rustup/settings.toml" "$ROOT/root/.rustup/"
  sed -i "s/^default_toolchain = .*/default_toolchain = \"$tc\"/" "$ROOT/root/.rustup/settings.toml"
  [ -d "$ROOT/root/.rustup/toolchains/$tc" ] || cp -a "$HOME/.rustup/toolchains/$tc" "$ROOT/root/.rustup/toolchains/"
  rm -rf "$ROOT/root/.cargo/bin"
  cp -a "$HOME/.cargo/bin" "$ROOT/root/.cargo/bin"
  rm -f "$ROOT/root/.cargo/bin/"*.old 2>/dev/null || true
fi

# 3. Mounts: kernel file systems, the repository, ../shared read-only.
mount_once() { mountpoint -q "$2" || mount "${@:3}" "$1" "$2"; }
mkdir -p "$ROOT/src/heartlens" "$ROOT/src/shared"
mount_once proc "$ROOT/proc" -t proc
mount_once sysfs "$ROOT/sys" -t sysfs
mount_once /dev "$ROOT/dev" --bind
mount_once devpts "$ROOT/dev/pts" -t devpts
mount_once tmpfs "$ROOT/dev/shm" -t tmpfs
mount_once "$REPO" "$ROOT/src/heartlens" --bind
if [ -d "$SHARED" ]; then
  mount_once "$SHARED" "$ROOT/src/shared" --bind
  mount -o remount,bind,ro "$ROOT/src/shared"
fi
cleanup() {
  for m in src/shared src/heartlens dev/shm dev/pts dev sys proc; do
    mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m" || true
  done
}
trap cleanup EXIT

# A login shell as root in a fresh Debian: only the distribution's PATH plus ~/.cargo/bin (rustup's).
in_root() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 "${PASS_ENV[@]}" \
    PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /src/heartlens && $1"
}

status=0
# 4. First README command: setup, build, then the app under Xvfb. Success: the window is mapped
#    (xwininfo finds "Heartlens") within the time limit; the screenshot is saved.
if has_stage demo; then
  echo "[$(stamp)] ./scripts/run-demo.sh (log: $LOGS/run-demo.log)"
  t0=$(date +%s)
  if in_root '
    # The display a desktop user has: Xvfb, plus xwininfo/xwd to see and photograph the window.
    command -v xwd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth x11-utils x11-apps >/dev/null; }
    Xvfb :42 -screen 0 1600x1000x24 >/dev/null 2>&1 & xvfb=$!
    export DISPLAY=:42 WEBKIT_DISABLE_COMPOSITING_MODE=1
    timeout 5400 ./scripts/run-demo.sh & app=$!
    up=0
    for i in $(seq 1 5400); do
      kill -0 $app 2>/dev/null || break
      if command -v xwininfo >/dev/null && xwininfo -root -tree 2>/dev/null | grep -q "\"Heartlens"; then up=1; break; fi
      sleep 1
    done
    if [ $up = 1 ]; then
      sleep 15
      command -v xwd >/dev/null && xwd -root -silent > /tmp/heartlens-demo.xwd || true
      echo "run-demo: the Heartlens window came up"
      xwininfo -root -tree | grep "\"Heartlens" | head -n 3
    else
      echo "run-demo: no Heartlens window (app exited or timed out)"
    fi
    kill $app 2>/dev/null; wait $app 2>/dev/null
    kill $xvfb 2>/dev/null
    [ $up = 1 ]' >"$LOGS/run-demo.log" 2>&1; then
    echo "[$(stamp)] run-demo: PASS ($(( ($(date +%s) - t0) / 60 )) min)"
  else
    echo "[$(stamp)] run-demo: FAIL ($(( ($(date +%s) - t0) / 60 )) min); tail of $LOGS/run-demo.log:"
    tail -n 30 "$LOGS/run-demo.log"
    status=1
  fi
  [ -f "$ROOT/tmp/heartlens-demo.xwd" ] && cp "$ROOT/tmp/heartlens-demo.xwd" "$LOGS/"
fi

# 5. Second README command: the whole test suite.
if has_stage test; then
  echo "[$(stamp)] ./scripts/test.sh (log: $LOGS/test.log)"
  t0=$(date +%s)
  if in_root './scripts/test.sh' >"$LOGS/test.log" 2>&1; then
    echo "[$(stamp)] test.sh: PASS ($(( ($(date +%s) - t0) / 60 )) min)"
  else
    echo "[$(stamp)] test.sh: FAIL ($(( ($(date +%s) - t0) / 60 )) min); tail of $LOGS/test.log:"
    tail -n 40 "$LOGS/test.log"
    status=1
  fi
  passed=$(grep -o 'test result: [a-zA-Z]*\. [0-9]* passed; [0-9]* failed; [0-9]* ignored' "$LOGS/test.log" |
    awk '{p+=$4; f+=$6; i+=$8} END {print p" passed, "f" failed, "i" ignored"}')
  echo "Rust tests: $passed; UI: $(grep -m1 -o 'Tests  *[0-9]* passed[^)]*' "$LOGS/test.log" || echo '?')"
fi
exit $status
