#!/usr/bin/env bash
# The Debian package end to end: `cpack -G DEB` builds ecsim_<version>_amd64.deb
# from BUILD_DIR; `apt-get install ./ecsim_*.deb` installs it; the installed
# `ecsim run /usr/share/ecsim/scenarios/demo.yaml` passes, the man pages,
# completion, headers and CMake package are in place (tests/out_of_tree builds
# against them and its scenario runs); `apt-get purge`
# removes it and the machine's package list is as before.
# Exit 77 (CTest: skipped) when it cannot install without changing the machine
# beyond the package: not root, no apt-get, ecsim already installed, or apt
# would pull in other packages. The package is built and inspected anyway.
# Usage: tests/scripts/test-deb-package.sh BUILD_DIR
set -euo pipefail
build="$(cd "${1:?usage: test-deb-package.sh BUILD_DIR}" && pwd)"
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIPPED: $*"; exit 77; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ecsim-deb-test.XXXXXX")"
installed=0
cleanup() {
  ((installed)) && apt-get purge -y -qq ecsim >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack -G DEB failed"; }
version=$("$build/app/ecsim" --version | head -n 1 | cut -d' ' -f2)
deb="$tmp/pkg/ecsim_${version}_$(dpkg --print-architecture).deb"
[[ -f $deb ]] || fail "no $deb (got: $(ls "$tmp/pkg"))"
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for path in ./usr/bin/ecsim ./usr/bin/ecsim-check ./usr/share/ecsim/scenarios/demo.yaml ./usr/share/man/man1/ecsim.1 \
            ./usr/share/man/man1/ecsim-check.1 ./usr/share/bash-completion/completions/ecsim \
            ./usr/share/doc/ecsim/SCENARIO_REFERENCE.md ./usr/include/ecsim/sim/protocol.hpp \
            ./usr/lib/cmake/ecsim/ecsimConfig.cmake; do
  grep -qxF "$path" <<<"$contents" || fail "$deb lacks $path"
done

[[ $(id -u) == 0 ]] || skip "not root: the package was built and inspected, not installed"
command -v apt-get >/dev/null || skip "no apt-get: the package was built and inspected, not installed"
! dpkg -s ecsim >/dev/null 2>&1 || skip "an ecsim package is already installed; not touching it"
# Only ecsim itself may be installed, so that removing it restores the machine.
extra=$(apt-get install -s --no-install-recommends "$deb" 2>/dev/null | awk '$1 == "Inst" && $2 != "ecsim" { print $2 }')
[[ -z $extra ]] || skip "installing would also install: $(echo $extra)"
dpkg-query -W -f '${Package} ${Version} ${Status}\n' | sort >"$tmp/before"

export DEBIAN_FRONTEND=noninteractive
installed=1
apt-get install -y -qq --no-install-recommends "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; fail "apt-get install $deb failed"; }
[[ $(command -v ecsim) == /usr/bin/ecsim ]] || fail "ecsim on PATH is $(command -v ecsim), not /usr/bin/ecsim"
(cd "$tmp" && /usr/bin/ecsim run /usr/share/ecsim/scenarios/demo.yaml --quiet --out "$tmp/demo") \
  || fail "the installed ecsim run /usr/share/ecsim/scenarios/demo.yaml failed"
[[ -s $tmp/demo/summary.csv ]] || fail "the installed run wrote no summary.csv"
/usr/bin/ecsim-check --version >/dev/null || fail "the installed ecsim-check --version failed"
man -w ecsim >/dev/null 2>&1 || fail "man ecsim finds no page"
# An out-of-tree module builds against the installed headers and CMake package (no prefix needed) and runs.
src="$(cd "$(dirname "$0")/../.." && pwd)"
{ cmake -S "$src/tests/out_of_tree" -B "$tmp/flood" && cmake --build "$tmp/flood"; } >"$tmp/flood.log" 2>&1 \
  || { cat "$tmp/flood.log"; fail "the out-of-tree module does not build against the installed package"; }
(cd "$tmp" && /usr/bin/ecsim run "$tmp/flood/flood.yaml" --quiet --out "$tmp/flood-run") || fail "the out-of-tree module's scenario failed"

apt-get purge -y -qq ecsim >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; fail "apt-get purge ecsim failed"; }
installed=0
dpkg-query -W -f '${Package} ${Version} ${Status}\n' | sort >"$tmp/after"
diff "$tmp/before" "$tmp/after" || fail "the package list differs from before the installation"
[[ ! -e /usr/bin/ecsim && ! -e /usr/share/ecsim ]] || fail "files left behind after purge"
echo "ok: $(basename "$deb") built, installed, ran demo.yaml, removed"
