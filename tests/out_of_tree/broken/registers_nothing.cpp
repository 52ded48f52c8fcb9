// Test variant: a module library that registers no module.
#include "protocols/core/plugin.hpp"

ECSIM_PLUGIN_EXPORT int ecsim_module_abi_version() { return ecsim::kEcsimModuleAbi; }
ECSIM_PLUGIN_EXPORT void ecsim_register_modules(ecsim::ModuleRegistry&) {}
