#!/usr/bin/env bash
# The man pages render without a warning and list every option every
# subcommand's --help lists. Exit 77 (CTest: skipped) when help2man was not
# found at configure time (HELP2MAN=0: no pages are built).
# Usage: tests/scripts/test-man-pages.sh BUILD_DIR HELP2MAN(0|1)
set -euo pipefail
build="${1:?usage: test-man-pages.sh BUILD_DIR HELP2MAN}"
[[ ${2:-0} == 1 ]] || { echo "SKIPPED: help2man was missing at configure time (apt-get install help2man)"; exit 77; }
[[ -f $build/man/ecsim.1 ]] || { echo "FAIL: $build/man/ecsim.1 is missing (build the target ecsim_man)" >&2; exit 1; }
command -v man >/dev/null || { echo "SKIPPED: man is not installed"; exit 77; }
failures=0
check_page() {  # check_page PAGE HELP_TEXT
  local page=$1 help=$2 rendered warnings
  warnings=$(MANWIDTH=200 man --warnings -l "$page" 2>&1 >/dev/null) || true
  [[ -z $warnings ]] || { echo "FAIL: $page: $warnings" >&2; failures=$((failures + 1)); }
  rendered=$(MANWIDTH=200 man -l "$page" 2>/dev/null | col -b)
  for option in $(grep -oE -- '--[a-z][a-z-]+' <<<"$help" | sort -u); do
    grep -qF -- "$option" <<<"$rendered" || { echo "FAIL: $page does not mention $option" >&2; failures=$((failures + 1)); }
  done
}
ecsim="$build/app/ecsim"
help=$("$ecsim" --help)
for sub in run validate sweep explore analyze plot export; do help+=$'\n'$("$ecsim" "$sub" --help); done
check_page "$build/man/ecsim.1" "$help"
check_page "$build/man/ecsim-check.1" "$("$build/app/ecsim-check" --help)"
((failures == 0)) || exit 1
echo "ok: man pages"
