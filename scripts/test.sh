#!/usr/bin/env bash
# One command from a fresh Debian machine (as root): install what is missing,
# build and run every test through CTest. Usage: scripts/test.sh [release|asan-ubsan]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/install-deps.sh
scripts/check-determinism-rules.sh
scripts/check-layering.sh
scripts/build.sh "$preset"
ctest --preset "$preset" -j "$(nproc)"
