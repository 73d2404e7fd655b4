#!/usr/bin/env bash
# The Python suite (issue 20): builds the `heartlens` wheel (crates/py, maturin, dev profile,
# --locked, the shared CARGO_TARGET_DIR), installs it into a venv outside the clone, starts a
# local Ray cluster on 127.0.0.1 and runs pytest (crates/py/tests): the API against the
# `heartlens` CLI and the reference values, then the Ray batch job against `heartlens analyze
# --json`. Anything missing fails the run; nothing is skipped. Ray is stopped on every exit.
#
# Env: CARGO_TARGET_DIR (default ~/.cache/heartlens/target), HEARTLENS_VENV (default
# ~/.cache/heartlens/venv), HEARTLENS_RAY_PORT (default 6391), WGPU_BACKEND (default vulkan).
set -euo pipefail
cd "$(dirname "$0")/../.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}"
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
VENV="${HEARTLENS_VENV:-$HOME/.cache/heartlens/venv}"
REQ=crates/py/requirements-test.txt
RAY_PORT="${HEARTLENS_RAY_PORT:-6391}"

fail() {
  echo "python.sh: $*" >&2
  exit 1
}

python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
  fail "python3 >= 3.9 is needed (scripts/setup.sh installs python3-venv and python3-dev)"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || fail "python3 -m venv failed: install python3-venv (scripts/setup.sh)"
fi
# Install the pinned requirements when they changed (ray's ~100 MB is a one-time cost).
stamp="$VENV/.heartlens-requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$REQ"
  echo "$want" >"$stamp"
fi

# The CLI the results are compared with, then the wheel (same target dir, so shared crates are
# built once).
cargo build -p heartlens-cli --locked
WHEELS="$CARGO_TARGET_DIR/wheels/heartlens-test"
rm -rf "$WHEELS"
"$VENV/bin/maturin" build --quiet --locked --profile dev -m crates/py/Cargo.toml \
  -i "$VENV/bin/python" --out "$WHEELS"
"$VENV/bin/python" -m pip install --quiet --force-reinstall --no-deps "$WHEELS"/heartlens-*.whl

# A local Ray cluster on loopback, small: 2 CPUs, 200 MB object store, no dashboard.
export RAY_USAGE_STATS_ENABLED=0
trap '"$VENV/bin/ray" stop --force >/dev/null 2>&1 || true' EXIT
"$VENV/bin/ray" start --head --node-ip-address=127.0.0.1 --port="$RAY_PORT" --num-cpus=2 \
  --object-store-memory=200000000 --include-dashboard=false --disable-usage-stats >/dev/null
export HEARTLENS_RAY_ADDRESS="127.0.0.1:$RAY_PORT"
export HEARTLENS_BIN="$CARGO_TARGET_DIR/debug/heartlens"

"$VENV/bin/python" -m pytest crates/py/tests -p no:cacheprovider -q
