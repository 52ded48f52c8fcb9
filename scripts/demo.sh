#!/usr/bin/env bash
# One command from a fresh Debian machine (as root): install what is missing,
# build (Release), run the default demo scenario and plot it (out/demo/plots/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release ecsim  # only the program the demo runs
# The run's outputs go to out/demo (or --out DIR); then pictures of it:
# convergence with the partition shaded, visibility CDF, messages (gnuplot).
out=out/demo
for ((i = 1; i <= $#; i++)); do
  [[ "${!i}" == --out ]] && { j=$((i + 1)); out="${!j}"; }
  [[ "${!i}" == --out=* ]] && out="${!i#--out=}"
done
[[ " $* " == *" --out"* ]] && extra=() || extra=(--out "$out")
status=0
build/release/app/ecsim run scenarios/demo.yaml "${extra[@]}" "$@" || status=$?
build/release/app/ecsim plot "$out"
exit "$status"
