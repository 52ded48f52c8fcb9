#include "protocols/core/registry.hpp"

#include <stdexcept>


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

}  // namespace ecsim
