#!/usr/bin/env bash
# Runs the store's criterion benches (crates/store/benches/store.rs) and writes one CSV of
# mean/median times plus the machine description to bench/store/results/<date>-<host>.*
# Usage: bench/store/run.sh   (uses $CARGO_TARGET_DIR, default target/)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
stamp="$(date -u +%Y-%m-%d)-$(hostname -s)"
out="$root/bench/store/results/$stamp"
cd "$root"
cargo bench -p heartlens-store --bench store 2>&1 | tee "$out.log"
python3 - "$target/criterion" "$out.csv" <<'PY'
import json, pathlib, sys
base, out = pathlib.Path(sys.argv[1]), sys.argv[2]
rows = ["group,bench,mean_ms,median_ms,ci_low_ms,ci_high_ms"]
for est in sorted(base.glob("*/*/new/estimates.json")):
    group, bench = est.parts[-4], est.parts[-3]
    e = json.loads(est.read_text())
    ms = lambda v: f"{v / 1e6:.4f}"
    rows.append(",".join([group, bench, ms(e["mean"]["point_estimate"]), ms(e["median"]["point_estimate"]),
                          ms(e["mean"]["confidence_interval"]["lower_bound"]),
                          ms(e["mean"]["confidence_interval"]["upper_bound"])]))
open(out, "w").write("\n".join(rows) + "\n")
print(open(out).read())
PY
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname -s)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores: $(nproc)"
  echo "mem: $(grep MemTotal /proc/meminfo | awk '{print $2/1024 " MiB"}')"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version)"
  echo "fs: $(df -T "$target" | awk 'NR==2 {print $2}')"
  echo "loadavg_after_run: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out.machine.txt"
