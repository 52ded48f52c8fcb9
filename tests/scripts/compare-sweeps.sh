#!/usr/bin/env bash
# compare-sweeps.sh A B: exit 0 if two sweep directories hold the same results:
# runs.csv and aggregate.csv byte for byte, and every run record (metrics and
# trace hash) except its wall-clock line.
set -euo pipefail
a="$1"; b="$2"
status=0
for f in runs.csv aggregate.csv; do
  if ! cmp -s "$a/$f" "$b/$f"; then
    echo "compare-sweeps: $a/$f and $b/$f differ:" >&2
    diff "$a/$f" "$b/$f" | head -20 >&2 || true
    status=1
  fi
done
records() { (cd "$1/runs" && for r in $(ls | grep -E '^[0-9a-f]{16}\.csv$'); do echo "== $r"; grep -v '^wall_s,' "$r"; done); }
if ! diff <(records "$a") <(records "$b") >/dev/null; then
  echo "compare-sweeps: the run records of $a and $b differ" >&2
  status=1
fi
n=$(ls "$a/runs" | grep -cE '^[0-9a-f]{16}\.csv$')
((n > 0)) || { echo "compare-sweeps: $a has no run records" >&2; status=1; }
((status == 0)) && echo "compare-sweeps: identical ($n runs; runs.csv, aggregate.csv and records)"
exit $status
