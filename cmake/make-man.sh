#!/usr/bin/env bash
# Writes a man page for PROGRAM with help2man from its own --help and
# --version, plus, for each SUBCOMMAND, a section with `PROGRAM SUBCOMMAND
# --help` verbatim: the man page is the help text, so the two cannot drift.
# Usage: cmake/make-man.sh PROGRAM OUT.1 "one-line description" [SUBCOMMAND...]
set -euo pipefail
program="$1" out="$2" description="$3"
shift 3
include="$(mktemp)"
trap 'rm -f "$include"' EXIT
roff_verbatim() {  # help text as literal roff: backslashes escaped, no line read as a request
  sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}
{
  if (($#)); then
    echo "[COMMANDS IN DETAIL]"
    for sub in "$@"; do
      echo ".SS \"$(basename "$program") $sub\""
      echo ".nf"
      "$program" "$sub" --help | roff_verbatim
      echo ".fi"
    done
  fi
  echo "[SEE ALSO]"
  echo "The scenario format: /usr/share/doc/ecsim/SCENARIO_REFERENCE.md (docs/SCENARIO_REFERENCE.md in the source tree)."
} >"$include"
# The version alone: the commit of the build stays out of the page.
version=$("$program" --version | head -n 1)
help2man --no-info --no-discard-stderr --version-string "${version##* }" --name "$description" --include "$include" --output "$out.tmp" "$program"
mv "$out.tmp" "$out"
