#!/usr/bin/env bash
# `ecsim explore` throughput and shrinking time (bench/README.md, "ecsim explore").
#   bench/explore-bench.sh [ECSIM]     (default build/release/app/ecsim)
# 1. 2000 runs of a 5-node, ~100-operation scenario with a random fault
#    schedule each, in-process, no per-run files: runs/s at --jobs 1 and 2,
#    and their ratio (one invocation, same machine state).
# 2. Exploring and shrinking a failing 12-node, 30 s run: wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
ecsim="${1:-build/release/app/ecsim}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wall() {  # seconds a command takes
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null || [[ $? == 1 ]]  # exit 1: a property broke, expected for the shrinking case
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' 
}
runs=2000
t1=$(wall "$ecsim" explore bench/scenarios/explore/five-nodes.explore.yaml --runs $runs --jobs 1 -q --no-progress --out "$out/j1")
t2=$(wall "$ecsim" explore bench/scenarios/explore/five-nodes.explore.yaml --runs $runs --jobs 2 -q --no-progress --out "$out/j2")
cmp -s "$out/j1/runs.csv" "$out/j2/runs.csv" || { echo "explore-bench: runs.csv differs between --jobs 1 and 2" >&2; exit 1; }
awk -v n=$runs -v t1="$t1" -v t2="$t2" 'BEGIN {
  printf "explore, 5 nodes, ~100 ops, %d runs: --jobs 1 %.2f s (%.0f runs/s), --jobs 2 %.2f s (%.0f runs/s), speed-up %.2fx\n",
         n, t1, n / t1, t2, n / t2, t1 / t2 }' 
ts=$(wall "$ecsim" explore bench/scenarios/explore/twelve-nodes.explore.yaml --jobs 2 -q --no-progress --out "$out/shrink")
printf 'explore + shrink, 12 nodes, 30 s: %.2f s wall (%s)\n' "$ts" \
  "$(awk -F, 'NR == 2 { print "shrunk in " $5 " runs: " $7 }' "$out/shrink/counterexamples.csv")"
