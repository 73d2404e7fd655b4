#!/usr/bin/env bash
# The store on SQLite and on PostgreSQL under a department's load (crates/store/benches/department.rs,
# bench profile = release): 8 concurrent writers committing 100k annotations, then load_session and
# 10-s window queries on a 100k-annotation recording. PostgreSQL is a throwaway local server with its
# durable defaults (scripts/pg-throwaway.sh, PG_FSYNC=on). Writes
# bench/store/results/<date>-<host>-department/{department.csv,run.log,machine.txt}.
# Usage: CARGO_TARGET_DIR=... bench/store/department.sh
# HEARTLENS_BENCH_ANNOTATIONS (default 100000) and HEARTLENS_BENCH_BACKEND (sqlite|postgres) narrow it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
NICE="${NICE:-nice -n 10}"
out="$root/bench/store/results/$(date -u +%Y-%m-%d)-$(hostname -s)-department"
mkdir -p "$out"
cd "$root"
loadavg_before="$(cut -d' ' -f1-3 /proc/loadavg)"
HEARTLENS_BENCH_OUT="$out" $NICE cargo bench -p heartlens-store --bench department --locked 2>&1 | tee "$out/run.log"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname -s)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores: $(nproc)"
  echo "mem: $(grep MemTotal /proc/meminfo | awk '{print $2/1024 " MiB"}')"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version)"
  echo "postgres: $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  echo "fs of TMPDIR (SQLite file and PostgreSQL cluster): $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
  echo "annotations: ${HEARTLENS_BENCH_ANNOTATIONS:-100000}"
  echo "loadavg_before_run: $loadavg_before"
  echo "loadavg_after_run: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"
