#!/usr/bin/env bash
# Rejects sources of non-determinism mechanically: unseeded or
# implementation-defined randomness and wall clocks in simulation code.
# Wall time is allowed only where it is reported as wall time (runner, bench).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {  # pattern, description, paths...
  local pattern="$1" what="$2"; shift 2
  if grep -RnE --include='*.cpp' --include='*.hpp' "$pattern" "$@"; then
    echo "determinism rule: $what" >&2
    status=1
  fi
}
check 'std::random_device|[^_a-z]s?rand\(|std::[a-z_]+_distribution|std::mt19937|default_random_engine' \
      'use ecsim::Rng and sim/distribution (standard distributions differ between libraries)' sim protocols analysis
check 'system_clock|steady_clock|high_resolution_clock|gettimeofday|clock_gettime|time\(nullptr\)' \
      'simulation code must not read wall clocks' sim/*.cpp sim/*.hpp protocols analysis
exit $status
