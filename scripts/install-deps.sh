#!/usr/bin/env bash
# Installs ecsim's build and run dependencies from Debian packages (run as root).
# Only installs what is missing; safe to run repeatedly.
set -euo pipefail
# Boost's header-only parts (Boost.Math: analysis/stats.cpp) come with the Boost
# headers package (libboost1.74-dev) that the two Boost -dev packages depend on.
packages=(build-essential cmake ninja-build pkg-config
          clang  # the second compiler of scripts/test.sh (tests/scripts/compare-clang-hashes.sh)
          libboost-graph-dev libboost-program-options-dev libyaml-cpp-dev libfmt-dev
          catch2 libfccp-dev gnuplot-nox parallel
          nlohmann-json3-dev  # ecsim run --format json
          libxml2-utils       # xmllint: the JUnit reports are validated against tests/data/junit/junit-10.xsd
          help2man            # the man pages, from --help (cmake/make-man.sh)
          file                # CPack DEB (dpkg-shlibdeps) for the package test (cmake/Package.cmake)
          man-db              # man (and col, via bsdextrautils): the man pages' test (tests/scripts/test-man-pages.sh)
          bash-completion     # the completion's test (tests/scripts/test-completion.sh)
          python3             # the docs test (tests/scripts/check-doc-commands.py, CTest docs.commands)
          slurm-wlm munge)  # slurm-wlm, munge: the Slurm sweep test (tests/scripts/test-sweep-slurm.sh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ecsim: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
