#!/usr/bin/env bash
# Interaction latency in the real app (issue 19): pan and zoom key events to the new frame painted,
# p50/p95 over 100 of each, for a 10-s 12-lead (LUDB 1) and a generated 24-h Holter, window
# 1400x900 under Xvfb, lavapipe. Split: before the draw, scene, GPU render + read-back, encoding
# (crates/wire), transfer of the message (geometry + encoded pixels, one round trip) to the webview,
# decoding, paint. See README.md in this folder.
#
#   bash bench/render/app_latency.sh            # dev profile (the test build)
#   PROFILE=release bash bench/render/app_latency.sh
#   LATENCY_TAG=wire bash bench/render/app_latency.sh   # results in ...-latency-wire/
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}"
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}" WEBKIT_DISABLE_COMPOSITING_MODE=1 TAURI_WEBVIEW_AUTOMATION=true
profile_flag=()
[ "${PROFILE:-dev}" = release ] && profile_flag=(--release)
out="bench/render/results/$(date +%F)-$(hostname)-latency${LATENCY_TAG:+-$LATENCY_TAG}"
mkdir -p "$out"
holter_dir="${HOLTER_DIR:-${TMPDIR:-/tmp}/heartlens-holter}"
mkdir -p "$holter_dir"
python3 bench/formats/generate.py "$holter_dir" 24
(cd ui && npx vite build >/dev/null)
# The app embeds ui/dist at build time: build it after the UI.
cargo build "${profile_flag[@]}" --locked -p heartlens-app -p heartlens-cli
# The target dir may be shared with other worktrees, whose builds replace target/<profile>/heartlens-app:
# run private copies (the test finds the app beside its own directory, as in target/<profile>/deps).
bin_dir="$(mktemp -d)"
trap 'rm -rf "$bin_dir"' EXIT
mkdir -p "$bin_dir/deps"
profile_dir="$CARGO_TARGET_DIR/$([ "${PROFILE:-dev}" = release ] && echo release || echo debug)"
cp "$profile_dir/heartlens-app" "$profile_dir/heartlens" "$bin_dir/"
test_exe="$(cargo test "${profile_flag[@]}" --locked -p heartlens-tests --test integration --no-run --message-format=json \
  | python3 -c 'import json,sys; print([m["executable"] for m in map(json.loads, sys.stdin) if m.get("executable")][-1])')"
cp "$test_exe" "$bin_dir/deps/integration"
{ uname -srm; nproc; uptime; echo "profile: ${PROFILE:-dev}"; } > "$out/machine.txt"
HEARTLENS_LATENCY_FILES="$PWD/tests/data/wfdb/ludb/1.hea:$(cd "$holter_dir" && pwd)/holter212_24h.hea" \
HEARTLENS_LATENCY_OUT="$PWD/$out/latency.json" \
  "$bin_dir/deps/integration" app_latency --ignored --nocapture 2>&1 | tee "$out/latency.txt"
uptime >> "$out/machine.txt"
echo "results: $out/latency.json"
