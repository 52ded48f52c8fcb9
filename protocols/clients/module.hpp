#pragma once
#include "protocols/core/module.hpp"

namespace ecsim {

// The clients module: scripted ops and the workload generator, run on every
// scenario (module.cpp).
ModuleDef clients_module();

}  // namespace ecsim
