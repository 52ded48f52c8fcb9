#!/usr/bin/env bash
# The JUnit reports of `ecsim run --junit` and `ecsim sweep --junit` (passing
# and failing, assertions with XML's special characters) validate against the
# Jenkins xUnit plugin's junit-10.xsd with xmllint (Debian libxml2-utils,
# installed by scripts/install-deps.sh). Exit 77 (CTest: skipped) only when
# xmllint is missing.
# Usage: tests/scripts/test-junit-schema.sh ECSIM_BINARY
set -euo pipefail
ecsim="${1:?usage: test-junit-schema.sh ECSIM_BINARY}"
src="$(cd "$(dirname "$0")/../.." && pwd)"
command -v xmllint >/dev/null || { echo "SKIPPED: xmllint is not installed (apt-get install libxml2-utils)"; exit 77; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ecsim-junit-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
schema="$src/tests/data/junit/junit-10.xsd"
failing='checks.expect=["messages.dropped < 0 && messages.sent > 0", "messages.dropped >= 0"]'

expect_status() {  # expect_status WANTED COMMAND...
  local wanted="$1" got=0
  shift
  "$@" >/dev/null 2>&1 || got=$?
  [[ "$got" == "$wanted" ]] || { echo "FAIL: exit status $got, expected $wanted: $*" >&2; exit 1; }
}
expect_status 0 "$ecsim" run "$src/scenarios/demo.yaml" --quiet --out "$tmp/out" --junit "$tmp/run-pass.xml"
expect_status 1 "$ecsim" run "$src/scenarios/demo.yaml" --quiet --out "$tmp/out" --junit "$tmp/run-fail.xml" --set "$failing"
cat >"$tmp/sweep.yaml" <<YAML
base: $src/scenarios/demo.yaml
grid:
  network.loss: [0, 0.1]
seeds: 2
metrics: [messages.dropped]
expect:
  - "messages.dropped.min >= 0"
  - "messages.dropped.max < 0 && messages.dropped.min < 0"
YAML
expect_status 1 "$ecsim" sweep "$tmp/sweep.yaml" --jobs 2 --quiet --out "$tmp/sweep" --junit "$tmp/sweep-fail.xml"
for report in run-pass run-fail sweep-fail; do
  xmllint --noout --schema "$schema" "$tmp/$report.xml" 2>"$tmp/xmllint.log" || {
    cat "$tmp/xmllint.log" "$tmp/$report.xml"
    echo "FAIL: $report.xml does not validate against junit-10.xsd" >&2
    exit 1
  }
done
grep -q '<failure message="messages.dropped = [0-9]*, expected &lt; 0' "$tmp/run-fail.xml" \
  || { cat "$tmp/run-fail.xml"; echo "FAIL: run-fail.xml has no escaped failure message" >&2; exit 1; }
echo "ok: 3 JUnit reports validate against junit-10.xsd"
