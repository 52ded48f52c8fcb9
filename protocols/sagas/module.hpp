#pragma once
#include "protocols/core/module.hpp"

namespace ecsim {

// The sagas module: its sections, metrics and run (module.cpp).
ModuleDef sagas_module();

}  // namespace ecsim
