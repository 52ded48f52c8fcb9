#!/usr/bin/env bash
# Runs the saga / reconciliation / event-log example scenarios (and a few
# variations of them with --set) and prints the markdown tables of
# docs/SAGAS.md ("Results") from their summary.csv files. Every number in
# that section comes from this script:
#
#   scripts/saga-report.sh [path/to/ecsim] > /tmp/report.md
#
# Runs take a few seconds in total; outputs go to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ECSIM=${1:-build/release/app/ecsim}
OUT=$(mktemp -d /tmp/ecsim-saga-report.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

n=0
# run FILE [--set ...]: runs quietly (an expect: failure is fine here: the
# tables show the numbers), prints the output directory.
run() {
  local file=$1; shift
  n=$((n + 1))
  "$ECSIM" run "scenarios/$file" --quiet --no-progress --out "$OUT/$n" "$@" >/dev/null 2>&1 || true
  echo "$OUT/$n"
}
# metric DIR NAME: the value from summary.csv, "n/a" when empty.
metric() {
  awk -F, -v k="$2" '$1 == k { print ($2 == "" ? "n/a" : $2); found = 1 } END { if (!found) print "?" }' "$1/summary.csv"
}
# round DIR NAME DIGITS
round() {
  local v; v=$(metric "$1" "$2")
  if [[ $v == n/a || $v == "?" ]]; then echo "$v"; else printf "%.${3}f" "$v"; fi
}

echo "### Sagas: idempotent services (saga-idempotent.yaml vs saga-no-idempotency.yaml)"
echo
echo "500 sagas (reserve, charge, ship) over a lognormal network (median 20 ms, sigma 0.6) with a 60 ms timeout,"
echo "2% loss; the network duplicates a fraction of the messages. Same seed per row pair."
echo
echo "| network.duplicate | idempotency | committed | compensated | not atomic | double charges | double refunds | refunds without a charge | duplicates suppressed | re-sent requests |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for dup in 0 0.05 0.2; do
  for idem in true false; do
    d=$(run saga-idempotent.yaml --set network.duplicate=$dup --set sagas.idempotency=$idem)
    echo "| $dup | $idem | $(metric $d sagas.committed) | $(metric $d sagas.compensated) | $(metric $d sagas.not_atomic) | $(metric $d payments.double_charges) | $(metric $d payments.double_refunds) | $(metric $d payments.refunds_without_charge) | $(metric $d sagas.duplicates_suppressed) | $(metric $d sagas.resends) |"
  done
done
echo
echo "### Sagas: orchestrator crash (saga-durable-log.yaml vs saga-no-durable-log.yaml)"
echo
echo "400 sagas at 50/s; the orchestrator n0 crashes at 3 s and restarts at 5 s with its disk."
echo
echo "| durable_log | submitted | rejected (arrived while down) | committed | compensated | stuck | not atomic | resumed from the log |"
echo "|---|---|---|---|---|---|---|---|"
for f in saga-durable-log.yaml saga-no-durable-log.yaml; do
  d=$(run $f)
  dl=true; [[ $f == saga-no-durable-log.yaml ]] && dl=false
  echo "| $dl | $(metric $d sagas.submitted) | $(metric $d sagas.rejected) | $(metric $d sagas.committed) | $(metric $d sagas.compensated) | $(metric $d sagas.stuck) | $(metric $d sagas.not_atomic) | $(metric $d sagas.recovered) |"
done
echo
echo "### Sagas: flash sale, eventual vs quorum stock (saga-flash-sale-*.yaml)"
echo
echo "100 units, 300 buyers at 1000/s from two regions 40 ms apart, three stock replicas."
echo
echo "| stock | stock_sync | units sold | oversold units | min available | out-of-stock declines | saga p50 (s) | saga p99 (s) | messages |"
echo "|---|---|---|---|---|---|---|---|---|"
for sync in 10ms 100ms 1s; do
  d=$(run saga-flash-sale-eventual.yaml --set sagas.stock_sync=$sync)
  echo "| eventual | $sync | $(metric $d stock.sold_units) | $(metric $d stock.oversold_units) | $(metric $d stock.min_available) | $(metric $d stock.out_of_stock) | $(round $d sagas.duration_p50_s 3) | $(round $d sagas.duration_p99_s 3) | $(metric $d messages.sent) |"
done
d=$(run saga-flash-sale-quorum.yaml)
echo "| quorum | 100ms (retransmit) | $(metric $d stock.sold_units) | $(metric $d stock.oversold_units) | $(metric $d stock.min_available) | $(metric $d stock.out_of_stock) | $(round $d sagas.duration_p50_s 3) | $(round $d sagas.duration_p99_s 3) | $(metric $d messages.sent) |"
echo
echo "### Reconciliation: drift against the job's period (reconcile-job.yaml)"
echo
echo "200 values on 5 replicas, 50 updates/s until 25 s, 5% loss, eu-1 down 8-12 s, a corruption every 2 s; 30 s run."
echo "A copy is wrong while it differs from the source of truth (replication lag included)."
echo
echo "| period | wrong copies (time mean) | max | at the end | episode p50 (s) | p99 (s) | max (s) | repairs | job bytes | job bytes/s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for p in 250ms 500ms 1s 2s 4s 8s off; do
  if [[ $p == off ]]; then d=$(run reconcile-job.yaml --set reconciliation.enabled=false); label="no job"
  else d=$(run reconcile-job.yaml --set reconciliation.period=$p); label=$p; fi
  bytes=$(metric $d reconciliation.bytes)
  echo "| $label | $(round $d reconciliation.wrong_mean 2) | $(metric $d reconciliation.wrong_max) | $(metric $d reconciliation.wrong_final) | $(round $d reconciliation.episode_p50_s 3) | $(round $d reconciliation.episode_p99_s 3) | $(round $d reconciliation.episode_max_s 3) | $(metric $d reconciliation.repairs) | $bytes | $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 30 }') |"
done
echo
echo "### Event-log replay (reconcile-event-log.yaml vs reconcile-event-log-arrival.yaml)"
echo
echo "5 replicas, 100 appends/s for 8 s on 4 accounts, eu partitioned 3-6 s, 5% loss, summaries every 300 ms."
echo
echo "| order | events | events missing at the end | replicas differing from the union replay | replicas equal | rebuilds | converged after (s) |"
echo "|---|---|---|---|---|---|---|"
for f in reconcile-event-log.yaml reconcile-event-log-arrival.yaml; do
  d=$(run $f)
  o=timestamp; [[ $f == *arrival* ]] && o=arrival
  eq=$(metric $d event_log.replicas_equal); [[ $eq == 1 ]] && eq=yes || eq=no
  echo "| $o | $(metric $d event_log.events) | $(metric $d event_log.missing_events) | $(metric $d event_log.mismatched) of $(metric $d event_log.replicas) | $eq | $(metric $d event_log.rebuilds) | $(round $d event_log.converged_after_s 3) |"
done
