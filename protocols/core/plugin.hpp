#pragma once
// Out-of-tree modules (docs/OUT_OF_TREE_MODULES.md): a shared library that a
// scenario names under `modules:` and that registers one or more modules with
// the same ModuleDef an in-tree module gives app/modules.cpp.
//
//   #include "protocols/core/plugin.hpp"
//   ECSIM_PLUGIN_EXPORT int ecsim_module_abi_version() { return ecsim::kEcsimModuleAbi; }
//   ECSIM_PLUGIN_EXPORT void ecsim_register_modules(ecsim::ModuleRegistry& r) { r.add(my_module()); }
//
// The library is built against the installed headers (find_package(ecsim),
// target ecsim::plugin) and links none of ecsim's libraries: the `ecsim`
// executable exports the kernel's and protocols/core's symbols, and the
// library uses those, so there is one kernel per process.
#include "protocols/core/module.hpp"

namespace ecsim {

// The version of the binary interface between the `ecsim` executable and a
// module library: the layout and meaning of the types in the installed
// headers (sim/*.hpp, protocols/core/*.hpp) that cross the boundary. Bump it
// on any change to them that an already-built library would misread; the
// app refuses a library built for another version.
inline constexpr int kEcsimModuleAbi = 1;

}  // namespace ecsim

#define ECSIM_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

// The two functions a module library defines (the app looks them up by name).
// The version the library was built for: return ecsim::kEcsimModuleAbi.
ECSIM_PLUGIN_EXPORT int ecsim_module_abi_version();
// Adds the library's modules to `registry` (ModuleRegistry::add); it must add
// at least one. Called once per process, after the version check.
ECSIM_PLUGIN_EXPORT void ecsim_register_modules(ecsim::ModuleRegistry& registry);
