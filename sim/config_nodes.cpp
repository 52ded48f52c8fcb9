// Helpers for module configuration sections (sim/config_nodes.hpp).
#include "sim/config_nodes.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "sim/scenario_loader.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"

namespace ecsim::detail {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

}  // namespace

bool is_plain_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && std::all_of(s.begin(), s.end(), is_name_char);
}

std::string NodeNames::hint(bool regions_allowed) const {
  const TopologySpec& t = s_.topology;
  auto range = [](const std::string& a, const std::string& b) { return a == b ? a : a + ".." + b; };
  std::string nodes;
  if (t.regions.empty()) {
    nodes = range(t.node_names.front(), t.node_names.back());
  } else {
    std::vector<std::string> parts;
    for (const auto& reg : t.regions)
      parts.push_back(range(t.node_names[reg.first_node], t.node_names[reg.first_node + static_cast<NodeId>(reg.nodes) - 1]));
    nodes = join(parts);
  }
  if (!regions_allowed || t.regions.empty()) return "(nodes are " + nodes + ")";
  std::vector<std::string> regions;
  for (const auto& reg : t.regions) regions.push_back(reg.name);
  return "(regions are " + join(regions) + "; nodes are " + nodes + ")";
}

std::optional<NodeId> NodeNames::node(const std::string& name) const {
  const auto& names = s_.topology.node_names;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<NodeId>(i);
  return std::nullopt;
}
const RegionSpec* NodeNames::region(const std::string& name) const {
  for (const auto& reg : s_.topology.regions)
    if (reg.name == name) return &reg;
  return nullptr;
}

void NodeNames::unknown(const YamlValue& v, const std::string& name, bool regions_allowed) const {
  std::vector<std::string> candidates = s_.topology.node_names;
  if (regions_allowed)
    for (const auto& reg : s_.topology.regions) candidates.push_back(reg.name);
  std::string best = closest_name(name, candidates);
  auto strip = [](std::string x) {
    while (!x.empty() && x.back() >= '0' && x.back() <= '9') x.pop_back();
    return x;
  };
  if (!best.empty() && strip(best) == strip(name)) best.clear();  // "n9" -> "n0" is noise
  const bool regions = regions_allowed && !s_.topology.regions.empty();
  r_.fail(v, fmt::format("unknown {} '{}' in {} {}{}", regions ? "node or region" : "node", name, v.path,
                         hint(regions_allowed), best.empty() ? "" : " (did you mean '" + best + "'?)"));
}

NodeId NodeNames::one(const YamlValue& v) const {
  const std::string name = r_.scalar(v, "a node name");
  if (auto id = node(name)) return *id;
  if (region(name)) r_.fail(v, fmt::format("'{}' is a region; {} needs a single node {}", name, v.path, hint(false)));
  unknown(v, name, false);
}

std::vector<NodeId> NodeNames::many(const YamlValue& v, bool regions_allowed) const {
  std::vector<NodeId> out;
  const auto items = r_.scalar_or_list(v);
  if (items.empty()) r_.fail(v, fmt::format("{}: expected at least one node name", v.path));
  for (const auto& item : items) {
    const std::string name = r_.scalar(item, "a node name");
    std::vector<NodeId> ids;
    if (const RegionSpec* reg = regions_allowed ? region(name) : nullptr) {
      for (int i = 0; i < reg->nodes; ++i) ids.push_back(reg->first_node + static_cast<NodeId>(i));
    } else if (auto id = node(name)) {
      ids.push_back(*id);
    } else {
      unknown(item, name, regions_allowed);
    }
    for (NodeId id : ids)
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

SimTime at_most_duration(const YamlReader& r, const YamlValue& v, const Scenario& s) {
  const SimTime t = r.duration(v);
  if (t > s.duration_ns)
    r.fail(v, fmt::format("{} ({}) is after duration {}", v.path, format_duration(t), format_duration(s.duration_ns)));
  return t;
}

SimTime positive_duration(const YamlReader& r, const YamlValue& v) {
  const SimTime t = r.duration(v);
  if (t <= 0) r.fail(v, fmt::format("{} must be positive, got {}", v.path, v.node.Scalar()));
  return t;
}

double rate(const YamlReader& r, const YamlValue& v, bool allow_zero) {
  const double x = r.rate_per_s(v);
  if (!allow_zero && !(x > 0)) r.fail(v, fmt::format("{} must be positive, got {}", v.path, v.node.Scalar()));
  return x;
}

void reject_lost_state(const Scenario& s, const std::vector<NodeId>& nodes, const std::string& what) {
  for (const FaultSpec& f : s.faults) {
    if (f.kind != FaultSpec::Kind::crash || !f.lose_state) continue;
    if (std::find(nodes.begin(), nodes.end(), f.node) == nodes.end()) continue;
    throw ScenarioError(s.source_file, f.pos.line, f.pos.column,
                        fmt::format("crash of {} with lose_state: true is not modelled: {} (use lose_state: false)",
                                    s.topology.node_names[f.node], what));
  }
}

void node_list(YAML::Emitter& e, const Scenario& s, const std::vector<NodeId>& nodes) {
  e << YAML::Flow << YAML::BeginSeq;
  for (NodeId n : nodes) e << s.topology.node_names[n];
  e << YAML::EndSeq;
}

}  // namespace ecsim::detail
