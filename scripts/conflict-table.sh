#!/bin/bash
# Regenerates the tables of docs/CONFLICT_RESOLUTION.md from real runs of the
# example scenarios (and variants of them made with --set or a one-line
# edit). Every number in those tables comes from here.
#   scripts/conflict-table.sh [path/to/ecsim]      (default build/release/app/ecsim)
# Rewrites the text between the <!-- table:NAME --> and <!-- /table:NAME -->
# markers; prints the tables too.
set -euo pipefail
cd "$(dirname "$0")/.."
ECSIM=${1:-build/release/app/ecsim}
DOC=docs/CONFLICT_RESOLUTION.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run ID FILE [--set ...]: runs a scenario; its summary goes to $TMP/ID.csv
run() {
  local id=$1 file=$2
  shift 2
  "$ECSIM" run "$file" --quiet --no-progress --out "$TMP/out-$id" "$@" >/dev/null || true  # expect: failures still report
  cp "$TMP/out-$id/summary.csv" "$TMP/$id.csv"
}
# m ID METRIC [FORMAT]: a metric from a run's summary ("-" when not measured)
m() {
  awk -F, -v k="$2" -v f="${3:-%g}" '$1 == k { if ($2 == "" || $2 == "nan") print "-"; else printf f "\n", $2 }' "$TMP/$1.csv"
}
kb() { awk -F, -v k="$2" '$1 == k { printf "%.0f kB\n", $2 / 1000 }' "$TMP/$1.csv"; }

# Variants that need more than --set: the Merkle scenario with gossip instead.
sed 's/^  merkle: .*/  gossip: {interval: 1s, fanout: 1, mode: push-pull}/' scenarios/merkle-repair.yaml |
  grep -v 'merkle\.' >"$TMP/gossip-repair.yaml"

run lww scenarios/partition-heal.yaml
run mv scenarios/mvregister-partition.yaml
run pn scenarios/crdt-pncounter.yaml
run pn-lww scenarios/crdt-pncounter.yaml --set store.type=lww --set 'workload.mix={read: 0.5, write: 0.5}' --set 'checks.expect=[]'
run disk scenarios/crdt-gcounter-disk-loss.yaml
run orset scenarios/crdt-orset.yaml
run cart-um scenarios/cart-union-max.yaml
run cart-crdt scenarios/cart-crdt.yaml
run merkle scenarios/merkle-repair.yaml
run gossip "$TMP/gossip-repair.yaml"
# The same two, run on for 40 s after converging: what staying in sync costs.
run merkle-idle scenarios/merkle-repair.yaml --set stop=duration --set duration=62s --set 'checks.expect=[]'
run gossip-idle "$TMP/gossip-repair.yaml" --set stop=duration --set duration=62s
run q-strict scenarios/quorum-partition.yaml
run q-weak scenarios/quorum-partition.yaml --set protocols.replication.w=1 --set protocols.replication.r=1 --set 'checks.expect=[]'
run q-repair scenarios/quorum-read-repair.yaml

types_table() {
  echo "| scenario | data type | what it guarantees | lost writes | final state ≠ history (keys) | converged after heal | bytes sent |"
  echo "|---|---|---|---|---|---|---|"
  row() {  # id scenario type guarantee
    echo "| \`$2\` | $3 | $4 | $(m "$1" lost_writes) | $(m "$1" state.mismatched_keys) | $(m "$1" convergence.time_s '%.2f s') | $(kb "$1" messages.bytes) |"
  }
  row lww partition-heal.yaml "LWW register (HLC)" "converges; of concurrent writes one wins, the others vanish silently"
  row mv mvregister-partition.yaml "MV-register" "converges; concurrent writes kept as siblings until a write that saw them"
  row pn crdt-pncounter.yaml "PN-Counter" "converges to sum(incr) - sum(decr) under loss, duplication, reordering, partition"
  row pn-lww "crdt-pncounter.yaml, store.type=lww" "LWW register (same load, writes instead of increments)" "one value per key: every overwritten concurrent write is lost"
  row disk crdt-gcounter-disk-loss.yaml "G-Counter" "never loses what replicas exchanged; an increment only a crashed disk held is gone"
  row orset crdt-orset.yaml "OR-Set (add-wins)" "converges; a concurrent add beats a remove that did not see it"
  row cart-um cart-union-max.yaml "cart, union of items / max quantity" "converges, to the wrong cart: removed items return, decrements vanish"
  row cart-crdt cart-crdt.yaml "cart, PN-Counter per item" "converges to the cart the history implies"
}

antientropy_table() {
  echo "| scenario | anti-entropy | converged after heal | messages | bytes sent | bytes, run on to 62 s | bytes per Merkle repair (divergent) | round trips per divergent repair | keys shipped |"
  echo "|---|---|---|---|---|---|---|---|---|"
  echo "| \`merkle-repair.yaml\` | Merkle trees (4096 leaves, fan-out 16) | $(m merkle convergence.time_s '%.2f s') | $(m merkle messages.sent) | $(kb merkle messages.bytes) | $(kb merkle-idle messages.bytes) | $(m merkle merkle.bytes_per_repair '%.0f') ($(m merkle merkle.bytes_per_divergent_repair '%.0f')) | $(m merkle merkle.round_trips_per_divergent_repair '%.1f') | $(m merkle merkle.keys_shipped) |"
  echo "| \`merkle-repair.yaml\`, gossip instead | push-pull gossip, full digests | $(m gossip convergence.time_s '%.2f s') | $(m gossip messages.sent) | $(kb gossip messages.bytes) | $(kb gossip-idle messages.bytes) | - | 1.5 | - |"
}

quorum_table() {
  echo "| scenario | replication | stale reads (k=1 miss) | failed ops | latency p50 / p99 | read repairs |"
  echo "|---|---|---|---|---|---|"
  qrow() {
    local stale
    stale=$(awk -F, '$1 == "staleness.k1_fraction" { if ($2 == "" || $2 == "nan") print "-"; else printf "%.1f%%\n", 100 * (1 - $2) }' "$TMP/$1.csv")
    echo "| \`$2\` | $3 | $stale | $(m "$1" ops.failed) of $(m "$1" ops.total) | $(m "$1" ops.latency_p50_s '%.4f') / $(m "$1" ops.latency_p99_s '%.4f') s | $(m "$1" replication.read_repairs) |"
  }
  qrow q-strict quorum-partition.yaml "N=3, W=2, R=2 (R+W>N)"
  qrow q-weak "quorum-partition.yaml, W=1 R=1" "N=3, W=1, R=1"
  qrow q-repair quorum-read-repair.yaml "N=3, W=1, R=3, no gossip"
}

replace() {  # replace NAME < table
  local name=$1 table
  table=$(cat)
  echo "$table"
  echo
  if [ -f "$DOC" ]; then
    TABLE="$table" python3 - "$DOC" "$name" <<'PY'
import os, re, sys
path, name = sys.argv[1], sys.argv[2]
text = open(path).read()
begin, end = f"<!-- table:{name} -->", f"<!-- /table:{name} -->"
pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
text = pattern.sub(lambda _: begin + "\n" + os.environ["TABLE"] + "\n" + end, text)
open(path, "w").write(text)
PY
  fi
}

types_table | replace types
antientropy_table | replace antientropy
quorum_table | replace quorum
