#pragma once
#include "protocols/core/module.hpp"

namespace ecsim {

// The event_log module: its sections, metrics and run (module.cpp).
ModuleDef event_log_module();

}  // namespace ecsim
