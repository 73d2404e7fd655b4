#!/usr/bin/env bash
# Tests scripts/setup.sh's version checks (issue 21): with fake `rustc`/`cargo`/`node`/`npm` first
# in PATH (and nothing else of the host's but the few tools setup.sh's checks use), a missing or too
# old tool stops setup with exactly one line naming it and the command that installs it; good
# versions pass silently. HEARTLENS_SETUP_CHECK_ONLY=1 stops setup after its checks, so nothing is
# installed. Run by scripts/test.sh.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
RUST_MIN="$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$REPO/Cargo.toml" | head -n 1)"
[ -n "$RUST_MIN" ] || { echo "setup-versions: no rust-version in $REPO/Cargo.toml" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
BASH_BIN="$(command -v bash)"

# The host tools setup.sh's checks use, alone in a directory, so a real rustc/node stays hidden.
mkdir -p "$work/sys"
for t in dirname sed head grep; do ln -s "$(command -v "$t")" "$work/sys/$t"; done

# fake NAME OUTPUT...: a `NAME` in a fresh bin directory whose --version prints OUTPUT.
fake() {
  printf '#!/bin/sh\necho "%s"\n' "$2" >"$bin/$1"
  chmod +x "$bin/$1"
}
# run_setup: setup.sh's checks with $bin first in PATH; sets $rc, $out (stdout), $err (stderr).
run_setup() {
  rc=0
  HEARTLENS_SETUP_CHECK_ONLY=1 PATH="$bin:$work/sys" "$BASH_BIN" "$REPO/scripts/setup.sh" \
    >"$work/out" 2>"$work/err" || rc=$?
  out="$(cat "$work/out")"
  err="$(cat "$work/err")"
}
n=0
expect_fail() { # NAME EXPECTED-LINE
  run_setup
  if [ "$rc" -ne 1 ] || [ -n "$out" ] || [ "$err" != "$2" ]; then
    printf 'setup-versions: %s: expected exit 1 and the one line\n  %s\ngot exit %s, stdout [%s], stderr [%s]\n' \
      "$1" "$2" "$rc" "$out" "$err" >&2
    exit 1
  fi
  n=$((n + 1))
}
expect_pass() { # NAME
  run_setup
  if [ "$rc" -ne 0 ] || [ -n "$out$err" ]; then
    printf 'setup-versions: %s: expected a silent pass, got exit %s, stdout [%s], stderr [%s]\n' \
      "$1" "$rc" "$out" "$err" >&2
    exit 1
  fi
  n=$((n + 1))
}
new_bin() {
  bin="$work/bin$((++bins))"
  mkdir -p "$bin"
}
bins=0
good_rust() {
  fake rustc "rustc $RUST_MIN.0 (0000000 2026-01-01)"
  fake cargo "cargo $RUST_MIN.0 (0000000 2026-01-01)"
}
rustup_cmd="curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"

new_bin
expect_fail "no Rust" \
  "setup: rustc is missing (Heartlens needs Rust >= $RUST_MIN); install it with: $rustup_cmd"

new_bin
fake rustc "rustc 1.70.0 (90c541806 2023-05-31)"
fake cargo "cargo $RUST_MIN.0 (0000000 2026-01-01)"
expect_fail "rustc too old" \
  "setup: rustc 1.70.0 is older than $RUST_MIN (rust-version in Cargo.toml); update it with: rustup update stable"

new_bin
fake rustc "rustc $RUST_MIN.0 (0000000 2026-01-01)"
fake cargo "cargo 1.84.1 (66221abde 2024-11-19)"
expect_fail "cargo too old" \
  "setup: cargo 1.84.1 is older than $RUST_MIN (rust-version in Cargo.toml); update it with: rustup update stable"

new_bin
good_rust
fake node "v16.20.2"
fake npm "8.19.4"
expect_fail "node too old" \
  "setup: node 16.20.2 is older than 18.0.0 (the UI's Vite/Vitest need it); install a newer one with: sudo apt-get install nodejs npm (Debian 12 / Ubuntu 24.04 ship 18)"

new_bin
good_rust
fake node "v18.20.4"
expect_fail "npm missing" "setup: npm is missing (node is installed); install it with: sudo apt-get install npm"

new_bin
good_rust
fake node "v18.20.4"
fake npm "8.19.4"
expect_fail "npm too old" "setup: npm 8.19.4 is older than 9.0.0; update it with: npm install -g npm@10"

# Debian 12's own versions, and a newer Rust than the minimum: silent.
new_bin
fake rustc "rustc 1.120.3 (0000000 2030-01-01)"
fake cargo "cargo $RUST_MIN.0 (0000000 2026-01-01)"
fake node "v18.20.4"
fake npm "9.2.0"
expect_pass "Debian 12 node 18.20.4, npm 9.2.0"

# No node yet: fine at this point (setup installs Debian's with apt).
new_bin
good_rust
expect_pass "node not installed yet"

echo "setup-versions: $n checks passed"
