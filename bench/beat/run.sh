#!/usr/bin/env bash
# Beat on CPU: candle (criterion, crates/ai/benches/beat.rs) vs the PyTorch peer (beat_torch.py)
# in the same run, on the same weights and window. Writes results/<date>-<host>/{beat.csv,machine.txt}.
#
#   python3 -m venv /work/venvs/beat && /work/venvs/beat/bin/pip install torch numpy safetensors
#   VENV=/work/venvs/beat bench/beat/run.sh
# BENCH_PROFILE=dev reuses a debug build (candle and gemm are opt-level 2 there); RAYON_NUM_THREADS
# limits candle's threads.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${VENV:-/work/venvs/beat}/bin/python"
data="$root/tests/data/vectors/beat"
out="$here/results/$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$out"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

{ date -u; uname -a; lscpu | grep -E 'Model name|^CPU\(s\)|Thread|MHz' || true; uptime;
  rustc --version; "$py" -c 'import torch; print("torch", torch.__version__, "threads", torch.get_num_threads())'; } > "$out/machine.txt"

# 1. The peer is the same model (indices equal, floats < 1e-5 on every reference case).
(cd "$here" && "$py" check_torch.py "$data") > "$out/check_torch.txt"

# 2. candle.
(cd "$root" && cargo bench --profile "${BENCH_PROFILE:-bench}" -p heartlens-ai --bench beat -- --noplot) > "$out/criterion.txt" 2>&1
echo "impl,case,batch,ms_per_window,iterations" > "$out/beat.csv"
for case in tokenize_b1 full_b1 tokenize_b8; do
  est="$CARGO_TARGET_DIR/criterion/beat_v3/$case/new/estimates.json"
  batch=1; [[ $case == *b8 ]] && batch=8
  "$py" - "$est" "$case" "$batch" "profile-${BENCH_PROFILE:-bench}-threads${RAYON_NUM_THREADS:-all}" >> "$out/beat.csv" <<'PY'
import json, sys
est, case, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
ns = json.load(open(est))["mean"]["point_estimate"]
print(f"candle-0.11-{sys.argv[4]},{case},{batch},{ns / 1e6 / batch:.4f},criterion")
PY
done

# 3. PyTorch with torch's default threads and with one thread.
(cd "$here" && "$py" bench_torch.py "$data") >> "$out/beat.csv"
(cd "$here" && "$py" bench_torch.py "$data" 1) >> "$out/beat.csv"
cat "$out/beat.csv"
