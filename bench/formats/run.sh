#!/usr/bin/env bash
# Peer comparison for the WFDB/EDF readers (formats-a): decode every sample of every lead with
#   heartlens  (crates/formats/benches/decode.rs, bench profile = release)
#   wfdb-python (wfdb.rdrecord, physical values) and pyedflib (EdfReader.readSignal)
# over the vendored samples plus a generated multi-hour WFDB (format 212) and EDF file, in the
# same run (best of 3 on both sides). Also times `heartlens info` on the long WFDB/EDF file if
# the release CLI is built (INFO=1 builds it). Writes bench/formats/results/<date>-<host>/
# {decode.csv,heartlens.csv,info.txt,machine.txt}.
#   HOURS=24 bash bench/formats/run.sh
# Needs the venv once: python3 -m venv $HOME/.cache/heartlens/venvs/formats && pip install wfdb pyedflib numpy
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${VENV:-$HOME/.cache/heartlens/venvs/formats}"
HOURS="${HOURS:-6}"
NICE="${NICE:-nice -n 10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# Generated recordings go beside the build, not into the clone.
WORK="${WORK:-$CARGO_TARGET_DIR/bench-data/formats}"
OUT="$ROOT/bench/formats/results/$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$WORK" "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q wfdb pyedflib numpy
fi
PY="$VENV/bin/python"
{ echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; echo "host: $(hostname -s)"; uname -srm
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); $(nproc) cpus"
  echo "mem: $(grep MemTotal /proc/meminfo | awk '{print int($2/1024) " MiB"}')"
  echo "rustc: $(rustc --version)"
  echo "peers: $("$PY" -c 'import wfdb, pyedflib, numpy; print("wfdb", wfdb.__version__, "pyedflib", pyedflib.__version__, "numpy", numpy.__version__)')"
  echo "hours: $HOURS"
  echo "uptime_before: $(uptime)"; } > "$OUT/machine.txt"
$NICE "$PY" "$ROOT/bench/formats/generate.py" "$WORK" "$HOURS"
TAG="$("$PY" -c "print(f'{float(\"$HOURS\"):g}h')")"
FILES=(
  "$ROOT/tests/data/wfdb/mitdb_100/100.hea"
  "$ROOT/tests/data/wfdb/ludb/1.hea"
  "$ROOT/tests/data/wfdb/ptb_s0010_re/s0010_re.hea"
  "$ROOT/tests/data/wfdb/cinc2021/HR06000.hea"
  "$ROOT/tests/data/wfdb/formats/multifreq_03700181/03700181.hea"
  "$ROOT/tests/data/edf/contec_0000050/0000050.ECG.edf"
  "$ROOT/tests/data/edf/pyedflib_generator/test_generator.bdf"
  "$WORK/holter212_$TAG.hea"
  "$WORK/holter_$TAG.edf"
)
(cd "$ROOT" && $NICE cargo bench -q -p heartlens-formats --bench decode -- "${FILES[@]}") > "$OUT/heartlens.csv"
$NICE "$PY" "$ROOT/bench/formats/peers.py" "$OUT/heartlens.csv" "$OUT/decode.csv" "${FILES[@]}"
# `heartlens info` (open + header + first samples) on the long files, cold-ish and warm.
HL="$CARGO_TARGET_DIR/release/heartlens"
if [ "${INFO:-0}" = 1 ]; then (cd "$ROOT" && $NICE cargo build --release -q -p heartlens-cli); fi
if [ -x "$HL" ]; then
  : > "$OUT/info.txt"
  for f in "$WORK/holter212_$TAG.hea" "$WORK/holter_$TAG.edf"; do
    for run in 1 2 3; do
      s=$(date +%s.%N); "$HL" info "$f" > /dev/null; e=$(date +%s.%N)
      echo "heartlens info $(basename "$f") run$run: $(echo "$e - $s" | bc) s" | tee -a "$OUT/info.txt"
    done
  done
fi
echo "uptime_after: $(uptime)" >> "$OUT/machine.txt"
