#include "protocols/registry.hpp"

#include <stdexcept>

#include "protocols/cart_store.hpp"
#include "protocols/crdt_store.hpp"
#include "protocols/gossip.hpp"
#include "protocols/lww_store.hpp"
#include "protocols/merkle.hpp"
#include "protocols/quorum.hpp"

namespace ecsim {

void ProtocolRegistry::add(std::string name, Enabled enabled, Factory make) {
  entries_.push_back(Entry{std::move(name), std::move(enabled), std::move(make)});
}

std::vector<std::unique_ptr<Protocol>> ProtocolRegistry::instantiate(const Scenario& scenario, ReplicaStore& store) const {
  std::vector<std::unique_ptr<Protocol>> out;
  for (const Entry& e : entries_)
    if (e.enabled(scenario)) out.push_back(e.make(scenario, store));
  return out;
}

std::vector<std::string> ProtocolRegistry::names() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.name);
  return out;
}

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
