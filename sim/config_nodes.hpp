#pragma once
// Helpers for module configuration sections (sim/section.hpp): node and
// region names with "did you mean", times within the run, rates, and the
// resolved-config form of a node list. Includes yaml-cpp through
// sim/yaml_node.hpp: include only from a module's config .cpp file.
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim::detail {

// Node and region names of a scenario's topology, with the same messages as the core loader.
class NodeNames {
 public:
  NodeNames(const YamlReader& r, const Scenario& s) : r_(r), s_(s) {}
  std::string hint(bool regions_allowed) const;
  std::optional<NodeId> node(const std::string& name) const;
  const RegionSpec* region(const std::string& name) const;
  [[noreturn]] void unknown(const YamlValue& v, const std::string& name, bool regions_allowed) const;
  // One node by name.
  NodeId one(const YamlValue& v) const;
  // Node or region names (a region stands for its nodes), a name or a list; no duplicates.
  std::vector<NodeId> many(const YamlValue& v, bool regions_allowed = true) const;

 private:
  const YamlReader& r_;
  const Scenario& s_;
};

// Letters, digits, '_', '.', '-' (names end up in file names and CSV fields).
bool is_plain_name(const std::string& s);
// A time within the run: fails when after `duration`.
SimTime at_most_duration(const YamlReader& r, const YamlValue& v, const Scenario& s);
SimTime positive_duration(const YamlReader& r, const YamlValue& v);
double rate(const YamlReader& r, const YamlValue& v, bool allow_zero);
// Fails at the fault when a crash with lose_state hits one of `nodes`, whose
// state the section treats as durable (`what` says why).
void reject_lost_state(const Scenario& s, const std::vector<NodeId>& nodes, const std::string& what);
// A flow list of node names, for resolved-config writers.
void node_list(YAML::Emitter& e, const Scenario& s, const std::vector<NodeId>& nodes);

}  // namespace ecsim::detail
