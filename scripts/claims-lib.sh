# shellcheck shell=bash
# Shared by scripts/claims.sh and the table generators it calls
# (conflict-table.sh, spectrum.sh, saga-report.sh, sloppy-table.sh); sourced,
# not run. One place for: running a sweep at N seeds, reading its results per
# grid point, formatting a cell "mean ± 95% CI half-width", paired
# comparisons, asserted and generated claims, and rewriting a marked block of
# a document. docs/CLAIMS.md describes the method and the markers.
#
# Data, per label (one grid point of one sweep) in $CLAIMS_WORK:
#   facts/<label>.tsv   metric n mean stddev ci95_low ci95_high min max
#                       (from the sweep's aggregate.csv: Student's t, as ecsim computes it)
#   values/<label>.tsv  seed metric value (from runs.csv; a missing value has no row)
# A paired comparison of labels A and B takes the seeds both have a value
# for and gives the mean of the per-seed differences with its Student's t
# interval: the sweeps run the same seeds at every point.

# --- options ---------------------------------------------------------------

claims_defaults() {
  ECSIM=build/release/app/ecsim
  SEEDS=20
  JOBS=2
  DOC_ROOT=.
  CLAIMS_LOG=""
  CLAIMS_CHECK=0
}

# claims_option NAME VALUE: one of the options every generator takes.
claims_option() {
  case "$1" in
    --ecsim) ECSIM=$2 ;;
    --seeds) SEEDS=$2 ;;
    --jobs) JOBS=$2 ;;
    --doc-root) DOC_ROOT=$2 ;;
    --claims-log) CLAIMS_LOG=$2 ;;
    --check) CLAIMS_CHECK=1 ;;
    *) return 1 ;;
  esac
}

# shellcheck disable=SC2034  # printed by the generators' --help
CLAIMS_OPTIONS_HELP="  --ecsim PATH      the ecsim binary (default build/release/app/ecsim)
  --seeds N         seeds per configuration, >= 20 (default 20)
  --jobs J          sweep threads (default 2)
  --doc-root DIR    where README.md and docs/ are read and rewritten (default: the repository)
  --claims-log FILE append one line per claim (doc, id, verdict, text) to FILE
  --check           do not trust committed wording: fail when a generated claim's
                    verdict differs from the one committed in the document"

# claims_setup SCRIPT_NAME: checks the options, makes the work directory.
claims_setup() {
  CLAIMS_SCRIPT=$1
  if ! [[ $SEEDS =~ ^[0-9]+$ ]] || ((SEEDS < 20)); then claims_die "--seeds must be an integer >= 20, got '$SEEDS'"; fi
  if ! [[ $JOBS =~ ^[0-9]+$ ]] || ((JOBS < 1)); then claims_die "--jobs must be a positive integer, got '$JOBS'"; fi
  [ -x "$ECSIM" ] || claims_die "no ecsim at $ECSIM (build first: scripts/build.sh release ecsim ecsim-check)"
  ECSIM=$(cd "$(dirname "$ECSIM")" && pwd)/$(basename "$ECSIM")
  CLAIMS_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecsim-claims.XXXXXX")
  mkdir -p "$CLAIMS_WORK/facts" "$CLAIMS_WORK/values"
  CLAIMS_FAILED=0
  : >"$CLAIMS_WORK/claims.tsv"
  trap 'rm -rf "$CLAIMS_WORK"' EXIT
  # claims_die inside $(...) stops the script too, not just the subshell.
  trap 'exit 2' USR1
}

claims_die() {
  echo "${CLAIMS_SCRIPT:-claims}: $*" >&2
  [ -z "${CLAIMS_WORK:-}" ] || : >"$CLAIMS_WORK/died"
  [ "$BASHPID" = "$$" ] || kill -USR1 $$
  exit 2
}

# A failure inside $(...) may surface only after the command that used it
# started: nothing is written or recorded after one.
claims_alive() {
  [ ! -e "$CLAIMS_WORK/died" ] || exit 2
}

# --- running sweeps ----------------------------------------------------------

