#!/usr/bin/env bash
# Beat on CPU: candle (criterion, crates/ai/benches/beat.rs) vs the PyTorch peer (beat_torch.py)
# in the same run, on the same weights and window. Writes results/<date>-<host>/{beat.csv,machine.txt}.
#
#   python3 -m venv $HOME/.cache/heartlens/venvs/beat && $HOME/.cache/heartlens/venvs/beat/bin/pip install torch numpy safetensors
#   RAYON_NUM_THREADS=2 TORCH_THREADS=2 bench/beat/run.sh
# BENCH_PROFILE=dev reuses a debug build (candle and gemm are opt-level 2 there); RAYON_NUM_THREADS
# limits candle's threads, TORCH_THREADS torch's (default: torch's own default); a second torch row
# always uses one thread. BENCH_ARGS overrides criterion's arguments (default: short runs).
# BENCH_EXE=path runs an already built bench executable instead of `cargo bench` (e.g. while a
# build holding the target dir's lock is paused).
# HEARTCARE_SUITE=path to a checkout of DCDmllm/Heartcare-Suite at b1dc8606 adds the upstream
# reference module itself (bench_upstream.py; needs `pip install x-transformers==2.31.10 einops einx`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${VENV:-$HOME/.cache/heartlens/venvs/beat}/bin/python"
data="$root/tests/data/vectors/beat"
out="$here/results/$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$out"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
NICE="${NICE:-nice -n 10}"
BENCH_ARGS="${BENCH_ARGS:---noplot --warm-up-time 1 --measurement-time 5 --sample-size 10}"

{ date -u; uname -a; lscpu | grep -E 'Model name|^CPU\(s\)|Thread|MHz' || true; uptime;
  rustc --version; "$py" -c 'import torch; print("torch", torch.__version__, "default threads", torch.get_num_threads())'
  echo "RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-unset} TORCH_THREADS=${TORCH_THREADS:-default} profile=${BENCH_PROFILE:-bench}"
  echo "criterion args: $BENCH_ARGS"; } > "$out/machine.txt"

# 1. The peer is the same model (indices equal, floats < 1e-5 on every reference case).
(cd "$here" && $NICE "$py" check_torch.py "$data") > "$out/check_torch.txt"

# 2. candle.
rm -rf "$CARGO_TARGET_DIR/criterion/beat_v3"
# shellcheck disable=SC2086
if [ -n "${BENCH_EXE:-}" ]; then
  (cd "$root/crates/ai" && $NICE "$BENCH_EXE" --bench $BENCH_ARGS) > "$out/criterion.txt" 2>&1
else
  (cd "$root" && $NICE cargo bench --profile "${BENCH_PROFILE:-bench}" -p heartlens-ai --bench beat -- $BENCH_ARGS) > "$out/criterion.txt" 2>&1
fi
echo "impl,case,batch,ms_per_window,iterations" > "$out/beat.csv"
for case in tokenize_b1 full_b1 tokenize_b1_candle_ops tokenize_b8; do
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
(cd "$here" && $NICE "$py" bench_torch.py "$data" ${TORCH_THREADS:-}) >> "$out/beat.csv"
(cd "$here" && $NICE "$py" bench_torch.py "$data" 1) >> "$out/beat.csv"
# 4. The upstream module, when a checkout is given.
if [ -n "${HEARTCARE_SUITE:-}" ]; then
  (cd "$here" && $NICE "$py" bench_upstream.py "$data" ${TORCH_THREADS:-}) >> "$out/beat.csv"
  (cd "$here" && $NICE "$py" bench_upstream.py "$data" 1) >> "$out/beat.csv"
fi
echo "uptime_after: $(uptime)" >> "$out/machine.txt"
cat "$out/beat.csv"
