#!/usr/bin/env bash
# Wall-clock overhead of courier against bare reqwest (benches/client_overhead.rs), repeated
# in alternating variant order to average out drift on a shared, noisy machine.
#
# Usage: scripts/bench-overhead.sh [RUNS]    (default 4; extra criterion flags in BENCH_ARGS)
# Prints, for every run and then as a geometric mean over the runs, the throughput of each
# courier variant relative to bare reqwest (1.00 = the same, 0.95 = 5% fewer requests/s),
# from criterion's median time per iteration.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/courier-target}"
runs="${1:-4}"
criterion="$CARGO_TARGET_DIR/criterion"
variants=(courier_no_interceptors courier_5_noop_interceptors reqwest_middleware_5_noop)
groups=(c1 c64)
ratios="$(mktemp)"
log="$(mktemp)"
trap 'rm -f "$ratios" "$log"' EXIT

median() { jq '.median.point_estimate' "$criterion/client_get_1kib_$1/$2/new/estimates.json"; }

cargo bench -p courier --bench client_overhead --no-run --locked -q 2>/dev/null || \
  cargo bench -p courier --bench client_overhead --no-run --locked

for run in $(seq 1 "$runs"); do
  if (( run % 2 )); then order=forward; else order=reverse; fi
  echo "== run $run/$runs ($order order)" >&2
  # shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
  if ! BENCH_ORDER="$order" cargo bench -p courier --bench client_overhead --locked -q -- \
    --noplot ${BENCH_ARGS:-} > "$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  for group in "${groups[@]}"; do
    base="$(median "$group" bare_reqwest)"
    for variant in "${variants[@]}"; do
      ratio="$(jq -n "$base / $(median "$group" "$variant")")"
      printf '%s %s %s %s\n' "$run" "$group" "$variant" "$ratio" >> "$ratios"
      printf 'run %s  %-4s %-28s throughput vs reqwest: %.3f\n' "$run" "$group" "$variant" "$ratio"
    done
  done
done

echo
echo "geometric mean over $runs runs (throughput relative to bare reqwest; min-max in brackets):"
for group in "${groups[@]}"; do
  for variant in "${variants[@]}"; do
    awk -v g="$group" -v v="$variant" '$2 == g && $3 == v {
        s += log($4); n++; if (min == "" || $4 < min) min = $4; if ($4 > max) max = $4 }
      END { printf "  %-4s %-28s %.3f  [%.3f-%.3f]\n", g, v, exp(s / n), min, max }' "$ratios"
  done
done
