#!/usr/bin/env bash
# Runs the whole Heartlens test suite: setup.sh's version checks, UI unit tests, the Python package
# and the Ray batch job (scripts/tests/python.sh), then every Rust test in the workspace (unit,
# integration, CLI, golden images on lavapipe, PDF checks, the app under Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}"
# Deterministic software rendering for golden images (mesa lavapipe).
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
# WebKitGTK under Xvfb: no GPU compositing; WebDriver needs automation enabled or it hangs.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
export TAURI_WEBVIEW_AUTOMATION=true
export HEARTLENS_REQUIRE_APP_TESTS=1
# The store's tests run on SQLite and on a throwaway PostgreSQL server; without PostgreSQL the
# PostgreSQL variants fail here instead of skipping.
export HEARTLENS_REQUIRE_POSTGRES=1

bash scripts/tests/setup-versions.sh
(cd ui && npx vitest run)
cargo build --workspace --locked
# The Python package and the Ray batch job (issue 20): wheel, pytest, a local Ray cluster.
bash scripts/tests/python.sh
cargo test --workspace --locked
