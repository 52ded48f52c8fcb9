#!/usr/bin/env bash
# scripts/check-determinism-rules.sh must flag planted violations (two draws in
# one expression, a standard distribution, a wall clock) and pass the
# sequenced forms that are fine (named locals, ?:, &&).
#   tests/scripts/test-determinism-rules.sh SOURCE_DIR
set -euo pipefail
src="${1:-$(dirname "$0")/../..}"
rules="$src/scripts/check-determinism-rules.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsim-rules.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

expect_flagged() {  # name, rule text expected in the message, code line
  printf 'void f() {\n%s\n}\n' "$3" >"$tmp/$1.cpp"
  if "$rules" "$tmp/$1.cpp" >"$tmp/$1.out" 2>&1; then
    echo "FAIL: not flagged: $3" >&2; fail=1
  elif ! grep -q "$2" "$tmp/$1.out"; then
    echo "FAIL: flagged without the '$2' message: $3" >&2; cat "$tmp/$1.out" >&2; fail=1
  fi
}
expect_clean() {  # name, code line
  printf 'void f() {\n%s\n}\n' "$2" >"$tmp/$1.cpp"
  if ! "$rules" "$tmp/$1.cpp" >"$tmp/$1.out" 2>&1; then
    echo "FAIL: flagged but fine: $2" >&2; cat "$tmp/$1.out" >&2; fail=1
  fi
}

order='unspecified order'
expect_flagged args-draw "$order" '  invoke(s, draw_op(), draw_key(), {}, kNoNode, true);'
expect_flagged args-rng "$order" '  send(ctx.rng().below(n), ctx.rng().below(m));'
expect_flagged operands "$order" '  const double x = rng_.uniform01() + rng_.exponential(2.0);'
expect_flagged return "$order" '  return rng_.below(3) * rng_.below(4);'
expect_flagged samples "$order" '  g(latency.sample(rng_), think.sample_nonnegative(rng_));'
expect_flagged stddist 'standard distributions' '  std::uniform_int_distribution<int> d(0, 9);'
expect_flagged clock 'wall clocks' '  auto t = std::chrono::steady_clock::now();'
expect_clean locals '  const KeyId key = draw_key(); const OpKind op = draw_op(); invoke(s, op, key);'
expect_clean conditional '  return zipf ? zipf_.sample(rng_) : rng_.below(keys);'
expect_clean and '  if (p > 0 && rng_.bernoulli(p) && rng_.bernoulli(q)) g();'
expect_clean definition '  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }'
expect_clean qualified '  NodeId Context::random_neighbor() { return net.random_neighbor(node_, rng); }'

# The tree itself is clean.
"$rules" || { echo "FAIL: scripts/check-determinism-rules.sh reports the source tree" >&2; fail=1; }
((fail == 0)) && echo "OK: determinism rules flag the planted examples and pass the sequenced forms"
exit $fail
