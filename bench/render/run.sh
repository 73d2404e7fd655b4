#!/usr/bin/env bash
# Time per frame (render + readback) at 1600x900: 10-s vs 24-h 12-lead records, same run
# (crates/render/benches/frame.rs, criterion, bench profile = release).
# Writes bench/render/results/<date>-<host>/{frame.csv,criterion.txt,machine.txt}; criterion's raw
# estimates stay under $CARGO_TARGET_DIR/criterion/frame_1600x900.
#   bash bench/render/run.sh
# BENCH_ARGS overrides criterion's arguments (default: short runs, fits a shared 2-core machine).
# FRAME_BIN=path runs an already built bench executable instead of `cargo bench` (e.g. while a
# build holding the target dir's lock is paused).
set -euo pipefail
cd "$(dirname "$0")/../.."
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
NICE="${NICE:-nice -n 10}"
BENCH_ARGS="${BENCH_ARGS:---noplot --warm-up-time 1 --measurement-time 5 --sample-size 10}"
out="bench/render/results/$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$out"
{ echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; echo "host: $(hostname -s)"; uname -srm
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); $(nproc) cpus"
  echo "rustc: $(rustc --version)"; echo "WGPU_BACKEND=$WGPU_BACKEND"
  echo "criterion args: $BENCH_ARGS"
  echo "uptime_before: $(uptime)"; } > "$out/machine.txt"
# Old estimates of a bench that no longer exists must not leak into the CSV.
rm -rf "$CARGO_TARGET_DIR/criterion/frame_1600x900"
# shellcheck disable=SC2086
if [ -n "${FRAME_BIN:-}" ]; then
  (cd crates/render && $NICE "$FRAME_BIN" --bench $BENCH_ARGS) 2>&1 | tee "$out/criterion.txt"
else
  $NICE cargo bench -p heartlens-render --bench frame -- $BENCH_ARGS 2>&1 | tee "$out/criterion.txt"
fi
echo "uptime_after: $(uptime)" >> "$out/machine.txt"
echo "adapter: $(grep -m1 '^adapter:' "$out/criterion.txt" | cut -d' ' -f2-)" >> "$out/machine.txt"
if grep -q '^SKIP' "$out/criterion.txt"; then echo "no GPU adapter: nothing measured" >&2; exit 1; fi
{
  echo "bench,mean_ms,lower_ms,upper_ms"
  for dir in "$CARGO_TARGET_DIR"/criterion/frame_1600x900/*/new; do
    name="$(basename "$(dirname "$dir")")"
    python3 - "$dir/estimates.json" "$name" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["mean"]
ci = e["confidence_interval"]
print(f'{sys.argv[2]},{e["point_estimate"]/1e6:.3f},{ci["lower_bound"]/1e6:.3f},{ci["upper_bound"]/1e6:.3f}')
PY
  done
} > "$out/frame.csv"
cat "$out/frame.csv"
