#!/usr/bin/env bash
# The bash completion (app/completion/ecsim) completes subcommands, options
# and, after --set, the scenario's keys, driven the way bash drives it
# (COMP_WORDS/COMP_CWORD). Needs Debian's bash-completion (scripts/install-deps.sh);
# exit 77 (CTest: skipped) without it.
# Usage: tests/scripts/test-completion.sh BIN_DIR (the folder with ecsim and ecsim-check)
set -uo pipefail
bin="${1:?usage: test-completion.sh BIN_DIR}"
src="$(cd "$(dirname "$0")/../.." && pwd)"
[[ -r /usr/share/bash-completion/bash_completion ]] || { echo "SKIPPED: bash-completion is not installed"; exit 77; }
# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion
# shellcheck disable=SC1091
source "$src/app/completion/ecsim"
PATH="$bin:$PATH"
cd "$src"
failures=0

complete_line() {  # complete_line FUNCTION WORD...: prints the candidates, one per line
  local fn=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}"
}
expect() {  # expect WANTED FUNCTION WORD...: WANTED is among the candidates
  local wanted=$1 got
  shift
  got=$(complete_line "$@")  # not piped into grep -q: with pipefail its early exit would fail the pipe
  if ! grep -qxF -- "$wanted" <<<"$got"; then
    echo "FAIL: '$*' does not offer '$wanted'; got: $(tr '\n' ' ' <<<"$got")" >&2
    failures=$((failures + 1))
  fi
}
expect_none() {  # expect_none UNWANTED FUNCTION WORD...
  local unwanted=$1 got
  shift
  got=$(complete_line "$@")
  if grep -qxF -- "$unwanted" <<<"$got"; then
    echo "FAIL: '$*' offers '$unwanted'" >&2
    failures=$((failures + 1))
  fi
}

for c in run validate sweep explore analyze plot export; do expect "$c" _ecsim ecsim ''; done
expect --version _ecsim ecsim --v
expect sweep _ecsim ecsim help sw
expect --junit _ecsim ecsim run scenarios/demo.yaml --j
expect --format _ecsim ecsim run scenarios/demo.yaml --f
expect --merge _ecsim ecsim sweep x.yaml --me
expect_none --merge _ecsim ecsim run scenarios/demo.yaml --me
expect json _ecsim ecsim run scenarios/demo.yaml --format j
expect shiviz _ecsim ecsim export out/demo --to s
# Scenario keys after --set, from the file's resolved configuration (with "=").
expect network.loss= _ecsim ecsim run scenarios/demo.yaml --set network.l
expect protocols.gossip.fanout= _ecsim ecsim run scenarios/demo.yaml --seed 3 --set protocols.gossip.f
expect workload.session.cache_ttl= _ecsim ecsim validate scenarios/demo.yaml --set workload.session.c
expect_none network.loss= _ecsim ecsim run --set network.l
expect --applied _ecsim_check ecsim-check ops.csv --app
expect --version _ecsim_check ecsim-check --vers
((failures == 0)) || exit 1
echo "ok: completion"
