#!/usr/bin/env bash
# Instructions per request under valgrind (benches/client_instructions.rs): courier against
# bare reqwest, without wall-clock noise.
#
# Usage: scripts/bench-instructions.sh [RUNS]    (default 1; counts barely move between runs)
# Needs valgrind and gungraun-runner of the same version as the gungraun dev-dependency; the
# runner is installed when missing. Prints instructions per request for each variant and the
# overhead over bare reqwest. The callgrind files, for callgrind_annotate, are under
# $CARGO_TARGET_DIR/gungraun/courier/client_instructions/.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/courier-target}"
runs="${1:-1}"
requests=100 # REQUESTS in the bench

command -v valgrind > /dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
version="$(awk '$0 == "name = \"gungraun\"" { getline; gsub(/[^0-9.]/, ""); print }' Cargo.lock)"
if [[ "$(gungraun-runner --version 2>/dev/null | awk '{print $2}')" != "$version" ]]; then
  cargo install gungraun-runner --version "$version" --locked
fi

for run in $(seq 1 "$runs"); do
  echo "== run $run/$runs" >&2
  cargo bench -p courier --bench client_instructions --locked -q 2>/dev/null |
    awk -v n="$requests" '
      /^client_instructions::/ { split($2, id, ":"); variant = id[1] }
      /^ *Instructions:/ { split($2, count, "|"); per[variant] = count[1] / n; order[++k] = variant }
      END {
        base = per["bare_reqwest"]
        printf "%-30s %14s %10s %9s\n", "variant", "instr/request", "added", "added %"
        for (i = 1; i <= k; i++) {
          v = order[i]
          printf "%-30s %14.0f %10.0f %8.2f%%\n", v, per[v], per[v] - base, 100 * (per[v] - base) / base
        }
      }'
done
