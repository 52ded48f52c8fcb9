#!/usr/bin/env bash
# Runs an ecsim sweep as N shards with GNU parallel, on this machine or over
# SSH on several hosts, then merges them. The result is byte for byte what
# `ecsim sweep FILE --out OUT_DIR` gives on one machine.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/sweep-parallel.sh [options] SWEEP_FILE OUT_DIR

Runs shard I of N as
  ecsim sweep SWEEP_FILE --shard I/N --jobs C --out OUT_DIR/shards/I
through GNU parallel, then
  ecsim sweep SWEEP_FILE --merge OUT_DIR/shards/* --out OUT_DIR

Options:
  -n, --shards N      number of shards (default 4)
  -c, --cpus C        --jobs of each shard (default 1)
  -S, --hosts LIST    GNU parallel --sshlogin list, e.g. "8/node1,8/node2" or ":"
                      for this machine (the default); shards are spread over them
  -P, --parallel P    shards at once per host (default: CPUs of the host / C)
      --ecsim PATH    the ecsim binary, as every host sees it
                      (default: build/release/app/ecsim of this checkout, else ecsim on PATH)
  -h, --help          show this help

With remote hosts, SWEEP_FILE, its base scenario, the ecsim binary and OUT_DIR
must be at the same paths on every host (a shared file system). Re-running the
same command resumes: finished runs are skipped.
Exit status: 0 ok, 1 a sweep expect: assertion failed, 2 bad input or a failed shard.
EOF
}

shards=4
cpus=1
hosts=":"
per_host=""
ecsim=""
positional=()
while (($#)); do
  case "$1" in
    -n|--shards) shards="$2"; shift 2 ;;
    --shards=*) shards="${1#*=}"; shift ;;
    -c|--cpus) cpus="$2"; shift 2 ;;
    --cpus=*) cpus="${1#*=}"; shift ;;
    -S|--hosts) hosts="$2"; shift 2 ;;
    --hosts=*) hosts="${1#*=}"; shift ;;
    -P|--parallel) per_host="$2"; shift 2 ;;
    --parallel=*) per_host="${1#*=}"; shift ;;
    --ecsim) ecsim="$2"; shift 2 ;;
    --ecsim=*) ecsim="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "sweep-parallel.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
if ((${#positional[@]} != 2)); then
  echo "sweep-parallel.sh: expected SWEEP_FILE and OUT_DIR (try --help)" >&2
  exit 2
fi
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "sweep-parallel.sh: --shards must be a positive integer, got '$shards'" >&2; exit 2; }
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || { echo "sweep-parallel.sh: --cpus must be a positive integer, got '$cpus'" >&2; exit 2; }
command -v parallel >/dev/null || { echo "sweep-parallel.sh: GNU parallel not found (apt-get install parallel)" >&2; exit 2; }

here="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$ecsim" ]]; then
  if [[ -x "$here/build/release/app/ecsim" ]]; then ecsim="$here/build/release/app/ecsim"
  else ecsim="$(command -v ecsim || true)"; fi
fi
[[ -n "$ecsim" && -x "$ecsim" ]] || { echo "sweep-parallel.sh: no ecsim binary (build it, or pass --ecsim PATH)" >&2; exit 2; }
ecsim="$(cd "$(dirname "$ecsim")" && pwd)/$(basename "$ecsim")"
file="$(cd "$(dirname "${positional[0]}")" && pwd)/$(basename "${positional[0]}")"
mkdir -p "${positional[1]}"
out="$(cd "${positional[1]}" && pwd)"

"$ecsim" sweep "$file" --plan --out "$out" >/dev/null  # a bad sweep file fails here, once
if [[ -z "$per_host" ]]; then
  per_host="$(( $(nproc) / cpus ))"
  ((per_host >= 1)) || per_host=1
fi
mkdir -p "$out/shards"
echo "sweep-parallel.sh: $shards shards x $cpus jobs on ${hosts/:/this machine}, $per_host at a time per host" >&2
status=0
parallel --halt soon,fail=1 --jobs "$per_host" --sshlogin "$hosts" --line-buffer --tagstring 'shard {}' \
  "$(printf '%q' "$ecsim")" sweep "$(printf '%q' "$file")" --shard "{}/$shards" --jobs "$cpus" \
  --out "$(printf '%q' "$out")/shards/{}" --no-progress --quiet \
  ::: $(seq 1 "$shards") || status=$?
if ((status != 0)); then
  echo "sweep-parallel.sh: a shard failed (parallel exit $status); re-run to resume" >&2
  exit 2
fi
dirs=()
for ((i = 1; i <= shards; i++)); do dirs+=("$out/shards/$i"); done
exec "$ecsim" sweep "$file" --merge "${dirs[@]}" --out "$out"
