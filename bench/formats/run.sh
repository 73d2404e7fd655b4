#!/usr/bin/env bash
# Peer comparison for the WFDB/EDF readers (formats-a): decode every sample of every lead with
#   heartlens  (crates/formats/benches/decode.rs, release build)
#   wfdb-python (wfdb.rdrecord, physical values) and pyedflib (EdfReader.readSignal)
# over the vendored samples plus a generated multi-hour WFDB (format 212) and EDF file, in the
# same run; prints ratios and writes raw CSV to bench/formats/results/<date>-<host>.csv.
# Usage: bash bench/formats/run.sh   (needs network access to PyPI once for the venv)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${VENV:-/work/venvs/formats}"
WORK="${WORK:-/tmp/heartlens-bench-formats}"
HOURS="${HOURS:-6}"
mkdir -p "$WORK" "$ROOT/bench/formats/results"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q wfdb pyedflib numpy
fi
PY="$VENV/bin/python"
"$PY" "$ROOT/bench/formats/generate.py" "$WORK" "$HOURS"
FILES=(
  "$ROOT/tests/data/wfdb/mitdb_100/100.hea"
  "$ROOT/tests/data/wfdb/ludb/1.hea"
  "$ROOT/tests/data/wfdb/ptb_s0010_re/s0010_re.hea"
  "$ROOT/tests/data/wfdb/cinc2021/HR06000.hea"
  "$ROOT/tests/data/wfdb/formats/multifreq_03700181/03700181.hea"
  "$ROOT/tests/data/edf/contec_0000050/0000050.ECG.edf"
  "$ROOT/tests/data/edf/pyedflib_generator/test_generator.bdf"
  "$WORK/holter212.hea"
  "$WORK/holter.edf"
)
OURS="$WORK/ours.csv"
(cd "$ROOT" && cargo bench -q -p heartlens-formats --bench decode -- "${FILES[@]}") > "$OURS"
OUT="$ROOT/bench/formats/results/$(date -u +%Y-%m-%d)-$(hostname).csv"
"$PY" "$ROOT/bench/formats/peers.py" "$OURS" "$OUT" "${FILES[@]}"
