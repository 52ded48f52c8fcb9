// The composition root's one list of modules: every in-tree protocol and
// store is registered here, one line each.
#include <stdexcept>

#include "protocols/cart/cart_store.hpp"
#include "protocols/crdt/crdt_store.hpp"
#include "protocols/gossip/gossip.hpp"
#include "protocols/lww/lww_store.hpp"
#include "protocols/merkle/merkle.hpp"
#include "protocols/quorum/quorum.hpp"
#include "protocols/core/registry.hpp"

namespace ecsim {

void register_protocols(ProtocolRegistry& registry) {
  registry.add(
      "gossip", [](const Scenario& s) { return s.protocols.gossip.has_value(); },
      [](const Scenario& s, ReplicaStore& store) { return std::make_unique<GossipProtocol>(*s.protocols.gossip, store); });
  registry.add(
      "merkle", [](const Scenario& s) { return s.protocols.merkle.has_value(); },
      [](const Scenario& s, ReplicaStore& store) {
        return std::make_unique<MerkleProtocol>(*s.protocols.merkle, store, static_cast<std::uint32_t>(s.topology.nodes));
      });
  registry.add(
      "replication", [](const Scenario& s) { return s.protocols.replication.has_value(); },
      [](const Scenario& s, ReplicaStore& store) {
        return std::make_unique<QuorumProtocol>(*s.protocols.replication, store, static_cast<std::uint32_t>(s.topology.nodes),
                                                /*clear_on_crash=*/!s.protocols.gossip.has_value());
      });
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
