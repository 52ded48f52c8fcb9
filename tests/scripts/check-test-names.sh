#!/usr/bin/env bash
# CTest cannot run a Catch2 test whose name contains ';' (catch_discover_tests
# splits the name there, the filter matches nothing and the test "passes"
# without running). Fails when any test name has one.
#   tests/scripts/check-test-names.sh BUILD/tests/ecsim_tests
set -euo pipefail
# Catch2 v2 exits with the number of tests listed: not an error here.
names="$("$1" --list-test-names-only || true)"
[[ -n "$names" ]] || { echo "check-test-names: $1 listed no tests" >&2; exit 1; }
if bad="$(grep -F ';' <<<"$names")"; then
  echo "check-test-names: rename these tests (no ';' in a Catch2 test name):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-test-names: $(grep -c . <<<"$names") test names, none with ';'"
