#!/usr/bin/env bash
# Decode tokens/s on CPU: Heartlens (candle) vs llama.cpp vs HF transformers, same GGUF / same
# weights, same prompt ids, greedy, $THREADS threads (default 2). Not run in CI.
#
#   python3 -m venv $HOME/.cache/heartlens/venvs/llm && $HOME/.cache/heartlens/venvs/llm/bin/pip install gguf transformers torch numpy safetensors
#   (cd bench/llm/llamacpp && npm ci)   # llama.cpp: node-llama-cpp's prebuilt CPU binary
#   PY=$HOME/.cache/heartlens/venvs/llm/bin/python WORK=<scratch dir> bash bench/llm/run.sh
# llama.cpp runs through bench/llm/llamacpp/decode.mjs (npm ships prebuilt llama.cpp binaries; the
# PyPI route, llama-cpp-python, builds llama.cpp from source, > 75 min on a shared 2-core VM, and
# stays optional in peers.py: without it peers.py prints an "error" line and the other rows run).
#
# Models: (1) a random-weight Phi-3 sized down (hidden 1024, 12 layers, 16 heads, FFN 2816, vocab
# 32016: 220M parameters) written by make_model.py and converted to Q8_0 GGUF by
# `heartlens models import` (so llama.cpp also checks that our GGUF is valid); (2) the tiny random
# Llama-2 GGUF of tests/data/llm (F16/F32).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PY:-python3}"
WORK="${WORK:-${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}/bench-data/llm}"
THREADS="${THREADS:-2}"
PROMPT="${PROMPT:-128}"
DECODE="${DECODE:-64}"
OUT="$HERE/results/$(date -u +%Y-%m-%d)-$(hostname -s)"
NICE="${NICE:-nice -n 10}"
mkdir -p "$WORK" "$OUT"
export RAYON_NUM_THREADS="$THREADS"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

{ date -u; uname -a; nproc; grep -m1 "model name" /proc/cpuinfo; free -g | head -2; rustc --version
  "$PY" -c 'import importlib.metadata as m
for p in ("torch", "transformers", "llama_cpp_python"):
    try: print(p, m.version(p))
    except Exception: print(p, "not installed")'
  echo "threads: $THREADS prompt: $PROMPT decode: $DECODE"
  echo "uptime_before: $(uptime)"; } > "$OUT/machine.txt"

HF="$WORK/phi3_h1024_l12"
[ -f "$HF/model.safetensors" ] || $NICE "$PY" "$HERE/make_model.py" "$HF" 1024 12 16 2816
# NO_BUILD=1 uses the release binaries already in $CARGO_TARGET_DIR.
if [ "${NO_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && $NICE cargo build --release -q -p heartlens-cli && $NICE cargo build --release -q -p heartlens-ai --example decode)
fi
HL="$CARGO_TARGET_DIR/release/heartlens"
DEC="$CARGO_TARGET_DIR/release/examples/decode"
MODELS="$WORK/models"
[ -d "$MODELS/bench-q8" ] || $NICE "$HL" models --dir "$MODELS" import --name bench-q8 --base "$HF" \
    --tokenizer "$ROOT/tests/data/vectors/phi3/gguf/tiny_phi3_q8_0.gguf" --quant q8_0
GGUF="$MODELS/bench-q8/model.gguf"
TINY="$ROOT/tests/data/llm/tiny_random_llama_gguf/llama-2-tiny-random.gguf"

RAW="$OUT/raw.jsonl"
: > "$RAW"
for run in 1 2; do
  $NICE "$DEC" "$MODELS/bench-q8" "$PROMPT" "$DECODE" | tee -a "$RAW"
  (cd "$HERE/llamacpp" && $NICE node decode.mjs "$GGUF" "$PROMPT" "$DECODE" "$THREADS") | tee -a "$RAW"
  $NICE "$PY" "$HERE/peers.py" "$GGUF" "$HF" "$PROMPT" "$DECODE" "$THREADS" | tee -a "$RAW"
  $NICE "$DEC" "$TINY" "$PROMPT" "$DECODE" | tee -a "$RAW"
  (cd "$HERE/llamacpp" && $NICE node decode.mjs "$TINY" "$PROMPT" "$DECODE" "$THREADS") | tee -a "$RAW"
done
echo "uptime_after: $(uptime)" >> "$OUT/machine.txt"
"$PY" - "$RAW" "$OUT/results.csv" <<'PYEOF'
import csv, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["runtime", "model", "prompt_tokens", "decode_tokens", "prefill_s", "decode_s", "tokens_per_s"])
    for r in rows:
        if "error" in r:
            continue
        w.writerow([r["runtime"], r["model"].split("/")[-1] if "/" in r["model"] else r["model"],
                    r["prompt_tokens"], r["decode_tokens"], r["prefill_s"], r["decode_s"], r["tokens_per_s"]])
print(open(sys.argv[2]).read())
PYEOF
