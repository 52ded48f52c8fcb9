# Shared by the golden trace hash scripts (sourced, not run):
#   tests/scripts/check-golden-hash.sh     one scenario against the golden file (CTest golden.*)
#   tests/scripts/compare-clang-hashes.sh  every golden entry, Clang build (scripts/test.sh)
#   scripts/update-golden-hashes.sh        regenerates the golden file
# Functions only; the caller sets -euo pipefail.

golden_rel=tests/golden/trace_hashes.txt
golden_update=scripts/update-golden-hashes.sh

# The example scenarios that have golden hashes, relative to the repository
# root (the current directory), sorted. Keep in step with tests/CMakeLists.txt.
golden_scenarios() {
  ls scenarios/*.yaml scenarios/regression/*.yaml scenarios/spectrum/*.yaml 2>/dev/null | LC_ALL=C sort
}

# golden_expected GOLDEN_FILE SCENARIO: the checked-in hash ("" when none).
golden_expected() {
  awk -v s="$2" '$1 == s { print $2 }' "$1"
}

# golden_run ECSIM SCENARIO_FILE OUT_DIR LOG: runs the scenario into OUT_DIR
# and prints the trace_hash of its summary.csv. Exit status 1 of ecsim is an
# expect: failure, which the scenario.* tests report; the outputs, and so the
# hash, are complete all the same. Any other failure: the log and a message on
# stderr, status 1.
golden_run() {
  local ecsim="$1" scenario="$2" out="$3" log="$4" rc=0 hash
  "$ecsim" run "$scenario" --quiet --no-progress --out "$out" >"$log" 2>&1 || rc=$?
  if [[ $rc -ne 0 && $rc -ne 1 ]]; then
    cat "$log" >&2
    echo "FAIL: ecsim run $scenario exited with status $rc" >&2
    return 1
  fi
  hash=$(awk -F, '$1 == "trace_hash" { print $2 }' "$out/summary.csv" 2>/dev/null || true)
  if [[ ! "$hash" =~ ^[0-9a-f]{16}$ ]]; then
    echo "FAIL: no trace_hash row in $out/summary.csv" >&2
    return 1
  fi
  echo "$hash"
}
