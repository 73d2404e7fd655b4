#!/usr/bin/env bash
# Sets up Heartlens and opens the bundled demo recording (LUDB record 1) in the desktop app.
# Pass another ECG file to open that instead: scripts/run-demo.sh path/to/file.hea
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heartlens/target}"
# Debug profile: the same build the tests use, so a checkout that passed the tests starts at once.
cargo build --locked -p heartlens-app -p heartlens-cli
file="${1:-assets/demo/1.hea}"
"$CARGO_TARGET_DIR/debug/heartlens" info "$file"
exec "$CARGO_TARGET_DIR/debug/heartlens-app" "$file"
