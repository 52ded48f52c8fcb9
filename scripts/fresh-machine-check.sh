#!/usr/bin/env bash
# Proves the README's two set-up commands on a fresh minimal Debian 12: builds
# a `debootstrap --variant=minbase bookworm` chroot (nothing else installed),
# copies a clean checkout of HEAD into it, and runs `scripts/demo.sh` and then
# `scripts/test.sh` there as root. A dependency the scripts forget to install
# fails here, while it stays hidden on a machine that already has it.
#
#   scripts/fresh-machine-check.sh [WORKDIR]     (as root; needs debootstrap and network)
#
# WORKDIR (default /var/tmp/ecsim-fresh) keeps the chroot and the logs
# (demo.log, test.log). A cached pristine chroot (WORKDIR/base.tar) is reused
# between runs; every run starts from a fresh copy of it. Exit status: 0 when
# both commands succeed.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/var/tmp/ecsim-fresh}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
[[ $EUID -eq 0 ]] || { echo "fresh-machine-check: run as root (debootstrap and chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "fresh-machine-check: install debootstrap first" >&2; exit 2; }
mkdir -p "$work"
root="$work/root"

if [[ ! -f "$work/base.tar" ]]; then
  echo "fresh-machine-check: debootstrap --variant=minbase bookworm (once; cached in $work/base.tar)" >&2
  rm -rf "$work/base"
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1
  tar -C "$work/base" -cf "$work/base.tar.tmp" . && mv "$work/base.tar.tmp" "$work/base.tar"
  rm -rf "$work/base"
fi

cleanup() {
  for m in dev/pts dev proc sys; do umount -R -l "$root/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup
# Never delete through a mount that is still there (the host's /dev, /sys).
if grep -q " $root/" /proc/mounts; then
  echo "fresh-machine-check: something is still mounted under $root; unmount it first" >&2
  exit 2
fi
rm -rf "$root" && mkdir -p "$root"
tar -C "$root" -xf "$work/base.tar"
# What a real machine has and a bare chroot lacks: name resolution of its own
# host name (Slurm's daemons look it up) and the cgroup file system (slurmd).
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"
cp /etc/hostname "$root/etc/hostname" 2>/dev/null || hostname > "$root/etc/hostname"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"

# A clean checkout of what is committed: no build folder, no local files.
mkdir -p "$root/src/ecsim"
git archive HEAD | tar -x -C "$root/src/ecsim"

status=0
for cmd in demo test; do
  echo "fresh-machine-check: scripts/$cmd.sh in the chroot (log: $work/$cmd.log)" >&2
  start=$(date +%s)
  if chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
       /bin/bash -c "cd /src/ecsim && scripts/$cmd.sh" >"$work/$cmd.log" 2>&1; then
    echo "fresh-machine-check: scripts/$cmd.sh passed in $(( $(date +%s) - start )) s" >&2
  else
    echo "fresh-machine-check: scripts/$cmd.sh FAILED after $(( $(date +%s) - start )) s; last lines:" >&2
    tail -n 30 "$work/$cmd.log" >&2
    status=1
  fi
done
exit $status
