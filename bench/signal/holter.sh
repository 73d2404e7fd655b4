#!/usr/bin/env bash
# Peak memory and wall time of `heartlens analyze --json` (release CLI) on synthetic Holters:
# 30 min, 6 h and 24 h at 3 and 12 leads (500 Hz, WFDB 212, bench/formats/generate_holter.py),
# plus 10-s 12-lead ECGs (LUDB 1, 2 and 8, per-record speed must not regress).
#
#   CARGO_TARGET_DIR=... DATA=<scratch dir> nice -n 10 bash bench/signal/holter.sh
#
# BIN=path/to/heartlens overrides the binary (e.g. a dev build), OUT the result folder.
# Needs /usr/bin/time (GNU time) and python3 with numpy. Output: bench/signal/results/holter-<date>/
# {holter.csv,machine.txt,<file>.json.gz (heartlens output), <file>.time (time -v)}.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}
# The generated recordings (up to 0.8 GB each) go beside the build, not into the clone.
DATA=${DATA:-$TARGET/bench-data/holter}
LENGTHS=${LENGTHS:-"30m 6 24"}
LEADS=${LEADS:-"3 12"}
BIN=${BIN:-$TARGET/release/heartlens}
[ -x "$BIN" ] || cargo build --release -p heartlens-cli --locked
OUT=${OUT:-bench/signal/results/holter-$(date -u +%Y-%m-%d)}
mkdir -p "$DATA" "$OUT"
{ date -u; nproc; grep -m1 'model name' /proc/cpuinfo; free -g | head -2; echo "load before: $(cat /proc/loadavg)"; } > "$OUT/machine.txt"
echo "file,leads,hours,samples_total,beats,wall_s,cpu_s,peak_rss_mb,peak_anon_mb,peak_file_mb,load1_before" > "$OUT/holter.csv"
run() { # name hea leads hours
  local name=$1 hea=$2 leads=$3 hours=$4
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  # Peak RSS from time -v counts the memory-mapped file's resident pages too (page cache that
  # the kernel can drop); RssAnon / RssFile are sampled from /proc every 0.1 s to tell them apart.
  /usr/bin/time -v "$BIN" analyze "$hea" --json 2> "$OUT/$name.time" | gzip > "$OUT/$name.json.gz" &
  local job=$! pid="" tpid="" anon=0 file=0
  while kill -0 "$job" 2>/dev/null; do
    if [ -z "$pid" ]; then
      tpid=$(pgrep -n -f "^/usr/bin/time -v $BIN analyze $hea" || true)
      [ -z "$tpid" ] || pid=$(pgrep -P "$tpid" || true)
    fi
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      read -r a f < <(awk '/RssAnon/{a=$2} /RssFile/{f=$2} END{print a+0, f+0}' "/proc/$pid/status" 2>/dev/null || echo "0 0")
      [ "${a:-0}" -gt "$anon" ] && anon=$a
      [ "${f:-0}" -gt "$file" ] && file=$f
    fi
    sleep 0.1
  done
  wait "$job"
  local wall cpu rss beats samples
  # CPU seconds (user + system): on a shared machine the wall time depends on the others' load.
  cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$OUT/$name.time")
  wall=$(grep 'Elapsed (wall clock)' "$OUT/$name.time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep 'Maximum resident set size' "$OUT/$name.time" | awk '{print int($NF/1024)}')
  # The recorded command names the binary as $BIN, not where this machine keeps it.
  sed -i "s#Command being timed: \"$BIN #Command being timed: \"\$BIN #" "$OUT/$name.time"
  beats=$(zcat "$OUT/$name.json.gz" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["beats"]))')
  samples=$(head -1 "$hea" | awk -v l="$leads" '{print $4*l}')
  echo "$name,$leads,$hours,$samples,$beats,$wall,$cpu,$rss,$((anon / 1024)),$((file / 1024)),$load" | tee -a "$OUT/holter.csv"
}
for L in $LEADS; do
  for H in $LENGTHS; do
    hea=$(python3 bench/formats/generate_holter.py "$DATA" "$H" --leads "$L")
    run "synth_${L}lead_${H}" "$hea" "$L" "$H"
  done
done
for r in 1 2 8; do
  run "ludb_$r" "tests/data/wfdb/ludb/$r.hea" 12 0.0028
done
echo "load after: $(cat /proc/loadavg)" >> "$OUT/machine.txt"
