#!/usr/bin/env bash
# ecsim-check links the history library only: not the kernel (libecsim_sim.a),
# not the live analysis library (which links the kernel), not yaml-cpp
# (analysis/CMakeLists.txt). Reads the link commands CMake generated,
# build.ninja for Ninja or link.txt for Makefiles, and, as a control that the
# search works, finds the kernel on the `ecsim` tool's link line.
# Usage: check-link-deps.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: check-link-deps.sh BUILD_DIR}

# The link command of app/NAME: its build statement and indented variables
# (LINK_LIBRARIES) in build.ninja, or link.txt.
link_line() {
  local name=$1
  if [[ -f $build/build.ninja ]]; then
    awk -v head="build app/$name:" 'index($0, head) == 1 { on = 1; print; next } on && /^  / { print; next } on { exit }' \
      "$build/build.ninja"
  elif [[ -f $build/app/CMakeFiles/$name.dir/link.txt ]]; then
    cat "$build/app/CMakeFiles/$name.dir/link.txt"
  fi
}

check=$(link_line ecsim-check)
tool=$(link_line ecsim)
if [[ -z $check || -z $tool ]]; then
  echo "no link command for app/ecsim-check or app/ecsim in $build (build.ninja or link.txt)" >&2
  exit 1
fi
if ! grep -q 'libecsim_sim\.a' <<<"$tool" || ! grep -q 'libecsim_history\.a' <<<"$check"; then
  echo "the link commands do not name the libraries as expected (libecsim_sim.a for ecsim, libecsim_history.a for ecsim-check):" >&2
  printf '%s\n---\n%s\n' "$check" "$tool" >&2
  exit 1
fi
status=0
for forbidden in 'libecsim_sim\.a' 'libecsim_analysis\.a' 'yaml-cpp'; do
  if grep -q "$forbidden" <<<"$check"; then
    echo "ecsim-check links ${forbidden//\\/}: it must need only ecsim::history" >&2
    status=1
  fi
done
[[ $status == 0 ]] && echo "ecsim-check links neither the kernel nor yaml-cpp"
exit $status
