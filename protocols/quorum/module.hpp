#pragma once
#include "protocols/core/module.hpp"

namespace ecsim {

// The quorum module: its sections, metrics and run (module.cpp).
ModuleDef quorum_module();

}  // namespace ecsim
