#pragma once
// The composition root's module list (app/modules.cpp) and the store factory.
#include <memory>

#include "protocols/core/module.hpp"
#include "protocols/core/replica_store.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_loader.hpp"

namespace ecsim {

// Every in-tree module, registered once per process (immutable afterwards).
const ModuleRegistry& builtin_modules();

// load_scenario with the sections of every in-tree module.
Scenario load_scenario_with_modules(const std::string& path, LoadOptions options = {});
// resolved_config_yaml with the sections of every in-tree module.
std::string resolved_config_yaml(const Scenario& scenario);

// The replicated data type for store.type.
std::unique_ptr<ReplicaStore> make_store(const Scenario& scenario, const WriteTable& writes);

}  // namespace ecsim
