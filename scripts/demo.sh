#!/usr/bin/env bash
# One command from a fresh Debian machine (as root): install what is missing,
# build (Release) and run the default demo scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
build/release/sim/cli/ecsim run scenarios/demo.yaml "$@"