# claims_sweep FILE LABEL... [-- PATH=VALUE...]: runs sweep FILE with `seeds:`
# set to $SEEDS, its base made absolute, and each PATH=VALUE added as a grid
# axis of one value (so the sweep's points keep their order). Labels name the
# points in plan order (the first grid axis varies slowest).
claims_sweep() {
  local file=$1 labels=() extra=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do labels+=("$1"); shift; done
  [ $# -gt 0 ] && shift && extra=("$@")
  local name; name=$(basename "$file" .yaml)
  local dir="$CLAIMS_WORK/sweep-$name" spec="$CLAIMS_WORK/sweep-$name.yaml"
  local base_dir; base_dir=$(cd "$(dirname "$file")" && pwd)
  awk -v base_dir="$base_dir" -v seeds="$SEEDS" -v extra="$(printf '%s\n' ${extra[@]+"${extra[@]}"})" '
    /^base:/ { sub(/^base: */, "base: " base_dir "/") }
    /^seeds:/ { $0 = "seeds: " seeds; had_seeds = 1 }
    { print }
    /^grid:/ && extra != "" { n = split(extra, kv, "\n"); for (i = 1; i <= n; i++) if (kv[i] != "") {
        eq = index(kv[i], "="); print "  " substr(kv[i], 1, eq - 1) ": [" substr(kv[i], eq + 1) "]" } }
    END { if (!had_seeds) print "seeds: " seeds }' "$file" >"$spec"
  grep -q '^grid:' "$file" || [ ${#extra[@]} -eq 0 ] || claims_die "$file has no grid: to add ${extra[*]} to"
  claims_run_sweep "$spec" "$dir" "${labels[@]}"
}

# claims_scenario LABEL SCENARIO [PATH=VALUE...]: SCENARIO at $SEEDS seeds
# (base seed and up), each PATH=VALUE applied (as `--set` would).
claims_scenario() {
  local label=$1 scenario=$2
  shift 2
  local spec="$CLAIMS_WORK/scenario-$label.yaml"
  {
    echo "base: $(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")"
    if [ $# -gt 0 ]; then
      echo "grid:"
      local kv; for kv in "$@"; do echo "  ${kv%%=*}: [${kv#*=}]"; done
    fi
    echo "seeds: $SEEDS"
  } >"$spec"
  claims_run_sweep "$spec" "$CLAIMS_WORK/scenario-$label" "$label"
}

# claims_run_sweep SPEC DIR LABEL...: runs the sweep, splits its results by label.
claims_run_sweep() {
  local spec=$1 dir=$2
  shift 2
  local status=0
  "$ECSIM" sweep "$spec" --jobs "$JOBS" --quiet --no-progress --out "$dir" ${CLAIMS_SWEEP_ARGS:-} || status=$?
  [ "$status" -le 1 ] || claims_die "ecsim sweep failed on $spec (exit $status)"
  awk -F, -v labels="$*" -v work="$CLAIMS_WORK" '
    BEGIN { nl = split(labels, label, " ") }
    FNR == 1 { next }
    {
      # <params...>,metric,n,mean,stddev,min,p50,p95,max,ci95_low,ci95_high: read from the right,
      # since a parameter value may be a quoted map with commas. Points are in plan order.
      m = $(NF - 9)
      if (first == "") first = m
      if (m == first && ++point > nl) exit 1
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m, $(NF - 8), $(NF - 7), $(NF - 6), $(NF - 1), $NF, $(NF - 5), $(NF - 2) \
        > (work "/facts/" label[point] ".tsv")
    }
    END { exit point != nl }' "$dir/aggregate.csv" || claims_die "$spec: its points and the labels given ($*) differ in number"
  awk -F, -v labels="$*" -v seeds="$SEEDS" -v work="$CLAIMS_WORK" '
    BEGIN { split(labels, label, " ") }
    FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "seed") s = i; nm = NF - s; for (i = 1; i <= nm; i++) name[i] = $(s + i); next }
    {
      # <params...>,seed,<metrics...>: also from the right. Seeds vary fastest.
      p = int((FNR - 2) / seeds) + 1
      out = work "/values/" label[p] ".tsv"
      for (i = 1; i <= nm; i++) { v = $(NF - nm + i); if (v != "" && v != "nan") printf "%s\t%s\t%s\n", $(NF - nm), name[i], v > out }
    }' "$dir/runs.csv"
}

# claims_add_value LABEL SEED MEASURE VALUE: a per-run measure the sweep does
# not report (from a run's traces); claims_derive_facts computes its facts.
claims_add_value() {
  [ "$4" = "-" ] || printf '%s\t%s\t%s\n' "$2" "$3" "$4" >>"$CLAIMS_WORK/values/$1.tsv"
}

# claims_derive_facts LABEL MEASURE...: facts of measures added with claims_add_value.
claims_derive_facts() {
  local label=$1
  shift
  awk -F'\t' -v want=" $* " "$CLAIMS_AWK"'
    index(want, " " $2 " ") { n[$2]++; x[$2, n[$2]] = $3 }
    END {
      k = split(want, names, " ")
      for (j = 1; j <= k; j++) { m = names[j]; c = n[m] + 0
        if (c == 0) { printf "%s\t0\t\t\t\t\t\t\n", m; continue }
        mean_ci(x, m, c); lo = MEAN - HALF; hi = MEAN + HALF
        mn = x[m, 1]; mx = x[m, 1]; for (i = 2; i <= c; i++) { if (x[m, i] < mn) mn = x[m, i]; if (x[m, i] > mx) mx = x[m, i] }
        printf "%s\t%d\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", m, c, MEAN, SD, lo, hi, mn, mx }
    }' "$CLAIMS_WORK/values/$label.tsv" >>"$CLAIMS_WORK/facts/$label.tsv"
}

# --- statistics and formatting (awk) -----------------------------------------

# t(0.975, df): the exact quantile for df <= 30 (a table), above it the
# Cornish-Fisher expansion (error below 1e-5 there). mean_ci(x, key, n) sets
# MEAN, SD and HALF (the 95% half-width) of x[key, 1..n].
CLAIMS_AWK='
function tq(df,   z, t) {
  if (df <= 30) {
    split("12.706205 4.302653 3.182446 2.776445 2.570582 2.446912 2.364624 2.306004 2.262157 2.228139 " \
          "2.200985 2.178813 2.160369 2.144787 2.131450 2.119905 2.109816 2.100922 2.093024 2.085963 " \
          "2.079614 2.073873 2.068658 2.063899 2.059539 2.055529 2.051831 2.048407 2.045230 2.042272", t, " ")
    return t[df] + 0
  }
  z = 1.959963985
  return z + (z^3 + z) / (4 * df) + (5 * z^5 + 16 * z^3 + 3 * z) / (96 * df^2) + (3 * z^7 + 19 * z^5 + 17 * z^3 - 15 * z) / (384 * df^3)
}
function mean_ci(x, key, n,   i, s, ss) {
  s = 0; for (i = 1; i <= n; i++) s += x[key, i]
  MEAN = s / n; ss = 0
  for (i = 1; i <= n; i++) ss += (x[key, i] - MEAN)^2
  SD = n > 1 ? sqrt(ss / (n - 1)) : 0
  HALF = n > 1 ? tq(n - 1) * SD / sqrt(n) : 0
}
function floor_(x) { return (x == int(x) || x > 0) ? int(x) : int(x) - 1 }
# Decimals for a value shown with half-width h (already scaled): two
# significant digits of h, between 0 and maxdec.
function decimals(h, maxdec,   d) {
  if (h <= 0) return maxdec
  d = 1 - floor_(log(h) / log(10))
  return d < 0 ? 0 : (d > maxdec ? maxdec : d)
}
function trim0(s) { if (index(s, ".")) { sub(/0+$/, "", s); sub(/\.$/, "", s) } return s }
# fmt(v, kind, dec): v in the metric unit, shown in the unit of kind.
function scale(kind) { return kind == "pct" ? 100 : kind == "ms" ? 1000 : kind == "kB" ? 1e-3 : kind == "MB" ? 1e-6 : 1 }
function unit(kind) { return kind == "pct" ? "%" : kind == "ms" ? " ms" : kind == "s" ? " s" : kind == "kB" ? " kB" : kind == "MB" ? " MB" : "" }
function maxdec(kind) { return kind == "n" ? 2 : kind == "f" ? 4 : kind == "pct" ? 2 : kind == "ms" ? 2 : kind == "s" ? 3 : kind == "kB" ? 1 : 2 }
function num(v, kind, dec,   s) { s = sprintf("%." dec "f", v * scale(kind)); if (s ~ /^-0(\.0*)?$/) s = substr(s, 2); return s }
# "mean ± half unit"; a half-width of 0 (every run the same, up to rounding
# in the mean) shows the value alone with "± 0".
function cell(mean, half, kind,   dec) {
  if (half <= 1e-9 * (mean < 0 ? -mean : mean)) return trim0(num(mean, kind, maxdec(kind))) " ± 0" unit(kind)
  dec = decimals(half * scale(kind), maxdec(kind))
  return num(mean, kind, dec) " ± " num(half, kind, dec) unit(kind)
}
# A difference: the cell with a sign ("+1.2 ± 0.3 s").
function dcell(mean, half, kind,   s) { s = cell(mean, half, kind); return (s ~ /^-/ || s ~ /^0 ± 0/) ? s : "+" s }
# "lo to hi unit", with the decimals the half-width calls for.
function range(lo, hi, kind,   dec) {
  dec = hi > lo ? decimals((hi - lo) / 2 * scale(kind), maxdec(kind)) : maxdec(kind)
  return num(lo, kind, dec) " to " num(hi, kind, dec) unit(kind)
}
'

# claims_self_test: the statistics against truths computed elsewhere: a
# hand-computed interval (x = 2 4 4 4 5 5 7 9: mean 5, s = sqrt(32/7),
# half-width t(0.975, 7) s / sqrt(8) = 2.364624 sqrt(4/7) = 1.787488), and the t quantile implied
# by every interval ecsim computed (Boost's exact quantile) for the labels
# run so far, (ci95_high - mean) sqrt(n) / s = t(0.975, n - 1).
claims_self_test() {
  awk "$CLAIMS_AWK"'BEGIN { split("2 4 4 4 5 5 7 9", v, " "); for (i = 1; i <= 8; i++) x["k", i] = v[i]
    mean_ci(x, "k", 8); d = HALF - 1.787488; exit !(MEAN == 5 && (d < 0 ? -d : d) < 1e-6) }' ||
    claims_die "self-test: the hand-computed interval of 2 4 4 4 5 5 7 9 is not 5 ± 1.787488"
  cat "$CLAIMS_WORK"/facts/*.tsv | awk -F'\t' "$CLAIMS_AWK"'
    $2 >= 2 && $4 > 1e-9 * ($3 < 0 ? -$3 : $3) { t = ($6 - $3) * sqrt($2) / $4; d = t / tq($2 - 1) - 1; n++
      if ((d < 0 ? -d : d) > 1e-5) { printf "self-test: %s: ecsim'"'"'s interval implies t(0.975, %d) = %.6f, ours is %.6f\n", $1, $2 - 1, t, tq($2 - 1) > "/dev/stderr"; bad = 1 } }
    END { exit bad || n == 0 }' || claims_die "self-test: our t quantile disagrees with ecsim's intervals"
}

# claims_fact LABEL METRIC: "n mean stddev lo hi min max" ("0" alone when the
# metric has no value in any run).
claims_fact() {
  local f="$CLAIMS_WORK/facts/$1.tsv"
  [ -f "$f" ] || claims_die "no results for '$1'"
  awk -F'\t' -v m="$2" '$1 == m { print ($2 == 0 ? 0 : $2 " " $3 " " $4 " " $5 " " $6 " " $7 " " $8); found = 1; exit }
    END { if (!found) exit 1 }' "$f" || claims_die "'$1' has no metric $2"
}

# claims_cell LABEL METRIC KIND: the table cell "mean ± half-width" (KIND: n
# plain number, f fraction, pct fraction shown in %, s, ms, kB, MB); "n/a"
# when no run has a value, and "(k of N runs)" when only some have.
claims_cell() {
  claims_fact "$1" "$2" | awk -v kind="$3" -v seeds="$SEEDS" "$CLAIMS_AWK"'
    { if ($1 == 0) { print "n/a"; exit }
      s = cell($2, ($5 - $4) / 2, kind); if ($1 < seeds) s = s " (" $1 " of " seeds " runs)"; print s }'
}

# claims_value LABEL METRIC [KIND]: a value for a sentence: the cell, or
# "0 (all 20 runs)" when every run has the same value.
claims_value() {
  claims_fact "$1" "$2" | awk -v kind="${3:-n}" -v seeds="$SEEDS" "$CLAIMS_AWK"'{
    if ($1 == 0) print "n/a"
    else if ($6 == $7 && $1 == seeds) print trim0(num($6, kind, maxdec(kind))) unit(kind) " (all " seeds " runs)"
    else print cell($2, ($5 - $4) / 2, kind) }'
}

# claims_mean LABEL METRIC: the mean alone (empty when no run has a value).
claims_mean() { claims_fact "$1" "$2" | awk '{ if ($1 > 0) printf "%.17g\n", $2 }'; }

# claims_paired A B METRIC [MODE]: per-seed comparison of A and B over the
# seeds both have: "n mean lo hi" of A - B (MODE diff), A / B - 1 (rel, seeds
# where B != 0) or A - F * B (scaled:F). METRIC "MA|MB" compares A's MA with
# B's MB.
claims_paired() {
  local a="$CLAIMS_WORK/values/$1.tsv" b="$CLAIMS_WORK/values/$2.tsv"
  [ -f "$a" ] || claims_die "no results for '$1'"
  [ -f "$b" ] || claims_die "no results for '$2'"
  awk -F'\t' -v m="$3" -v mode="${4:-diff}" "$CLAIMS_AWK"'
    BEGIN { ma = m; mb = m; if (index(m, "|")) { ma = substr(m, 1, index(m, "|") - 1); mb = substr(m, index(m, "|") + 1) } }
    FILENAME == ARGV[1] && $2 == ma { va[$1] = $3; next }
    FILENAME == ARGV[2] && $2 == mb && ($1 in va) {
      if (mode == "rel") { if ($3 == 0) next; d = va[$1] / $3 - 1 }
      else if (mode ~ /^scaled:/) d = va[$1] - substr(mode, 8) * $3
      else d = va[$1] - $3
      x["d", ++n] = d
    }
    END { if (n == 0) { print 0; exit } mean_ci(x, "d", n); printf "%d %.17g %.17g %.17g\n", n, MEAN, MEAN - HALF, MEAN + HALF }' "$a" "$b"
}

# --- claims -----------------------------------------------------------------

# claims_record DOC ID VERDICT STATUS TEXT DETAIL: one line of the claims log.
claims_record() {
  claims_alive
  set -- "$1" "$2" "$3" "$4" "$(tr '\n\t' '  ' <<<"$5" | sed 's/ *$//')" "$6"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$CLAIMS_WORK/claims.tsv"
  [ -z "$CLAIMS_LOG" ] || printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$CLAIMS_LOG"
  if [ "$4" = FAIL ]; then
    CLAIMS_FAILED=1
    printf '%s: CLAIM FAILS  %s [%s]: "%s"\n    %s\n' "$CLAIMS_SCRIPT" "$1" "$2" "$5" "$6" >&2
  fi
}

# claims_assert DOC ID TEXT CHECK ARGS...: a claim the document states in
# words (its place marked <!-- claim:ID -->), checked against the runs:
#   less A B M | greater A B M    the paired 95% CI of A - B lies below (above) 0
#   scaled_less A B M F           ... of A - F*B lies below 0 ("most": F = 0.5)
#   scaled_greater A B M F        ... of A - F*B lies above 0
#   not_greater A B M             the paired 95% CI of A - B does not lie above 0
#   nodiff A B M                  the paired 95% CI of A - B includes 0 (M may be "MA|MB")
#   same A B M                    A equals B at every seed
#   zero A M                      every run has the value 0 (none missing)
#   all A M V                     every run has the value V (none missing)
#   positive A M                  the 95% CI of the mean lies above 0
#   below A M X | above A M X     the 95% CI of the mean lies below (above) X
claims_assert() {
  local doc=$1 id=$2 text=$3 check=$4
  shift 4
  local r detail ok
  case "$check" in
    less | greater | scaled_less | scaled_greater | not_greater | nodiff)
      local mode=diff
      [[ $check == scaled_* ]] && mode="scaled:$4"
      r=$(claims_paired "$1" "$2" "$3" "$mode")
      ok=$(awk -v c="$check" '{ print ($1 > 0 && ((c == "not_greater" && $3 <= 0) || (c == "nodiff" && $3 <= 0 && $4 >= 0) || (c ~ /^(scaled_)?less$/ && $4 < 0) ||
                                                  (c ~ /^(scaled_)?greater$/ && $3 > 0))) ? 1 : 0 }' <<<"$r")
      detail=$(awk -v a="$1" -v b="$2" -v m="$3" -v mode="$mode" '{ printf "%s: %s %s %s over %d paired seeds: %.6g, 95%% CI [%.6g, %.6g]",
        m, a, (mode == "diff" ? "-" : "- " substr(mode, 8) " x"), b, $1, $2, $3, $4 }' <<<"$r") ;;
    same)
      r=$(claims_paired "$1" "$2" "$3")
      ok=$(awk '{ print ($1 > 0 && $3 == 0 && $4 == 0) ? 1 : 0 }' <<<"$r")
      detail=$(awk -v a="$1" -v b="$2" -v m="$3" '{ printf "%s: %s - %s over %d paired seeds: 95%% CI [%.6g, %.6g]", m, a, b, $1, $3, $4 }' <<<"$r") ;;
    zero | all)
      local want=0
      [ "$check" = all ] && want=$3
      r=$(claims_fact "$1" "$2")
      ok=$(awk -v s="$SEEDS" -v w="$want" '{ print ($1 == s && $6 == w && $7 == w) ? 1 : 0 }' <<<"$r")
      detail=$(awk -v a="$1" -v m="$2" '{ if ($1 == 0) printf "%s %s: no run has a value", a, m
        else printf "%s %s: %d runs, min %.6g, max %.6g", a, m, $1, $6, $7 }' <<<"$r") ;;
    positive | below | above)
      local x=0
      [ "$check" = positive ] || x=$3
      r=$(claims_fact "$1" "$2")
      ok=$(awk -v c="$check" -v x="$x" '{ print ($1 > 0 && ((c != "below" && $4 > x) || (c == "below" && $5 < x))) ? 1 : 0 }' <<<"$r")
      detail=$(awk -v a="$1" -v m="$2" '{ if ($1 == 0) printf "%s %s: no run has a value", a, m
        else printf "%s %s: mean %.6g, 95%% CI [%.6g, %.6g] over %d runs", a, m, $2, $4, $5, $1 }' <<<"$r") ;;
    *) claims_die "unknown check '$check' for claim $id" ;;
  esac
  [ "$check" = below ] || [ "$check" = above ] && detail="$detail (bound $x)"
  claims_record "$doc" "$id" asserted "$([ "$ok" = 1 ] && echo PASS || echo FAIL)" "$text" "$detail"
}

# claims_compare A B METRIC: the verdict of a paired comparison ("greater",
# "less" or "ns": the 95% CI of the per-seed difference includes 0), then n,
# mean, lo, hi of A - B.
claims_compare() {
  claims_paired "$1" "$2" "$3" | awk '{ v = ($1 == 0) ? "none" : ($3 > 0) ? "greater" : ($4 < 0) ? "less" : "ns"; print v, $0 }'
}

# claims_generated DOC ID VERDICT WHAT TEXT: a claim whose words the script
# chose from the numbers (the block <!-- claim:ID VERDICT --> ...
# <!-- /claim:ID --> holds TEXT; WHAT says in a line what it compares). In
# --check mode the committed verdict must equal the fresh one.
claims_generated() {
  local doc=$1 id=$2 verdict=$3 what=$4 text=$5 path="$DOC_ROOT/$1" old status=PASS detail="verdict $3"
  old=$(sed -n "s/^<!-- claim:$id \\(.*\\) -->\$/\\1/p" "$path" | head -n 1)
  if [ "$CLAIMS_CHECK" = 1 ] && [ "$old" != "$verdict" ]; then
    status=FAIL
    detail="the document says '$old', a fresh run says '$verdict' (re-run scripts/claims.sh and review the text)"
  fi
  claims_record "$doc" "$id" generated "$status" "$what" "$detail"
  [ "$CLAIMS_CHECK" = 1 ] || claims_replace "$doc" "claim:$id" "$text" "$verdict"
}

# claims_replace DOC MARKER TEXT [VERDICT]: rewrites the lines between
# "<!-- MARKER[ VERDICT] -->" and "<!-- /MARKER -->" (each on a line of its own).
claims_replace() {
  local path="$DOC_ROOT/$1" tmp
  claims_alive
  grep -q "^<!-- $2 .*-->\$" "$path" || claims_die "no line <!-- $2 --> in $path"
  grep -qx "<!-- /$2 -->" "$path" || claims_die "no line <!-- /$2 --> in $path (the end of the block)"
  tmp=$(mktemp "$CLAIMS_WORK/doc.XXXXXX")
  printf '%s\n' "$3" >"$tmp.block"
  awk -v open="<!-- $2" -v closing="<!-- /$2 -->" -v verdict="${4:-}" -v block="$tmp.block" '
    index($0, open) == 1 && (substr($0, length(open) + 1, 1) == " ") {
      print open (verdict == "" ? "" : " " verdict) " -->"
      while ((getline line < block) > 0) print line
      skip = 1; next
    }
    $0 == closing { skip = 0 }
    !skip { print }' "$path" >"$tmp"
  cat "$tmp" >"$path"
  rm -f "$tmp" "$tmp.block"
}

# claims_table DOC NAME TEXT: rewrites the table block NAME of DOC (unless --check).
claims_table() {
  [ "$CLAIMS_CHECK" = 1 ] || claims_replace "$1" "table:$2" "$3"
}

# claims_finish DOC...: every <!-- claim:ID --> marker in these documents is a
# claim this script checked, and every claim it checked has its marker; then
# prints the claims and exits 1 if any failed.
claims_finish() {
  local doc ids logged
  for doc in "$@"; do
    ids=$(grep -Eo '(^|[^`])<!-- claim:[A-Za-z0-9._-]*' "$DOC_ROOT/$doc" | sed 's/.*<!-- claim://' | sort -u)
    logged=$(awk -F'\t' -v d="$doc" '$1 == d { print $2 }' "$CLAIMS_WORK/claims.tsv" | sort -u)
    for id in $(comm -23 <(echo "$ids") <(echo "$logged")); do
      claims_record "$doc" "$id" marker FAIL "(marker in the document)" "no check for this marker in $CLAIMS_SCRIPT"
    done
    for id in $(comm -13 <(echo "$ids") <(echo "$logged")); do
      claims_record "$doc" "$id" marker FAIL "(checked claim)" "no <!-- claim:$id --> marker in $doc: the text it checks is gone or moved"
    done
  done
  awk -F'\t' -v all="${CLAIMS_PRINT_PASS:-1}" 'all || $4 != "PASS" { printf "%-4s %s [%s] %s: %s\n", $4, $1, $2, $3, $6 }' "$CLAIMS_WORK/claims.tsv" >&2
  [ "$CLAIMS_FAILED" = 0 ] || { echo "$CLAIMS_SCRIPT: some claims do not hold (above)" >&2; exit 1; }
}
