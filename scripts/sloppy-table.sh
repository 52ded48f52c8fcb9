#!/usr/bin/env bash
# Regenerates the results table of docs/SLOPPY_QUORUM.md: sloppy against
# strict quorums under a partition, from real runs of
# scenarios/sweeps/quorum-sloppy-partition.yaml (2 points x 30 seeds of
# scenarios/quorum-sloppy-partition.yaml; sloppy: false is its strict twin).
# Every cell is a mean over the seeds with its 95% confidence interval
# (Student's t, as `ecsim sweep` computes them).
#
# Usage: scripts/sloppy-table.sh [--ecsim PATH] [--sweep-out DIR] [--doc FILE] [--jobs J]
#   --ecsim PATH      the ecsim binary (default build/release/app/ecsim; ecsim-check
#                     is taken from the same directory)
#   --sweep-out DIR   the sweep directory (default out/sweeps/quorum-sloppy-partition)
#   --doc FILE        the document whose <!-- table:sloppy --> block is rewritten
#                     (default docs/SLOPPY_QUORUM.md; "-" only prints the table)
#   --jobs J          sweep threads (default 2)
#
# Besides the sweep's summary metrics it reads each run's traces: events.csv
# for the partition's start and heal, ops.csv for the writes and reads
# invoked in between (write availability is not a summary metric), and
# staleness.csv for PBS t-visibility (the fraction of reads returning the
# newest committed version, by time since that version's acknowledgement).
# k-staleness of the reads invoked during the partition and after the heal
# comes from ecsim-check on the run's history with every write but only
# those reads.
set -euo pipefail
cd "$(dirname "$0")/.."

ecsim=build/release/app/ecsim
dir=out/sweeps/quorum-sloppy-partition
doc=docs/SLOPPY_QUORUM.md
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --ecsim) ecsim="$2"; shift 2 ;;
    --sweep-out) dir="$2"; shift 2 ;;
    --doc) doc="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "sloppy-table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
check="$(dirname "$ecsim")/ecsim-check"
for b in "$ecsim" "$check"; do
  [ -x "$b" ] || { echo "sloppy-table.sh: no $b (build first: scripts/build.sh release)" >&2; exit 2; }
done

