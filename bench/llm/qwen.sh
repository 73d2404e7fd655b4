#!/usr/bin/env bash
# Issue 17 follow-up: qwen2 / qwen3 GGUF on our back end vs candle-transformers' quantized_qwen2 /
# quantized_qwen3 (the path before, `decode --reference`), same files, same run, interleaved.
# Models: random weights with Qwen2.5-0.5B's widths (hidden 896, 14 heads, 2 KV heads, FFN 4864,
# 151k vocabulary), 6 layers, Q4_0, written by
# `tests/data/llm/tiny_random_qwen_gguf/make_tiny_qwen.py --bench DIR` (pip gguf==0.19.0).
# Not run in CI.
#
#   CARGO_TARGET_DIR=... cargo build --release -p heartlens-ai --example decode
#   CARGO_TARGET_DIR=... bash bench/llm/qwen.sh
#
# Env: PROFILE (release; "debug" = the dev profile, opt-level 2 for heartlens-ai and candle),
# THREADS ("1"), PROMPT (256), DECODE (32), RUNS (2), WORK ($CARGO_TARGET_DIR/bench-data/qwen).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PROFILE="${PROFILE:-release}"
DEC="${CARGO_TARGET_DIR:?set CARGO_TARGET_DIR}/$PROFILE/examples/decode"
WORK="${WORK:-${CARGO_TARGET_DIR:?set CARGO_TARGET_DIR}/bench-data/qwen}"
THREADS="${THREADS:-1}"
PROMPT="${PROMPT:-256}"
DECODE="${DECODE:-32}"
RUNS="${RUNS:-2}"
[ -f "$WORK/bench-qwen3-q4_0.gguf" ] ||
  python3 "$ROOT/tests/data/llm/tiny_random_qwen_gguf/make_tiny_qwen.py" --bench "$WORK"
echo "# $(date -u) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg), profile $PROFILE"
for run in $(seq "$RUNS"); do
  for arch in qwen2 qwen3; do
    for t in $THREADS; do
      for ref in "" --reference; do
        echo -n "run=$run threads=$t ref=${ref:-ours} "
        RAYON_NUM_THREADS=$t "$DEC" "$WORK/bench-$arch-q4_0.gguf" "$PROMPT" "$DECODE" $ref
      done
    done
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
