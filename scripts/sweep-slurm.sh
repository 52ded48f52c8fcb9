#!/usr/bin/env bash
# Runs an ecsim sweep on a Slurm cluster as a job array: array task I runs
# `ecsim sweep FILE --shard I/N` into OUT_DIR/shards/I, and a merge step joins
# the shards into OUT_DIR/runs.csv and OUT_DIR/aggregate.csv. The result is
# byte for byte what `ecsim sweep FILE --out OUT_DIR` gives on one machine.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/sweep-slurm.sh [options] SWEEP_FILE OUT_DIR

Submits the sweep as a Slurm job array of N tasks (shards). Task I runs
  ecsim sweep SWEEP_FILE --shard I/N --jobs C --out OUT_DIR/shards/I
and a merge step runs
  ecsim sweep SWEEP_FILE --merge OUT_DIR/shards/* --out OUT_DIR

Options:
  -n, --tasks N        number of array tasks = shards (default 4)
  -c, --cpus C         CPUs per task, used as --jobs of each shard (default 1)
      --ecsim PATH     the ecsim binary, as the compute nodes see it
                       (default: build/release/app/ecsim of this checkout, else ecsim on PATH)
      --wait           wait for the array (sbatch --wait), then merge here;
                       without it, a merge job is submitted with --dependency=afterok
      --sbatch-arg ARG extra sbatch argument for every job (repeatable),
                       e.g. --sbatch-arg=--partition=long --sbatch-arg=--time=1:00:00
  -h, --help           show this help

SWEEP_FILE, its base scenario and OUT_DIR must be on a file system that every
compute node sees. Re-submitting the same command resumes: runs already
recorded in OUT_DIR/shards/* are skipped. Logs: OUT_DIR/slurm/*.out.
Exit status: 0 ok, 1 a sweep expect: assertion failed (after the merge),
2 bad input or a failed task.
EOF
}

tasks=4
cpus=1
ecsim=""
wait=0
sbatch_args=()
positional=()
while (($#)); do
  case "$1" in
    -n|--tasks) tasks="$2"; shift 2 ;;
    --tasks=*) tasks="${1#*=}"; shift ;;
    -c|--cpus) cpus="$2"; shift 2 ;;
    --cpus=*) cpus="${1#*=}"; shift ;;
    --ecsim) ecsim="$2"; shift 2 ;;
    --ecsim=*) ecsim="${1#*=}"; shift ;;
    --wait) wait=1; shift ;;
    --sbatch-arg) sbatch_args+=("$2"); shift 2 ;;
    --sbatch-arg=*) sbatch_args+=("${1#*=}"); shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "sweep-slurm.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
if ((${#positional[@]} != 2)); then
  echo "sweep-slurm.sh: expected SWEEP_FILE and OUT_DIR (try --help)" >&2
  exit 2
fi
[[ "$tasks" =~ ^[1-9][0-9]*$ ]] || { echo "sweep-slurm.sh: --tasks must be a positive integer, got '$tasks'" >&2; exit 2; }
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || { echo "sweep-slurm.sh: --cpus must be a positive integer, got '$cpus'" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "sweep-slurm.sh: sbatch not found: is this a Slurm login node?" >&2; exit 2; }

here="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$ecsim" ]]; then
  if [[ -x "$here/build/release/app/ecsim" ]]; then ecsim="$here/build/release/app/ecsim"
  else ecsim="$(command -v ecsim || true)"; fi
fi
[[ -n "$ecsim" && -x "$ecsim" ]] || { echo "sweep-slurm.sh: no ecsim binary (build it, or pass --ecsim PATH)" >&2; exit 2; }
# Absolute paths: array tasks may start in another directory, on another node.
ecsim="$(cd "$(dirname "$ecsim")" && pwd)/$(basename "$ecsim")"
file="$(cd "$(dirname "${positional[0]}")" && pwd)/$(basename "${positional[0]}")"
mkdir -p "${positional[1]}"
out="$(cd "${positional[1]}" && pwd)"

# Fail here, not in N tasks, if the sweep file is bad.
"$ecsim" sweep "$file" --plan --out "$out" >/dev/null

mkdir -p "$out/slurm" "$out/shards"
q() { printf '%q' "$1"; }
cat >"$out/slurm/array.sh" <<EOF
#!/usr/bin/env bash
# Written by scripts/sweep-slurm.sh: array task I runs shard I of $tasks.
set -euo pipefail
exec $(q "$ecsim") sweep $(q "$file") --shard "\${SLURM_ARRAY_TASK_ID}/$tasks" --jobs "\${SLURM_CPUS_PER_TASK:-$cpus}" \\
  --out $(q "$out")/shards/"\${SLURM_ARRAY_TASK_ID}" --no-progress
EOF
shards=()
for ((i = 1; i <= tasks; i++)); do shards+=("$out/shards/$i"); done
{
  echo '#!/usr/bin/env bash'
  echo '# Written by scripts/sweep-slurm.sh: joins the shards into runs.csv and aggregate.csv.'
  echo 'set -euo pipefail'
  printf 'exec %q sweep %q --merge' "$ecsim" "$file"
  printf ' %q' "${shards[@]}"
  printf ' --out %q\n' "$out"
} >"$out/slurm/merge.sh"
chmod +x "$out/slurm/array.sh" "$out/slurm/merge.sh"

common=(--job-name="ecsim-sweep" --chdir="$out" "${sbatch_args[@]}")
if ((wait)); then
  echo "sweep-slurm.sh: submitting $tasks tasks x $cpus CPUs and waiting (logs in $out/slurm/)" >&2
  status=0
  sbatch --wait --parsable "${common[@]}" --array="1-$tasks" --cpus-per-task="$cpus" \
    --output="$out/slurm/task-%a.out" "$out/slurm/array.sh" >/dev/null || status=$?
  if ((status != 0)); then
    echo "sweep-slurm.sh: an array task failed (exit $status); see $out/slurm/task-*.out, then re-submit to resume" >&2
    exit 2
  fi
  exec "$out/slurm/merge.sh"
fi
array_id="$(sbatch --parsable "${common[@]}" --array="1-$tasks" --cpus-per-task="$cpus" \
  --output="$out/slurm/task-%a.out" "$out/slurm/array.sh")"
array_id="${array_id%%;*}"
merge_id="$(sbatch --parsable "${common[@]}" --dependency="afterok:$array_id" --cpus-per-task=1 \
  --output="$out/slurm/merge.out" "$out/slurm/merge.sh")"
echo "sweep-slurm.sh: submitted array job $array_id ($tasks tasks) and merge job ${merge_id%%;*}"
echo "  results: $out/runs.csv and $out/aggregate.csv when the merge job has run (log: $out/slurm/merge.out)"
