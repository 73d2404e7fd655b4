#!/usr/bin/env bash
# Interaction latency in the real app (issue 19): pan and zoom key events to the new frame painted,
# p50/p95 over 100 of each, for a 10-s 12-lead (LUDB 1) and a generated 24-h Holter, window
# 1400x900 under Xvfb, lavapipe. Split: before the draw, scene, GPU render + read-back, transfer of
# the RGBA frame to the webview, geometry/marks round trips, paint. See README.md in this folder.
#
#   bash bench/render/app_latency.sh            # dev profile (the test build)
#   PROFILE=release bash bench/render/app_latency.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}"
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}" WEBKIT_DISABLE_COMPOSITING_MODE=1 TAURI_WEBVIEW_AUTOMATION=true
profile_flag=()
[ "${PROFILE:-dev}" = release ] && profile_flag=(--release)
out="bench/render/results/$(date +%F)-$(hostname)-latency"
mkdir -p "$out"
holter_dir="${HOLTER_DIR:-${TMPDIR:-/tmp}/heartlens-holter}"
mkdir -p "$holter_dir"
python3 bench/formats/generate.py "$holter_dir" 24
(cd ui && npx vite build >/dev/null)
# The app embeds ui/dist at build time: build it after the UI.
cargo build "${profile_flag[@]}" --locked -p heartlens-app -p heartlens-cli
{ uname -srm; nproc; uptime; echo "profile: ${PROFILE:-dev}"; } > "$out/machine.txt"
HEARTLENS_LATENCY_FILES="$PWD/tests/data/wfdb/ludb/1.hea:$(cd "$holter_dir" && pwd)/holter212_24h.hea" \
HEARTLENS_LATENCY_OUT="$PWD/$out/latency.json" \
  cargo test "${profile_flag[@]}" --locked -p heartlens-tests --test integration app_latency -- --ignored --nocapture 2>&1 \
  | tee "$out/latency.txt"
uptime >> "$out/machine.txt"
echo "results: $out/latency.json"
