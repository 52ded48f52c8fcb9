#pragma once
#include "protocols/core/module.hpp"

namespace ecsim {

// The rumor-mongering module: its section, metrics and run (module.cpp).
ModuleDef rumor_module();

}  // namespace ecsim
