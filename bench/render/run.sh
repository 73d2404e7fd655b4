#!/usr/bin/env bash
# Time per frame (render + readback) at 1600x900: 10-s vs 24-h 12-lead records, same run.
# Writes results/<date>-<host>.csv (criterion's point estimates) and keeps criterion's raw
# estimates under target/criterion. Usage: bench/render/run.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
out="bench/render/results/$(date -u +%Y-%m-%d)-$(hostname -s).csv"
log="$(mktemp)"
cargo bench -p heartlens-render --bench frame -- --noplot 2>&1 | tee "$log"
target="${CARGO_TARGET_DIR:-target}"
{
  echo "# machine: $(uname -srm); $(nproc) cpus; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "# adapter: $(grep -m1 '^adapter:' "$log" | cut -d' ' -f2-)"
  echo "# date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "bench,mean_ms,lower_ms,upper_ms"
  for dir in "$target"/criterion/frame_1600x900/*/new; do
    name="$(basename "$(dirname "$dir")")"
    python3 - "$dir/estimates.json" "$name" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["mean"]
ci = e["confidence_interval"]
print(f'{sys.argv[2]},{e["point_estimate"]/1e6:.3f},{ci["lower_bound"]/1e6:.3f},{ci["upper_bound"]/1e6:.3f}')
PY
  done
} > "$out"
cat "$out"
