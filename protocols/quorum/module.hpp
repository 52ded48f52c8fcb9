#pragma once
#include <memory>

#include "analysis/observations.hpp"
#include "protocols/core/module.hpp"

namespace ecsim {

// The quorum module: its sections, metrics and run (module.cpp).
ModuleDef quorum_module();

// Partial replication (replication.n < nodes): each key's replicas as the
// quorum module places them, by key name as the traces spell it (workload
// keys "k<i>"; other names as a run interns them, in order of first use).
// nullptr when the scenario replicates every key everywhere.
std::unique_ptr<KeyPlacement> quorum_placement(const Scenario& scenario);

}  // namespace ecsim
