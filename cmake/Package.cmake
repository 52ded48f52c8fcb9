# The Debian package (CPack): `cpack -G DEB` in a build folder writes
# ecsim_<version>_amd64.deb with everything `cmake --install` installs
# (cmake/Install.cmake: the programs, man pages, bash completion, headers and
# the CMake package for out-of-tree modules) under /usr, plus the example
# scenarios in /usr/share/ecsim/scenarios and the docs in /usr/share/doc/ecsim.
# The libraries it needs at run time come from dpkg-shlibdeps.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ecsim/scenarios)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ecsim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "deterministic discrete-event simulator for eventual-consistency protocols")
set(CPACK_PACKAGE_DESCRIPTION
    "ecsim runs scenarios (YAML) of replicated stores under partitions, loss, clock skew and crashes on a seeded \
event-loop kernel and measures convergence, session-guarantee violations and lost writes; sweeps, JUnit and JSON \
reports for CI, ecsim-check for recorded histories, headers for out-of-tree modules.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # ecsim_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "ecsim developers <ecsim@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# `ecsim plot` runs gnuplot; an out-of-tree module compiles against the headers of fmt and yaml-cpp.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnuplot-nox")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libfmt-dev, libyaml-cpp-dev, cmake, g++")
include(CPack)
