#pragma once
#include "protocols/core/module.hpp"

namespace ecsim {

// The reconciliation module: its sections, metrics and run (module.cpp).
ModuleDef reconciliation_module();

}  // namespace ecsim
