#!/usr/bin/env bash
# End-to-end test of scripts/sweep-slurm.sh against a real single-node Slurm
# cluster started here (Debian's slurm-wlm and munge; everything under a
# temporary directory, on ports of its own): the sweep runs as a 3-task job
# array (sbatch --wait --array), is merged, and must equal the single-machine
# sweep byte for byte. The daemons are stopped on exit.
# Exit 77 (CTest: skipped) only when slurm-wlm/munge are missing and cannot be
# installed, or the daemons cannot be started here (no root).
# Usage: tests/scripts/test-sweep-slurm.sh ECSIM_BINARY
set -euo pipefail
ecsim="${1:?usage: test-sweep-slurm.sh ECSIM_BINARY}"
src="$(cd "$(dirname "$0")/../.." && pwd)"
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.log "$tmp"/out/slurm/*.out; do [[ -f "$f" ]] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done; exit 1; }

[[ "$(id -u)" == 0 ]] || skip "starting munged and slurmd needs root"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and there is no apt-get"
  echo "installing slurm-wlm and munge (once)" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends slurm-wlm munge || { apt-get update -qq && apt-get install -y -qq --no-install-recommends slurm-wlm munge; }; } >/dev/null 2>&1 \
    || skip "slurm-wlm and munge are not installed and apt-get could not install them"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ecsim-slurm-test.XXXXXX")"
chmod 755 "$tmp"
started_munged=0
cleanup() {
  set +e
  for d in slurmd slurmctld; do
    if [[ -f "$tmp/$d.pid" ]]; then
      pid="$(cat "$tmp/$d.pid")"
      kill "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
    fi
  done
  if ((started_munged)) && [[ -f /run/munge/munged.pid ]]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# munge: reuse a running munged, else start one as the munge user (as Debian packages it).
if ! { [[ -f /run/munge/munged.pid ]] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }; then
  mkdir -p /run/munge
  chown munge:munge /run/munge
  if [[ ! -f /etc/munge/munge.key ]]; then
    su -s /bin/sh munge -c "/usr/sbin/mungekey --create" >/dev/null 2>&1 || skip "no munge key and mungekey failed"
  fi
  su -s /bin/sh munge -c /usr/sbin/munged || skip "cannot start munged"
  started_munged=1
fi
for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
munge -n </dev/null >/dev/null 2>&1 || fail "munged does not answer"

# A port nothing listens on (bash's /dev/tcp connect fails): no python3 needed.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  fail "no free port found"
}
host="$(hostname -s)"
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<CONF
ClusterName=ecsimtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=ecsim Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 100); do
  [[ "$(sinfo -h -o %T 2>/dev/null)" == idle* ]] && break
  sleep 0.2
done
[[ "$(sinfo -h -o %T 2>/dev/null)" == idle* ]] || fail "the Slurm node did not become idle: $(sinfo 2>&1)"
echo "single-node Slurm up: $(sinfo -h -o '%P %D %T %C' 2>&1)"

sweep="$src/tests/sweeps/cluster.yaml"
"$ecsim" sweep "$sweep" --jobs 2 --out "$tmp/local" --quiet
"$src/scripts/sweep-slurm.sh" --tasks 3 --cpus 1 --wait --ecsim "$ecsim" "$sweep" "$tmp/out" >"$tmp/submit.log" 2>&1 \
  || { cat "$tmp/submit.log" >&2; fail "sweep-slurm.sh --wait failed"; }
for i in 1 2 3; do
  [[ -n "$(ls "$tmp/out/shards/$i/runs")" ]] || fail "array task $i recorded no runs"
  grep -q "shard $i/3 done" "$tmp/out/slurm/task-$i.out" || fail "array task $i did not report its shard"
done
"$src/tests/scripts/compare-sweeps.sh" "$tmp/local" "$tmp/out" || fail "the Slurm sweep differs from the local one"
echo "PASS: Slurm job-array sweep equals the single-machine sweep"
