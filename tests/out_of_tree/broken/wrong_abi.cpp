// Test variant: a module library built for another module ABI version.
#include "protocols/core/plugin.hpp"

ECSIM_PLUGIN_EXPORT int ecsim_module_abi_version() { return ecsim::kEcsimModuleAbi + 1000; }
ECSIM_PLUGIN_EXPORT void ecsim_register_modules(ecsim::ModuleRegistry&) {}
