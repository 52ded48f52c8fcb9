#pragma once
#include "protocols/core/module.hpp"

namespace ecsim {

// The gossip module: its sections, metrics and run (module.cpp).
ModuleDef gossip_module();

}  // namespace ecsim
