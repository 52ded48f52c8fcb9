#pragma once
// Protocols and stores are chosen by name from the scenario. Modules are
// registered explicitly (no static constructors, DESIGN.md #11): to add a
// protocol, write it after gossip.cpp's pattern and add one line to
// register_protocols().
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocols/core/keyspace.hpp"
#include "protocols/core/replica_store.hpp"
#include "sim/protocol.hpp"
#include "sim/scenario.hpp"

namespace ecsim {

class ProtocolRegistry {
 public:
  using Enabled = std::function<bool(const Scenario&)>;
  using Factory = std::function<std::unique_ptr<Protocol>(const Scenario&, ReplicaStore&)>;

  void add(std::string name, Enabled enabled, Factory make);
  // The protocols the scenario enables, in registration order.
  std::vector<std::unique_ptr<Protocol>> instantiate(const Scenario& scenario, ReplicaStore& store) const;
  std::vector<std::string> names() const;

 private:
  struct Entry {
    std::string name;
    Enabled enabled;
    Factory make;
  };
  std::vector<Entry> entries_;
};

void register_protocols(ProtocolRegistry& registry);

// The replicated data type for store.type; throws std::invalid_argument for
// types that are not implemented yet.
std::unique_ptr<ReplicaStore> make_store(const Scenario& scenario, const WriteTable& writes);

}  // namespace ecsim
