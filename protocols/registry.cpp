#include "protocols/registry.hpp"

#include <stdexcept>

#include "protocols/gossip.hpp"
#include "protocols/lww_store.hpp"
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
      "replication", [](const Scenario& s) { return s.protocols.replication.has_value(); },
      [](const Scenario& s, ReplicaStore& store) {
        return std::make_unique<QuorumProtocol>(*s.protocols.replication, store, static_cast<std::uint32_t>(s.topology.nodes),
                                                /*clear_on_crash=*/!s.protocols.gossip.has_value());
      });
}

std::unique_ptr<ReplicaStore> make_store(const Scenario& scenario, const WriteTable& writes) {
  switch (scenario.store.type) {
    case StoreType::lww: return std::make_unique<LwwStore>(scenario, writes);
    case StoreType::mvregister: throw std::invalid_argument("store.type 'mvregister' is not implemented yet");
    case StoreType::gcounter: throw std::invalid_argument("store.type 'gcounter' is not implemented yet");
    case StoreType::pncounter: throw std::invalid_argument("store.type 'pncounter' is not implemented yet");
    case StoreType::orset: throw std::invalid_argument("store.type 'orset' is not implemented yet");
    case StoreType::cart: throw std::invalid_argument("store.type 'cart' is not implemented yet");
  }
  throw std::invalid_argument("unknown store.type");
}

}  // namespace ecsim
