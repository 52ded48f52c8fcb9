#!/usr/bin/env bash
# Configures and builds ecsim. Usage: scripts/build.sh [release|debug|asan-ubsan|clang-release] [TARGET...]
# Without targets: every target the preset enables (programs, tests, benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
cmake --preset "$preset" >/dev/null
targets=()
(($#)) && targets=(--target "$@")
cmake --build --preset "$preset" -j "$(nproc)" "${targets[@]}"
