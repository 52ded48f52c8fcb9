#!/usr/bin/env bash
# One command from a fresh Debian machine (as root): install what is missing,
# build and run every test through CTest, then compare a Clang build's trace
# hashes with the golden ones (tests/scripts/compare-clang-hashes.sh), and
# fuzz the loader and the history readers under ASan/UBSan (tests/fuzz/README.md).
# Usage: scripts/test.sh [release|asan-ubsan]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/install-deps.sh
scripts/check-determinism-rules.sh
scripts/check-layering.sh
scripts/build.sh "$preset"
ctest --preset "$preset" -j "$(nproc)"
# Same scenario + seed, same bytes with another compiler: a lean Clang build
# (the ecsim target only) must reproduce every golden trace hash.
scripts/build.sh clang-release
tests/scripts/compare-clang-hashes.sh
# Bad input never crashes, hangs or goes unlocated: a bounded fuzz run under
# ASan/UBSan (the fuzz driver only, not the whole suite, to stay lean).
scripts/build.sh asan-ubsan ecsim_fuzz
tests/scripts/run-fuzz.sh build/asan-ubsan/tests/fuzz/ecsim_fuzz 45
