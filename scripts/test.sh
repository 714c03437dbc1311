#!/usr/bin/env bash
# Runs every test of the workspace: formatting, lints, unit, integration and doc tests.
# Installs what the tests need when it is missing. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/courier-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test (unit, integration, examples, doc tests)"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

echo "== rustdoc (broken links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked -q

echo "== examples run offline"
cargo run --locked -q -p courier --example tour > /dev/null
cargo run --locked -q -p courier-cache --example offline_first > /dev/null
cargo run --locked -q -p courier-cache --example per_request_policy > /dev/null
