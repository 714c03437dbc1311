#!/usr/bin/env bash
# Wall-clock overhead of courier against bare reqwest (benches/client_overhead.rs), with the
# peer reqwest-middleware (five no-op middlewares) alongside, on a shared, noisy machine.
#
# Usage: scripts/bench-overhead.sh [RUNS]    (default 3)
# Each run is the bench's interleaved pass (BENCH_INTERLEAVED=1): the variants alternate batch
# by batch, round after round, so load drift slows them alike. Prints every run's median time
# per request and throughput relative to bare reqwest (1.000 = the same, 0.950 = 5% fewer
# requests per second), then the geometric mean of the ratios over the runs. For criterion's
# own report: `cargo bench -p courier --bench client_overhead`.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/courier-target}"
runs="${1:-3}"
lines="$(mktemp)"
trap 'rm -f "$lines"' EXIT

cargo bench -p courier --bench client_overhead --no-run --locked -q 2>/dev/null || \
  cargo bench -p courier --bench client_overhead --no-run --locked

for run in $(seq 1 "$runs"); do
  echo "== run $run/$runs" >&2
  BENCH_INTERLEAVED=1 cargo bench -p courier --bench client_overhead --locked -q 2>/dev/null |
    grep '^interleaved ' | tee -a "$lines"
done

echo
echo "geometric mean over $runs runs (throughput relative to bare reqwest; min-max in brackets):"
awk '{ key = $2 " " $3; ratio = $NF; s[key] += log(ratio); n[key]++
       if (!(key in min) || ratio < min[key]) min[key] = ratio
       if (ratio > max[key]) max[key] = ratio
       if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
     END { for (i = 1; i <= k; i++) { key = order[i]
             printf "  %-34s %.3f  [%.3f-%.3f]\n", key, exp(s[key] / n[key]), min[key], max[key] } }' "$lines"
