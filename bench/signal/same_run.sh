#!/usr/bin/env bash
# Analysis speed against NeuroKit2 in the same run: alternating rounds of
#   ours:      ludb_eval --repeat 21 (median of 21 analyses per record, summed), default rayon
#              pool and RAYON_NUM_THREADS=1
#   NeuroKit2: ludb_neurokit.py (ecg_clean + ecg_peaks + ecg_delineate dwt, per lead)
# on the same records (default: the eight LUDB records of the speed tables, 1 2 8 10 13 35 38 57
# from tests/data/wfdb/ludb, which also holds records added for other tests).
#
#   PYTHON=<python with neurokit2> ROUNDS=3 bash bench/signal/same_run.sh [RECORDS_DIR] [OUT_DIR]
#
# Output: OUT_DIR (default bench/signal/results/speed-<date>/) with same_run.txt (one line per
# round, with both ratios) and each NeuroKit round's own output.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -ge 1 ]; then
  RECORDS=$1
else
  RECORDS=$(mktemp -d)
  trap 'rm -rf "$RECORDS"' EXIT
  for r in 1 2 8 10 13 35 38 57; do ln -s "$PWD"/tests/data/wfdb/ludb/"$r".* "$RECORDS"/; done
fi
OUT=${2:-bench/signal/results/speed-$(date -u +%Y-%m-%d)}
PYTHON=${PYTHON:-python3}
ROUNDS=${ROUNDS:-3}
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}
cargo build --release -p heartlens-signal --example ludb_eval --locked
EVAL=$TARGET/release/examples/ludb_eval
"$PYTHON" -c "import neurokit2, wfdb" || { echo "PYTHON=$PYTHON lacks neurokit2 or wfdb (pip install neurokit2 wfdb)" >&2; exit 1; }
mkdir -p "$OUT"
{ echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# records: $(ls "$RECORDS" | sed -n 's/\.hea$//p' | sort -n | tr '\n' ' '); ours: ludb_eval --repeat 21, default pool and RAYON_NUM_THREADS=1; NeuroKit2 $("$PYTHON" -c 'import neurokit2; print(neurokit2.__version__)')"; } > "$OUT/same_run.txt"
ours() { "$EVAL" "$RECORDS" --repeat 21 | sed -n 's/.*all records (\([0-9.]*\) ms analysis.*/\1/p'; }
for r in $(seq 1 "$ROUNDS"); do
  d=$(ours)
  o=$(RAYON_NUM_THREADS=1 ours)
  "$PYTHON" bench/signal/ludb_neurokit.py "$RECORDS" "$OUT/neurokit_round$r.csv" > "$OUT/neurokit_round$r.txt" 2>&1
  nk=$(sed -n 's/.*records, \([0-9]*\) ms total.*/\1/p' "$OUT/neurokit_round$r.txt")
  awk -v r="$r" -v d="$d" -v o="$o" -v nk="$nk" 'BEGIN { printf "round %s: ours default %s ms analysis, one thread %s ms analysis; neurokit %s ms total -> %.0fx default, %.0fx one thread\n", r, d, o, nk, nk / d, nk / o }' | tee -a "$OUT/same_run.txt"
done
# The rounds' medians (on a shared VM one round's speed can wander by a fifth).
awk '/^round/ { d[++n] = $(NF - 4) + 0; o[n] = $(NF - 2) + 0 }
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END { if (n) printf "median of %d rounds: %.0fx default, %.0fx one thread\n", n, median(d, n), median(o, n) }' \
  "$OUT/same_run.txt" | tee -a "$OUT/same_run.txt"
