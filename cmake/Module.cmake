# ecsim_module(NAME [DEPENDS dep...]): one protocol module = one folder = one
# static library `ecsim_<NAME>` (alias `ecsim::<NAME>`) built from the
# folder's .cpp files, linked to the kernel and to the modules it names.
function(ecsim_module name)
  cmake_parse_arguments(M "" "" "DEPENDS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(ecsim_${name} STATIC ${sources})
  add_library(ecsim::${name} ALIAS ecsim_${name})
  target_include_directories(ecsim_${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
  target_link_libraries(ecsim_${name} PUBLIC ecsim::sim PRIVATE yaml-cpp fmt::fmt)
  foreach(dep IN LISTS M_DEPENDS)
    target_link_libraries(ecsim_${name} PUBLIC ecsim::${dep})
  endforeach()
  ecsim_target_defaults(ecsim_${name})
endfunction()
