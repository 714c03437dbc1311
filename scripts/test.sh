#!/usr/bin/env bash
# Runs every test of the workspace: formatting, lints, unit, integration and doc tests.
# Installs what the tests need when it is missing. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/courier-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Incremental caches only pay off while editing; here they would only take disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# The Redis store's tests start their own redis-server (and a cluster, made with redis-cli).
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "== installing redis-server and redis-tools"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools; } \
    || echo "warning: redis-server could not be installed; the Redis tests skip (and fail under CI=true)"
fi

# The target directory is reused between runs and grows as dependencies change; start it
# afresh when it passes COURIER_TARGET_LIMIT_GIB (default 20) so the disk never fills.
limit_gib="${COURIER_TARGET_LIMIT_GIB:-20}"
if [ -d "$CARGO_TARGET_DIR" ]; then
  used_kib=$(du -sk "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1 || echo 0)
  if [ "${used_kib:-0}" -gt $((limit_gib * 1024 * 1024)) ]; then
    echo "== $CARGO_TARGET_DIR holds $((used_kib / 1024 / 1024)) GiB (limit ${limit_gib}); cleaning it"
    cargo clean
  fi
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "== cargo test (unit, integration, examples, doc tests)"
cargo test --workspace --all-targets --all-features --locked
cargo test --workspace --doc --all-features --locked

echo "== rustdoc (broken links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked -q

echo "== examples run offline"
cargo run --locked -q -p courier-cli -- demo > /dev/null
cargo run --locked -q -p courier --example tour > /dev/null
cargo run --locked -q -p courier --example error_mapping > /dev/null
cargo run --locked -q -p courier --example retry > /dev/null
cargo run --locked -q -p courier --example typed_api > /dev/null
cargo run --locked -q -p courier --example auth > /dev/null
cargo run --locked -q -p courier-cache --example offline_first > /dev/null
cargo run --locked -q -p courier-cache --example per_request_policy > /dev/null
