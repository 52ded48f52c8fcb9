#!/usr/bin/env bash
# Keeps the dependency direction mechanical (docs/WRITING_A_PROTOCOL.md):
#   app -> protocols -> sim,  analysis -> sim;  the kernel (sim/) knows no
#   module, checker or app; a module folder uses only protocols/core and
#   itself (and the modules its CMakeLists.txt names in DEPENDS).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
violation() { echo "layering rule: $1" >&2; status=1; }

# 1. The kernel includes nothing above it.
if grep -RnE '#include "(protocols|analysis|app)/' sim; then violation "sim/ must not include protocols/, analysis/ or app/"; fi
# 2. Kernel code names no module (comments may, as examples).
if grep -RnE --include='*.hpp' --include='*.cpp' '^[^/]*\b(Saga|Reconcil|EventLog|Gossip|Merkle|Quorum|Replication)[A-Za-z]*\b' sim \
   | grep -vE ':[[:space:]]*//'; then
  violation "sim/ must not name a module's types (they belong in protocols/<module>/)"
fi
# 3. Checkers and the offline tools do not depend on protocols or the app.
if grep -RnE '#include "(protocols|app)/' analysis; then violation "analysis/ must not include protocols/ or app/"; fi
if grep -RnE '#include "app/' protocols; then violation "protocols/ must not include app/"; fi
# 4. A module includes only core, itself, and the modules it declares in DEPENDS.
for dir in protocols/*/; do
  m=$(basename "$dir")
  [[ "$m" == core ]] && continue
  allowed="core $m $(sed -n 's/.*DEPENDS \(.*\))/\1/p' "$dir/CMakeLists.txt" 2>/dev/null)"
  while IFS= read -r line; do
    used=$(sed -E 's/.*#include "protocols\/([a-z_]+)\/.*/\1/' <<<"$line")
    [[ " $allowed " == *" $used "* ]] || violation "$line: module '$m' uses module '$used' without DEPENDS in ${dir%/}/CMakeLists.txt"
  done < <(grep -RnE '#include "protocols/[a-z_]+/' "$dir" || true)
done
exit $status
