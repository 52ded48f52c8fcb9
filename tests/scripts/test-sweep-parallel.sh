#!/usr/bin/env bash
# End-to-end test of scripts/sweep-parallel.sh: the sweep split into 3 shards
# run by GNU parallel on this machine, merged, must equal the single-machine
# sweep byte for byte. Exit 77 (CTest: skipped) only when GNU parallel is
# missing and cannot be installed.
# Usage: tests/scripts/test-sweep-parallel.sh ECSIM_BINARY
set -euo pipefail
ecsim="${1:?usage: test-sweep-parallel.sh ECSIM_BINARY}"
src="$(cd "$(dirname "$0")/../.." && pwd)"
skip() { echo "SKIPPED: $*"; exit 77; }

if ! command -v parallel >/dev/null; then
  [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null || skip "GNU parallel is not installed and cannot be installed here (needs root and apt-get)"
  echo "installing GNU parallel" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends parallel || { apt-get update -qq && apt-get install -y -qq --no-install-recommends parallel; }; } >/dev/null 2>&1 \
    || skip "GNU parallel is not installed and apt-get could not install it"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ecsim-parallel-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
sweep="$src/tests/sweeps/cluster.yaml"

"$ecsim" sweep "$sweep" --jobs 2 --out "$tmp/local" --quiet
"$src/scripts/sweep-parallel.sh" --shards 3 --cpus 1 --parallel 2 --ecsim "$ecsim" "$sweep" "$tmp/parallel" >"$tmp/log" 2>&1 \
  || { cat "$tmp/log"; echo "FAIL: sweep-parallel.sh failed" >&2; exit 1; }
for i in 1 2 3; do
  [[ -n "$(ls "$tmp/parallel/shards/$i/runs")" ]] || { echo "FAIL: shard $i recorded no runs" >&2; exit 1; }
done
"$src/tests/scripts/compare-sweeps.sh" "$tmp/local" "$tmp/parallel"

# Resume: forget one shard's runs and the tables; a re-run redoes only those.
rm -rf "$tmp/parallel/shards/2" "$tmp/parallel/runs.csv"
"$src/scripts/sweep-parallel.sh" --shards 3 --parallel 2 --ecsim "$ecsim" "$sweep" "$tmp/parallel" >"$tmp/log" 2>&1 \
  || { cat "$tmp/log"; echo "FAIL: resumed sweep-parallel.sh failed" >&2; exit 1; }
"$src/tests/scripts/compare-sweeps.sh" "$tmp/local" "$tmp/parallel"
echo "PASS: GNU parallel sweep equals the single-machine sweep"
