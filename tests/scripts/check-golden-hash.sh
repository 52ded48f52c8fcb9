#!/usr/bin/env bash
# Golden trace hashes (tests/golden/trace_hashes.txt): runs one example
# scenario and compares the trace_hash of its summary.csv with the checked-in
# value. A difference means some deterministic output byte changed (events,
# ops, applied, violations, staleness, convergence series, metrics, saga and
# repair traces: app/runner.cpp). If that is intended, regenerate and review:
#   scripts/update-golden-hashes.sh [SCENARIO...]
#
# Usage:
#   tests/scripts/check-golden-hash.sh ECSIM SOURCE_DIR SCENARIO OUT_DIR
#       SCENARIO relative to SOURCE_DIR ("scenarios/demo.yaml")
#   tests/scripts/check-golden-hash.sh --entries SOURCE_DIR
#       every golden entry names an existing scenario, once; no scenario lacks one
set -euo pipefail
source "$(dirname "$0")/golden-lib.sh"
update=$golden_update

if [[ "${1:-}" == "--entries" ]]; then
  src="${2:?usage: check-golden-hash.sh --entries SOURCE_DIR}"
  cd "$src"
  status=0
  scenarios=$(golden_scenarios)
  listed=$(grep -v '^#' "$golden_rel" | awk 'NF { print $1 }')
  dup=$(printf '%s\n' "$listed" | LC_ALL=C sort | uniq -d)
  if [[ -n "$dup" ]]; then
    echo "FAIL: $golden_rel lists these scenarios more than once:" >&2
    printf '  %s\n' $dup >&2
    status=1
  fi
  stale=$(comm -13 <(printf '%s\n' "$scenarios") <(printf '%s\n' "$listed" | LC_ALL=C sort -u))
  if [[ -n "$stale" ]]; then
    echo "FAIL: $golden_rel lists scenarios that do not exist:" >&2
    printf '  %s\n' $stale >&2
    status=1
  fi
  missing=$(comm -23 <(printf '%s\n' "$scenarios") <(printf '%s\n' "$listed" | LC_ALL=C sort -u))
  if [[ -n "$missing" ]]; then
    echo "FAIL: scenarios without a golden trace hash:" >&2
    printf '  %s\n' $missing >&2
    status=1
  fi
  malformed=$(grep -v '^#' "$golden_rel" | awk 'NF && (NF != 2 || length($2) != 16 || $2 !~ /^[0-9a-f]+$/)' || true)
  if [[ -n "$malformed" ]]; then
    echo "FAIL: malformed lines in $golden_rel (expected 'scenario-path 16-hex-digit-hash'):" >&2
    printf '%s\n' "$malformed" | sed 's/^/  /' >&2
    status=1
  fi
  if [[ $status -ne 0 ]]; then
    echo "To regenerate the whole file (then review the diff): $update" >&2
  else
    echo "OK: $(printf '%s\n' "$scenarios" | wc -l) scenarios, one golden entry each"
  fi
  exit $status
fi

usage="usage: check-golden-hash.sh ECSIM SOURCE_DIR SCENARIO OUT_DIR"
ecsim="${1:?$usage}"
src="${2:?$usage}"
scenario="${3:?$usage}"
out="${4:?$usage}"
golden="$src/$golden_rel"

mkdir -p "$(dirname "$out")"
actual=$(golden_run "$ecsim" "$src/$scenario" "$out" "$out.log")
expected=$(golden_expected "$golden" "$scenario")
if [[ -z "$expected" ]]; then
  echo "FAIL: $golden_rel has no entry for $scenario (trace_hash is $actual)." >&2
  echo "Add it (from the repository root) with: $update --ecsim $ecsim $scenario" >&2
  exit 1
fi
if [[ "$actual" != "$expected" ]]; then
  cat >&2 <<EOF
FAIL: trace_hash of $scenario differs from the golden value
--- $golden_rel
+++ this build
-$scenario $expected
+$scenario $actual
Outputs of this run: $out/
If the change is intended (review what changed in those files), update the golden
value from the repository root and commit it with the change:
  $update --ecsim $ecsim $scenario   # this scenario
  $update --ecsim $ecsim             # all scenarios
EOF
  exit 1
fi
echo "OK: $scenario $actual"
