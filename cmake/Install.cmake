# `cmake --install`: the `ecsim` and `ecsim-check` executables, the headers an
# out-of-tree module compiles against (the kernel's sim/*.hpp,
# protocols/core/*.hpp and analysis/observations.hpp, under include/ecsim/) and the CMake package
# (find_package(ecsim): targets ecsim::ecsim, the executable, and
# ecsim::plugin, for building a module library). docs/OUT_OF_TREE_MODULES.md.
#
# No static library is installed: a module library must not carry a second
# copy of the kernel; it resolves the kernel's symbols against the executable,
# which exports them (app/CMakeLists.txt).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS ecsim ecsim_plugin EXPORT ecsimTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ecsim-check RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sim/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ecsim/sim
        FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/protocols/core/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ecsim/protocols/core
        FILES_MATCHING PATTERN "*.hpp")
# The replica observation vocabulary the store interface reports with (header-only).
install(FILES ${PROJECT_SOURCE_DIR}/analysis/observations.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ecsim/analysis)

set(ECSIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ecsim)
install(EXPORT ecsimTargets NAMESPACE ecsim:: DESTINATION ${ECSIM_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ecsimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ecsimConfig.cmake INSTALL_DESTINATION ${ECSIM_CMAKE_DIR})
# Module libraries are checked at load time (kEcsimModuleAbi); the package
# version only has to match for the headers' API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ecsimConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ecsimConfig.cmake ${PROJECT_BINARY_DIR}/ecsimConfigVersion.cmake
        DESTINATION ${ECSIM_CMAKE_DIR})
