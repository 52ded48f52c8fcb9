#pragma once
// The composition root's module list (app/modules.cpp), the out-of-tree
// modules a scenario loads (`modules:`) and the store factory.
#include <memory>

#include "protocols/core/module.hpp"
#include "protocols/core/replica_store.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_loader.hpp"

namespace ecsim {

// Every in-tree module, registered once per process (immutable afterwards).
const ModuleRegistry& builtin_modules();

// The modules the scenario file at `path` runs with: every in-tree module,
// then those of the shared libraries its top-level `modules:` key lists
// (protocols/core/plugin.hpp), paths relative to the file's folder. Reads
// only that key, before the loader reads the rest: the loader needs the
// modules' sections (LoadOptions::sections). A file that cannot be read or
// parsed, or a malformed `modules:`, gives the in-tree modules: the loader
// then reports the problem.
//
// Throws ScenarioError at the `modules:` entry (file:line:col) when a library
// is missing, fails to load (dlerror), lacks ecsim_module_abi_version or
// ecsim_register_modules, was built for another kEcsimModuleAbi, registers
// no module, or registers one whose name, sections or metrics clash with
// another's; and at the --set argument when `options` overrides `modules`.
//
// A library is loaded once per process and never unloaded; the registry is
// built once per list of libraries and lives until exit (thread-safe).
const ModuleRegistry& scenario_modules(const std::string& path, const LoadOptions& options = {});

// The registry a loaded scenario runs with: the one scenario_modules gave
// for its file (the same object), from Scenario::modules; the in-tree
// modules when it lists none.
const ModuleRegistry& modules_of(const Scenario& scenario);

// load_scenario with the sections of scenario_modules(path, options).
Scenario load_scenario_with_modules(const std::string& path, LoadOptions options = {});
// resolved_config_yaml with the sections of modules_of(scenario).
std::string resolved_config_yaml(const Scenario& scenario);

// The replicated data type for store.type.
std::unique_ptr<ReplicaStore> make_store(const Scenario& scenario, const WriteTable& writes);

}  // namespace ecsim
