#!/usr/bin/env bash
# Installs everything Heartlens needs on Debian/Ubuntu, idempotently, then builds the web UI.
# Safe to run again: packages already present are skipped, npm uses the committed lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Tauri/WebKitGTK build set, headless display and GPU (lavapipe), WebDriver for
# app tests, poppler for PDF checks, Node.js for the UI.
APT_PACKAGES=(
  build-essential pkg-config curl file libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libxdo-dev
  xvfb xauth mesa-vulkan-drivers libvulkan1 webkit2gtk-driver
  poppler-utils fonts-dejavu-core
)
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust is missing. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

# Web UI: versions from ui/package-lock.json, then the production bundle Tauri embeds.
# `npm install` rather than `npm ci`: npm 11.19 rejects its own lock files as "out of sync"
# when they omit other platforms' optional rollup binaries, which npm install handles.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm install --no-audit --no-fund)
fi
(cd ui && npm run build --silent)
