#!/usr/bin/env bash
# The cache benches of courier-cache, with the ratios its targets are stated in: the
# wall-clock bench (benches/cache.rs) repeated in alternating variant order, then the
# instruction counts under valgrind (benches/cache_instructions.rs), which are what to trust
# on a shared, noisy machine.
#
# Usage: scripts/bench-cache.sh [RUNS]    (default 2 wall-clock runs; 0 counts instructions
#                                          only; extra criterion flags in BENCH_ARGS, e.g.
#                                          BENCH_ARGS=hit/1kib for a subset)
# Env: SKIP_INSTRUCTIONS=1 skips the valgrind part.
# Prints, per wall-clock run and then as a geometric mean (min-max) over the runs, from
# criterion's median time per iteration:
#   vs_hcr    http-cache-reqwest's hit time / courier's hit time   (target >= 3 at 1 KiB,
#                                                                  >= 100 at 1 MiB)
#   vs_floor  courier's hit time / the hash-map floor's time      (target <= 10)
#   vs_origin the origin round trip's time / courier's hit time
#   304/200   courier's 304 round trip time / a plain 200's time  (target <= 1.1)
# then the same ratios from instructions per GET.
# Needs jq; for instructions, valgrind and gungraun-runner of the same version as the gungraun
# dev-dependency (installed when missing). The callgrind files, for callgrind_annotate, are
# under $CARGO_TARGET_DIR/gungraun/courier-cache/cache_instructions/.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/courier-target}"
runs="${1:-2}"
criterion="$CARGO_TARGET_DIR/criterion"
gets=20 # GETS in cache_instructions
ratios="$(mktemp)"
log="$(mktemp)"
trap 'rm -f "$ratios" "$log"' EXIT

# median GROUP VARIANT: criterion's median time per iteration, in ns ("" when not run).
median() {
  local file="$criterion/${1//\//_}/$2/new/estimates.json"
  [[ -f "$file" ]] && jq '.median.point_estimate' "$file" || true
}

# ratio NAME RUN NUMERATOR DENOMINATOR: prints and records NUMERATOR/DENOMINATOR.
ratio() {
  [[ -n "$3" && -n "$4" ]] || return 0
  local value
  value="$(jq -n "$3 / $4")"
  printf '%s %s %s\n' "$2" "$1" "$value" >> "$ratios"
  printf '  %-36s %10.2f\n' "$1" "$value"
}

if (( runs > 0 )); then
  cargo bench -p courier-cache --bench cache --no-run --locked -q 2>/dev/null ||
    cargo bench -p courier-cache --bench cache --no-run --locked
fi
for run in $(seq 1 "$runs"); do
  if (( run % 2 )); then order=forward; else order=reverse; fi
  echo "== wall clock, run $run/$runs ($order order)" >&2
  # shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
  if ! BENCH_ORDER="$order" cargo bench -p courier-cache --bench cache --locked -q -- \
    --noplot ${BENCH_ARGS:-} > "$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  printf '%-22s %12s %12s %12s %12s\n' "group (median)" courier http_cache_r origin floor
  for size in 1kib 100kib 1mib; do
    for c in c1 c64; do
      group="cache/hit/$size/$c"
      printf '%-22s %10.0fns %10.0fns %10.0fns %10.0fns\n' "$size/$c" \
        "$(median "$group" courier)" "$(median "$group" http_cache_reqwest)" \
        "$(median "$group" origin_no_cache)" "$(median "$group" hashmap_floor)" 2>/dev/null || true
    done
  done
  for size in 1kib 100kib 1mib; do
    for c in c1 c64; do
      group="cache/hit/$size/$c"
      courier="$(median "$group" courier)"
      ratio "$size/$c vs_hcr" "$run" "$(median "$group" http_cache_reqwest)" "$courier"
      ratio "$size/$c vs_floor" "$run" "$courier" "$(median "$group" hashmap_floor)"
      ratio "$size/$c vs_origin" "$run" "$(median "$group" origin_no_cache)" "$courier"
    done
  done
  for size in 1kib 1mib; do
    group="cache/revalidate_304/$size/c1"
    ratio "$size 304/200" "$run" "$(median "$group" courier_304)" "$(median "$group" plain_200)"
  done
done

if (( runs > 0 )); then
  echo
  echo "wall clock, geometric mean over $runs runs [min-max]:"
  awk '{ name = $2 " " $3; if (!(name in n)) order[++k] = name
         s[name] += log($4); n[name]++
         if (!(name in min) || $4 < min[name]) min[name] = $4
         if (!(name in max) || $4 > max[name]) max[name] = $4 }
       END { for (i = 1; i <= k; i++) { v = order[i]
         printf "  %-36s %10.2f  [%.2f-%.2f]\n", v, exp(s[v] / n[v]), min[v], max[v] } }' "$ratios"
fi

[[ "${SKIP_INSTRUCTIONS:-}" == 1 ]] && exit 0

echo "== instructions (valgrind)" >&2
command -v valgrind > /dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
version="$(awk '$0 == "name = \"gungraun\"" { getline; gsub(/[^0-9.]/, ""); print }' Cargo.lock)"
if [[ "$(gungraun-runner --version 2>/dev/null | awk '{print $2}')" != "$version" ]]; then
  cargo install gungraun-runner --version "$version" --locked
fi
cargo bench -p courier-cache --bench cache_instructions --locked -q 2>/dev/null |
  awk -v n="$gets" '
    /^cache_instructions::/ { split($2, id, ":"); variant = id[1] }
    /^ *Instructions:/ { split($2, count, "|"); per[variant] = count[1] / n; order[++k] = variant }
    END {
      printf "\n%-28s %16s\n", "variant", "instructions/GET"
      for (i = 1; i <= k; i++) printf "%-28s %16.0f\n", order[i], per[order[i]]
      printf "\ninstruction ratios:\n"
      for (i = 1; i <= 2; i++) {
        size = i == 1 ? "1kib" : "1mib"
        c = per["courier_" size]
        printf "  %-36s %10.2f\n", size " vs_hcr", per["http_cache_reqwest_" size] / c
        printf "  %-36s %10.2f\n", size " vs_floor", c / per["hashmap_floor_" size]
      }
      printf "  %-36s %10.2f\n", "1kib 304/200", per["courier_304_1kib"] / per["plain_200_1kib"]
    }'