# --rerun: records are keyed by configuration, not by build; a table must come from this build.
"$ecsim" sweep scenarios/sweeps/quorum-sloppy-partition.yaml --jobs "$jobs" --traces --rerun --quiet --out "$dir"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# One line per run: sloppy seed, then the measures in the order of `rows` below.
tail -n +2 "$dir/plan.csv" | while IFS=, read -r key sloppy seed traces; do
  t="$dir/traces/$traces"
  # The partition window [start, heal) from the run's event trace.
  read -r from to < <(awk -F, '$3 == "partition" && !s { s = $1 } $3 == "heal" && s && !h { h = $1 } END { print s, h }' "$t/events.csv")
  avail=$(awk -F, -v from="$from" -v to="$to" '
    NR > 1 && $6 >= from && $6 < to { k = ($3 == "read") ? "r" : "w"; n[k]++; if ($9 != "true") f[k]++ }
    END { printf "%s %s", (n["w"] ? f["w"] / n["w"] : "-"), (n["r"] ? f["r"] / n["r"] : "-") }' "$t/ops.csv")
  # t-visibility in four delay groups (upper bounds of staleness.csv's groups, seconds).
  tvis=$(awk -F, '
    $1 == "t_visibility" { g = ($2 <= 0.01) ? 1 : ($2 <= 0.1) ? 2 : ($2 <= 1) ? 3 : 4; n[g] += $3; c[g] += $3 * $4 }
    END { for (g = 1; g <= 4; g++) printf "%s%s", (g > 1 ? " " : ""), (n[g] ? c[g] / n[g] : "-") }' "$t/staleness.csv")
  # k1 of the reads invoked in [lo, hi): ecsim-check on every write and those reads.
  k1() {
    awk -F, -v lo="$1" -v hi="$2" 'NR == 1 || $3 != "read" || ($6 >= lo && $6 < hi)' "$t/ops.csv" >"$TMP/ops.csv"
    "$check" "$TMP/ops.csv" --guarantees "" --nodes n0,n1,n2,n3,n4,n5 --staleness "$TMP/st.csv" >/dev/null
    awk -F, '$1 == "k" && $2 == 1 { x = $4 } END { print (x == "" ? "-" : x) }' "$TMP/st.csv"
  }
  during=$(k1 "$from" "$to")
  after=$(k1 "$to" 999999999999999)
  m=$(awk -F, 'BEGIN { split("ops.partition_failed_fraction staleness.k1_fraction staleness.k2_fraction ops.latency_p50_s ops.latency_p99_s replication.hinted_writes replication.hints_delivered replication.hints_pending_at_end messages.sent violations.ryw", want, " ") }
    { v[$1] = $2 }
    END { for (i = 1; i <= 10; i++) { x = v[want[i]]; if (x == "" || x == "nan") x = "-"; printf "%s%s", (i > 1 ? " " : ""), x } }' "$t/summary.csv")
  echo "$sloppy $seed $avail $tvis $m $during $after"
done >"$TMP/runs.txt"

# Mean [95% CI] per configuration and measure. t(0.975, df) by the
# Cornish-Fisher expansion (within 0.001 of the exact quantile for df >= 5).
awk '
  function tq(df,   z) {
    z = 1.959963985
    return z + (z^3 + z) / (4 * df) + (5 * z^5 + 16 * z^3 + 3 * z) / (96 * df^2) + (3 * z^7 + 19 * z^5 + 17 * z^3 - 15 * z) / (384 * df^3)
  }
  function cell(cfg, col, kind,   n, i, s, mean, ss, sd, h, lo, hi, x, scale, fmt) {
    n = cnt[cfg, col]
    if (n == 0) return "n/a (NaN)"
    s = 0; for (i = 1; i <= n; i++) s += val[cfg, col, i]
    mean = s / n
    ss = 0; for (i = 1; i <= n; i++) ss += (val[cfg, col, i] - mean)^2
    sd = n > 1 ? sqrt(ss / (n - 1)) : 0
    h = n > 1 ? tq(n - 1) * sd / sqrt(n) : 0
    lo = mean - h; hi = mean + h
    if (kind == "pct") { scale = 100; fmt = "%.1f%% [%.1f, %.1f]" }
    else if (kind == "ms") { scale = 1000; fmt = "%.1f ms [%.1f, %.1f]" }
    else if (kind == "frac") { scale = 1; fmt = "%.4f [%.4f, %.4f]" }
    else { scale = 1; fmt = "%.0f [%.0f, %.0f]" }
    return sprintf(fmt, mean * scale, lo * scale, hi * scale)
  }
  {
    cfg = ($1 == "true") ? "sloppy" : "strict"
    seeds[cfg]++
    for (c = 3; c <= NF; c++) if ($c != "-") { cnt[cfg, c - 2]++; val[cfg, c - 2, cnt[cfg, c - 2]] = $c }
  }
  END {
    # column (after sloppy, seed): label, format
    label[1] = "writes failed during the partition (ops.csv)"; kind[1] = "pct"
    label[2] = "reads failed during the partition (ops.csv)"; kind[2] = "pct"
    label[3] = "t-visibility: reads within 10 ms of the newest commit that returned it"; kind[3] = "pct"
    label[4] = "t-visibility: 10 ms .. 100 ms after"; kind[4] = "pct"
    label[5] = "t-visibility: 100 ms .. 1 s after"; kind[5] = "pct"
    label[6] = "t-visibility: over 1 s after"; kind[6] = "pct"
    label[7] = "`ops.partition_failed_fraction` (reads and writes)"; kind[7] = "pct"
    label[8] = "`staleness.k1_fraction` (reads returning the newest committed version)"; kind[8] = "frac"
    label[9] = "`staleness.k2_fraction`"; kind[9] = "frac"
    label[10] = "`ops.latency_p50_s`"; kind[10] = "ms"
    label[11] = "`ops.latency_p99_s`"; kind[11] = "ms"
    label[12] = "`replication.hinted_writes`"; kind[12] = "count"
    label[13] = "`replication.hints_delivered`"; kind[13] = "count"
    label[14] = "`replication.hints_pending_at_end`"; kind[14] = "count"
    label[15] = "`messages.sent`"; kind[15] = "count"
    label[16] = "`violations.ryw` (reads that missed a write acknowledged earlier to the same session)"; kind[16] = "count"
    label[17] = "k1: reads invoked during the partition that returned the newest committed version"; kind[17] = "frac"
    label[18] = "k1: reads invoked after the heal"; kind[18] = "frac"
    order = "1 2 7 8 17 18 9 3 4 5 6 16 10 11 12 13 14 15"
    nrows = split(order, rows, " ")
    printf "| measure (mean [95%% CI] over %d seeds) | strict (`sloppy: false`) | sloppy (`sloppy: true`) |\n", seeds["strict"]
    print "|---|---|---|"
    for (r = 1; r <= nrows; r++) { c = rows[r]; printf "| %s | %s | %s |\n", label[c], cell("strict", c, kind[c]), cell("sloppy", c, kind[c]) }
  }' "$TMP/runs.txt" >"$TMP/table.md"

{
  echo
  cat "$TMP/table.md"
  echo
  echo "Generated by \`scripts/sloppy-table.sh\` from \`ecsim sweep scenarios/sweeps/quorum-sloppy-partition.yaml --traces\` ($(wc -l <"$TMP/runs.txt") runs)."
  echo
} >"$TMP/block.md"
cat "$TMP/block.md"

if [ "$doc" != "-" ]; then
  grep -q '<!-- table:sloppy -->' "$doc" || { echo "sloppy-table.sh: no <!-- table:sloppy --> marker in $doc" >&2; exit 2; }
  awk -v block="$TMP/block.md" '
    /<!-- table:sloppy -->/ { print; while ((getline line < block) > 0) print line; skip = 1; next }
    /<!-- \/table:sloppy -->/ { skip = 0 }
    !skip { print }' "$doc" >"$TMP/doc.md"
  cp "$TMP/doc.md" "$doc"
  echo "updated $doc" >&2
fi
