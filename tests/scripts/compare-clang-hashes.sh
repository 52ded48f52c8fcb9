#!/usr/bin/env bash
# Same scenario + seed => same bytes, whatever the compiler: runs every
# scenario of tests/golden/trace_hashes.txt (examples, regression, spectrum)
# with an ecsim built by Clang and compares each trace_hash with the golden
# value, which the GCC build matches (the golden.* CTest tests). A mismatch is
# code whose result depends on the compiler: typically two draws from one RNG
# stream in one expression (unspecified evaluation order), or floating point
# contracted or reassociated differently (docs/DETERMINISM.md).
#
#   tests/scripts/compare-clang-hashes.sh [ECSIM]
#
# ECSIM defaults to build/clang/app/ecsim (cmake --preset clang-release &&
# cmake --build --preset clang-release). scripts/test.sh runs this after ctest.
set -euo pipefail
clang_ecsim="${1:-}"
[[ -z "$clang_ecsim" || "$clang_ecsim" == /* ]] || clang_ecsim="$(pwd)/$clang_ecsim"
cd "$(dirname "$0")/../.."
source tests/scripts/golden-lib.sh
clang_ecsim="${clang_ecsim:-$(pwd)/build/clang/app/ecsim}"
[[ -x "$clang_ecsim" ]] || { echo "compare-clang-hashes: no ecsim at $clang_ecsim (cmake --preset clang-release && cmake --build --preset clang-release)" >&2; exit 2; }

out=build/clang/golden-out
rm -rf "$out"
mkdir -p "$out"
mismatches=0 checked=0
while read -r scenario expected; do
  name=$(echo "$scenario" | tr / _)
  checked=$((checked + 1))
  actual=$(golden_run "$clang_ecsim" "$scenario" "$out/$name" "$out/$name.log") || { mismatches=$((mismatches + 1)); continue; }
  if [[ "$actual" != "$expected" ]]; then
    mismatches=$((mismatches + 1))
    cat >&2 <<EOF
MISMATCH: $scenario: Clang build trace_hash $actual, golden (GCC) $expected
  reproduce and compare the outputs (from the repository root):
    cmake --preset clang-release && cmake --build --preset clang-release
    scripts/build.sh release
    build/clang/app/ecsim run $scenario --quiet --no-progress --out /tmp/ecsim-clang
    build/release/app/ecsim run $scenario --quiet --no-progress --out /tmp/ecsim-gcc
    diff -r /tmp/ecsim-gcc /tmp/ecsim-clang
EOF
  fi
done < <(grep -v '^#' "$golden_rel" | awk 'NF == 2')

if ((mismatches)); then
  echo "FAIL: $mismatches of $checked scenarios differ between the Clang build and the golden hashes" >&2
  exit 1
fi
echo "OK: $checked scenarios, Clang build trace_hash equal to the golden (GCC) value"
