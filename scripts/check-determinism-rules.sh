#!/usr/bin/env bash
# Rejects sources of non-determinism mechanically: unseeded or
# implementation-defined randomness and wall clocks in simulation code, and
# two draws in one expression (unspecified evaluation order).
# Wall time is allowed only where it is reported as wall time (runner, bench).
# docs/WRITING_A_PROTOCOL.md, "Determinism rules", says what this catches and
# what only the cross-compiler test (tests/scripts/compare-clang-hashes.sh) can.
#
#   scripts/check-determinism-rules.sh [PATH...]
#
# With PATHs (absolute, or relative to the repository root) every rule checks
# just those files or directories (tests/scripts/test-determinism-rules.sh).
set -euo pipefail
only=()
for p in "$@"; do [[ "$p" == /* ]] && only+=("$p") || only+=("$(pwd)/$p"); done
cd "$(dirname "$0")/.."
status=0
check() {  # [-P] pattern, description, paths... (-P: a Perl regex, else extended)
  local mode=-E
  if [[ "$1" == -P ]]; then mode=-P; shift; fi
  local pattern="$1" what="$2"; shift 2
  ((${#only[@]} == 0)) || set -- "${only[@]}"
  if grep -RHn "$mode" --include='*.cpp' --include='*.hpp' "$pattern" "$@"; then
    echo "determinism rule: $what" >&2
    status=1
  fi
}
check 'std::random_device|[^_a-z]s?rand\(|std::[a-z_]+_distribution|std::mt19937|default_random_engine' \
      'use ecsim::Rng and sim/distribution (standard distributions differ between libraries)' sim protocols analysis
check 'system_clock|steady_clock|high_resolution_clock|gettimeofday|clock_gettime|time\(nullptr\)' \
      'simulation code must not read wall clocks' sim/*.cpp sim/*.hpp protocols analysis

# Two calls that draw from an RNG in one expression on one line, as arguments
# of one call (f(draw_op(), draw_key())) or operands (rng.below(a) + rng.below(b)):
# their order is unspecified and GCC and Clang differ. Not flagged: draws
# separated by ';', '?', ':', '&&' or '||' (sequenced, or only one evaluated),
# and a function's own name where it is defined (after a type, or after '::').
draw='(?:(?<!::)(?:(?<=return )|(?<![\w>&*] )))(?:\bdraw_\w+|\brng\w*(?:\(\))?(?:\.|->)\w+|\b(?:next_u64|below|uniform01|uniform|bernoulli|exponential|normal|lognormal|pareto|sample|sample_nonnegative|sample_duration|random_neighbor))\s*\('
check -P "$draw(?:(?!;|\?|&&|\|\||\s:\s|//).)*$draw" \
      'two draws in one expression are evaluated in an unspecified order: draw into named locals, in order, then use them' \
      sim protocols analysis app
exit $status
