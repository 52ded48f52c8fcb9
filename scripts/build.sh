#!/usr/bin/env bash
# Configures and builds ecsim. Usage: scripts/build.sh [release|debug|asan-ubsan|clang-release]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
