// The composition root's one list of modules: every in-tree protocol and
// store is registered here, one line each.
#include <stdexcept>

#include "app/modules.hpp"

#include "protocols/cart/cart_store.hpp"
#include "protocols/clients/module.hpp"
#include "protocols/event_log/module.hpp"
#include "protocols/gossip/module.hpp"
#include "protocols/merkle/module.hpp"
#include "protocols/quorum/module.hpp"
#include "protocols/reconciliation/module.hpp"
#include "protocols/sagas/module.hpp"
#include "protocols/crdt/crdt_store.hpp"
#include "protocols/lww/lww_store.hpp"

namespace ecsim {

namespace {

ModuleRegistry make_builtin_modules() {
  ModuleRegistry r;
  // Replication protocols over the replica store (they start before the fault injector).
  r.add(gossip_module());
  r.add(merkle_module());
  r.add(quorum_module());
  // Applications (they start after it).
  r.add(clients_module());
  r.add(sagas_module());
  r.add(reconciliation_module());
  r.add(event_log_module());
  return r;
}

}  // namespace

const ModuleRegistry& builtin_modules() {
  static const ModuleRegistry registry = make_builtin_modules();
  return registry;
}

Scenario load_scenario_with_modules(const std::string& path, LoadOptions options) {
  options.sections = &builtin_modules().sections();
  return load_scenario(path, options);
}

std::string resolved_config_yaml(const Scenario& scenario) {
  return resolved_config_yaml(scenario, builtin_modules().sections());
}

std::unique_ptr<ReplicaStore> make_store(const Scenario& scenario, const WriteTable& writes) {
  switch (scenario.store.type) {
    case StoreType::lww: return std::make_unique<LwwStore>(scenario, writes);
    case StoreType::cart:
      if (scenario.store.cart_merge == CartMerge::union_max) return std::make_unique<UnionMaxCartStore>(scenario, writes);
      return std::make_unique<CrdtStore>(scenario, writes);
    case StoreType::mvregister:
    case StoreType::gcounter:
    case StoreType::pncounter:
    case StoreType::orset: return std::make_unique<CrdtStore>(scenario, writes);
  }
  throw std::invalid_argument("unknown store.type");
}

}  // namespace ecsim
