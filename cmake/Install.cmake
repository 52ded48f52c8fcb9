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

# Man pages, made by help2man from the programs' own --help (cmake/make-man.sh:
# `ecsim --help` and every `ecsim COMMAND --help`), so they cannot drift from
# it; bash completion (app/completion/ecsim), which reads --help and `ecsim
# complete keys` at completion time.
find_program(HELP2MAN_EXECUTABLE help2man)
if(HELP2MAN_EXECUTABLE)
  set(ECSIM_MAN_DIR ${PROJECT_BINARY_DIR}/man)
  add_custom_command(OUTPUT ${ECSIM_MAN_DIR}/ecsim.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ECSIM_MAN_DIR}
    COMMAND ${PROJECT_SOURCE_DIR}/cmake/make-man.sh $<TARGET_FILE:ecsim> ${ECSIM_MAN_DIR}/ecsim.1
            "deterministic simulator for eventual-consistency protocols" run validate sweep explore analyze plot export
    DEPENDS ecsim ${PROJECT_SOURCE_DIR}/cmake/make-man.sh VERBATIM)
  add_custom_command(OUTPUT ${ECSIM_MAN_DIR}/ecsim-check.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ECSIM_MAN_DIR}
    COMMAND ${PROJECT_SOURCE_DIR}/cmake/make-man.sh $<TARGET_FILE:ecsim-check> ${ECSIM_MAN_DIR}/ecsim-check.1
            "count session-guarantee violations in a recorded history"
    DEPENDS ecsim-check ${PROJECT_SOURCE_DIR}/cmake/make-man.sh VERBATIM)
  add_custom_target(ecsim_man ALL DEPENDS ${ECSIM_MAN_DIR}/ecsim.1 ${ECSIM_MAN_DIR}/ecsim-check.1)
  install(FILES ${ECSIM_MAN_DIR}/ecsim.1 ${ECSIM_MAN_DIR}/ecsim-check.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found: no man pages (apt-get install help2man, or scripts/install-deps.sh)")
endif()
set(ECSIM_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${PROJECT_SOURCE_DIR}/app/completion/ecsim DESTINATION ${ECSIM_COMPLETION_DIR})
# bash-completion loads a completion by the command's name: the same file for ecsim-check.
install(FILES ${PROJECT_SOURCE_DIR}/app/completion/ecsim DESTINATION ${ECSIM_COMPLETION_DIR} RENAME ecsim-check)
include(${CMAKE_CURRENT_LIST_DIR}/Package.cmake)
