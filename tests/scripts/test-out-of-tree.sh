#!/usr/bin/env bash
# End-to-end test of out-of-tree modules (docs/OUT_OF_TREE_MODULES.md):
# installs ecsim into a temporary prefix, builds tests/out_of_tree against the
# installed package (find_package(ecsim)), runs the installed `ecsim` on the
# example scenario and checks its metric; then checks that every way a
# `modules:` entry can be wrong exits 2 with file:line:col.
# Usage: tests/scripts/test-out-of-tree.sh BUILD_DIR [CXX_COMPILER [GENERATOR]]
set -euo pipefail
build="$(cd "${1:?usage: test-out-of-tree.sh BUILD_DIR [CXX_COMPILER [GENERATOR]]}" && pwd)"
cxx="${2:-}"
generator="${3:-}"
src="$(cd "$(dirname "$0")/../.." && pwd)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ecsim-oot-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Install, then build the example and its broken variants against the install.
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
ecsim="$tmp/prefix/bin/ecsim"
[[ -x "$ecsim" ]] || fail "no installed bin/ecsim"
[[ -f "$tmp/prefix/include/ecsim/protocols/core/plugin.hpp" ]] || fail "protocols/core/plugin.hpp not installed"
args=(-S "$src/tests/out_of_tree" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tmp/prefix"
      -DFLOOD_BROKEN_VARIANTS=ON)
[[ -n "$cxx" ]] && args+=(-DCMAKE_CXX_COMPILER="$cxx")
[[ -n "$generator" ]] && args+=(-G "$generator")
if command -v ccache >/dev/null; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$tmp"  # the prefix's include path is the same from run to run
fi
cmake "${args[@]}" >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; fail "configuring tests/out_of_tree"; }
cmake --build "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building tests/out_of_tree"; }
if nm -C --defined-only "$tmp/build/libecsim_flood.so" | grep -q ' T ecsim::Simulator::'; then
  fail "libecsim_flood.so carries its own copy of the kernel"
fi

# 2. The example runs, from another directory (`modules:` is relative to the file).
scenario="$tmp/build/flood.yaml"
(cd / && "$ecsim" run "$scenario" --quiet --out "$tmp/out") || fail "ecsim run flood.yaml exited $?"
grep -qx 'flood.messages,60' "$tmp/out/summary.csv" || { cat "$tmp/out/summary.csv"; fail "summary.csv: flood.messages is not 60"; }
grep -q "libecsim_flood.so" "$tmp/out/scenario.resolved.yaml" || fail "scenario.resolved.yaml does not list the module"
"$ecsim" validate "$tmp/out/scenario.resolved.yaml" >/dev/null || fail "the resolved configuration does not load again"
# A ring: every node has 2 neighbours, 2 writes x 6 nodes x 2 = 24 messages.
"$ecsim" run "$scenario" --quiet --out "$tmp/ring" --set topology.graph=ring \
  --set 'checks.expect=["flood.messages == 24", "convergence.reached == 1"]' || fail "ring: exited $?"
# The metric is really checked: a wrong expectation fails the run (exit 1).
status=0
"$ecsim" run "$scenario" --quiet --out "$tmp/wrong" --set 'checks.expect=["flood.messages == 61"]' || status=$?
[[ $status == 1 ]] || fail "a failed expect: on flood.messages exited $status, not 1"

# 3. Errors: exit 2 and file:line:col of the `modules:` entry.
mkdir "$tmp/errors"
echo "not a shared library" >"$tmp/errors/libgarbage.so"
expect_error() {  # NAME MODULES_LINES EXPECTED_MESSAGE
  local file="$tmp/errors/$1.yaml" status=0
  printf 'name: %s\nseed: 1\ntopology: {nodes: 2}\n%s\n' "$1" "$2" >"$file"
  "$ecsim" run "$file" --quiet --out "$tmp/errors/out" >"$tmp/errors/$1.log" 2>&1 || status=$?
  [[ $status == 2 ]] || { cat "$tmp/errors/$1.log"; fail "$1: exit status $status, not 2"; }
  grep -qF -- "$3" "$tmp/errors/$1.log" || { cat "$tmp/errors/$1.log"; fail "$1: no '$3' in the message"; }
  echo "ok: $1: $(head -1 "$tmp/errors/$1.log")"
}
b="$tmp/build"
expect_error missing $'modules:\n  - nowhere/libnothing.so' \
  "missing.yaml:5:5: error: modules[0]: module library 'nowhere/libnothing.so' not found (looked for $tmp/errors/nowhere/libnothing.so)"
expect_error not-a-library 'modules: [libgarbage.so]' \
  "not-a-library.yaml:4:11: error: modules[0]: cannot load 'libgarbage.so': $tmp/errors/libgarbage.so:"
flood="$b/libecsim_flood.so"
expect_error no-register "modules: [$flood, $b/libno_register.so]" \
  "no-register.yaml:4:$((11 + ${#flood} + 2)): error: modules[1]: '$b/libno_register.so' is not an ecsim module library: it does not export ecsim_register_modules()"
expect_error wrong-abi "modules: [../build/libwrong_abi.so]" \
  "wrong-abi.yaml:4:11: error: modules[0]: module ABI version mismatch in '../build/libwrong_abi.so': expected "
grep -qE "expected [0-9]+, got [0-9]+ \(rebuild" "$tmp/errors/wrong-abi.log" || fail "wrong-abi: no 'expected N, got M'"
expect_error registers-nothing $'modules:\n  - ../build/libregisters_nothing.so' \
  "registers-nothing.yaml:5:5: error: modules[0]: '../build/libregisters_nothing.so': ecsim_register_modules() registered no module"
rel=../build/libecsim_flood.so
expect_error twice "modules: [$rel, $b/libecsim_flood.so]" \
  "twice.yaml:4:$((11 + ${#rel} + 2)): error: modules[1]: '$b/libecsim_flood.so' is listed twice (also modules[0])"
expect_error not-a-list 'modules: libecsim_flood.so' "not-a-list.yaml:4:10: error: modules: expected a list"
expect_error without-modules $'protocols:\n  flood: {delay: 1ms}' "without-modules.yaml:5:3: error: unknown protocol 'flood'"
status=0
"$ecsim" run "$scenario" --quiet --out "$tmp/errors/out" --set 'modules=[libx.so]' 2>"$tmp/errors/set.log" || status=$?
[[ $status == 2 ]] && grep -qF -- "--set:1:1: error: modules cannot be set with --set" "$tmp/errors/set.log" \
  || { cat "$tmp/errors/set.log"; fail "--set modules: exit status $status"; }
echo "PASS: out-of-tree module built against the installed package, loaded and checked"
