#pragma once
#include "protocols/core/module.hpp"

namespace ecsim {

// The merkle module: its sections, metrics and run (module.cpp).
ModuleDef merkle_module();

}  // namespace ecsim
