// Test variant: a library without ecsim_register_modules().
#include "protocols/core/plugin.hpp"

ECSIM_PLUGIN_EXPORT int ecsim_module_abi_version() { return ecsim::kEcsimModuleAbi; }
