#!/usr/bin/env bash
# Runs the store's criterion benches (crates/store/benches/store.rs, bench profile = release) and
# writes one CSV of mean/median times plus the machine description to
# bench/store/results/<date>-<host>/{store.csv,criterion.log,machine.txt}.
# Usage: bench/store/run.sh
# BENCH_ARGS overrides criterion's arguments (default: short runs for a shared 2-core machine).
# BENCH_EXE=path runs an already built bench executable instead of `cargo bench`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
target="$CARGO_TARGET_DIR"
NICE="${NICE:-nice -n 10}"
BENCH_ARGS="${BENCH_ARGS:---noplot --warm-up-time 1 --measurement-time 5 --sample-size 10}"
out="$root/bench/store/results/$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$out"
cd "$root"
loadavg_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# Only this bench's groups: the target dir's criterion/ is shared with other benches.
rm -rf "$target/criterion/bulk" "$target/criterion/interactive"
# shellcheck disable=SC2086
if [ -n "${BENCH_EXE:-}" ]; then
  (cd crates/store && $NICE "$BENCH_EXE" --bench $BENCH_ARGS) 2>&1 | tee "$out/criterion.log"
else
  $NICE cargo bench -p heartlens-store --bench store -- $BENCH_ARGS 2>&1 | tee "$out/criterion.log"
fi
python3 - "$target/criterion" "$out/store.csv" <<'PY'
import json, pathlib, sys
base, out = pathlib.Path(sys.argv[1]), sys.argv[2]
rows = ["group,bench,mean_ms,median_ms,ci_low_ms,ci_high_ms"]
ests = sorted(base.glob("bulk/*/new/estimates.json")) + sorted(base.glob("interactive/*/new/estimates.json"))
for est in ests:
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
  echo "fs of TMPDIR (bench databases): $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
  echo "loadavg_after_run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "criterion args: $BENCH_ARGS"
  echo "loadavg_before_run: $loadavg_before"
  echo "uptime_after_run: $(uptime)"
} > "$out/machine.txt"
