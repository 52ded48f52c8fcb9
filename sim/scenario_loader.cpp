// Scenario loader: YAML file (+ --set overrides) -> validated Scenario, and
// the resolved configuration back to YAML. It reads the kernel's sections and
// hands the others to the modules that declared them (sim/section.hpp); the
// format is documented in docs/SCENARIO_REFERENCE.md.
#include "sim/scenario_loader.hpp"
#include "sim/config_distribution.hpp"
#include "sim/config_nodes.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
// fast-cpp-csv-parser's error class copies file names with strncpy, which
// GCC 12 flags (harmlessly: the buffer is terminated by hand afterwards).
#pragma GCC diagnostic push
#ifndef __clang__  // a GCC-only warning; Clang would warn about the unknown option
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <libfccp/csv.h>
#pragma GCC diagnostic pop
#include <yaml-cpp/yaml.h>

#include "sim/did_you_mean.hpp"
#include "sim/strings.hpp"
#include "sim/units.hpp"
#include "sim/yaml_node.hpp"
#include "sim/yaml_path.hpp"

namespace ecsim {

namespace {

std::string format_error(const std::string& file, int line, int column, const std::string& what) {
  if (line <= 0) return fmt::format("{}: error: {}", file, what);
  if (column <= 0) return fmt::format("{}:{}: error: {}", file, line, what);
  return fmt::format("{}:{}:{}: error: {}", file, line, column, what);
}

}  // namespace

ScenarioError::ScenarioError(std::string file, int line, int column, const std::string& what)
    : std::runtime_error(format_error(file, line, column, what)),
      file_(std::move(file)),
      line_(line),
      column_(column) {}

namespace {

using detail::MapField;
using detail::Quantity;
using detail::read_distribution;
using detail::write_distribution;
using detail::kMaxNodes;
using detail::name_of;
using detail::names_of;
using detail::Named;
using detail::pick;
using detail::is_plain_name;
using detail::MapReader;
using detail::YamlReader;
using detail::YamlValue;

// ---------------------------------------------------------------------------
// Names of enum values, shared by the parser and the resolved-config writer.

constexpr Named<StopMode> kStopModes[] = {
    {"duration", StopMode::duration}, {"quiescent", StopMode::quiescent}, {"converged", StopMode::converged}};
constexpr Named<GraphKind> kGraphKinds[] = {
    {"complete", GraphKind::complete},       {"ring", GraphKind::ring},
    {"star", GraphKind::star},               {"erdos_renyi", GraphKind::erdos_renyi},
    {"small_world", GraphKind::small_world}, {"file", GraphKind::file}};


const std::vector<std::string> kSessionGuarantees = {"ryw", "mr", "mw", "wfr"};
const std::vector<std::string> kTraceNames = {"events", "ops", "applied", "convergence", "staleness", "violations", "summary"};


std::string strip_trailing_digits(const std::string& s) {
  std::size_t n = s.size();
  while (n > 0 && s[n - 1] >= '0' && s[n - 1] <= '9') --n;
  return s.substr(0, n);
}

// What a distribution's values are: durations that must not be negative
// (latency, think time), signed durations (clock skew), or plain numbers (drift).


// ---------------------------------------------------------------------------

class Loader {
 public:
  Loader(std::string path, const LoadOptions& options)
      : path_(std::move(path)), options_(options), sections_(options.sections ? *options.sections : no_sections()),
        r_(path_), base_dir_(std::filesystem::path(path_).parent_path()) {}

  Scenario load();

 private:
  YAML::Node read_file();
  void apply_overrides(YAML::Node root);
  void note_override_path(const YAML::Node& root, const std::vector<std::string>& segs, int ordinal,
                          const std::vector<int>& seg_columns, int value_column, const std::string& text);
  void note_override_subtree(const YAML::Node& node, int ordinal, int column, const std::string& text);

  void top_level(const MapReader& top);
  void topology(const YamlValue& v);
  int node_count(const YamlValue& v, int before) const;
  void region_list(const YamlValue& v);
  void check_node_memory(const YamlValue& v) const;
  void graph(const YamlValue& v);
  void graph_params(GraphKind kind, const MapReader& m, const std::string& type_key);
  void edges_file(const YamlValue& file_value);
  void links(const YamlValue& v);
  void network(const YamlValue& v);
  void clocks(const YamlValue& v);
  void replicas(const YamlValue& v);
  Distribution service_time(const YamlValue& v, const std::string& what);
  void protocols(const YamlValue& v);
  void module_section(const SectionDef& def, const YamlValue& v);
  void top_level_sections(const MapReader& top);
  void faults(const YamlValue& v);
  void choices(const YamlValue& v);
  FaultSpec fault(const YamlValue& v);
  std::pair<FaultSpec::Kind, YamlValue> fault_kind(const MapReader& m, const YamlValue& v);
  SimTime fault_until(const YamlValue& u, SimTime at_ns);
  void partition_fault(FaultSpec& fs, const MapReader& m, const YamlValue& x);
  void flapping_fault(FaultSpec& fs, const YamlValue& x);
  void checks(const std::optional<YamlValue>& v);
  void output(const std::optional<YamlValue>& v);

  Distribution distribution(const YamlValue& v, Quantity q, const std::string& what) {
    return read_distribution(r_, v, q, what, base_dir_);
  }

  NodeId node_ref(const YamlValue& v, const std::string& where);
  std::vector<NodeId> members(const YamlValue& v, const std::string& where);
  std::optional<NodeId> lookup_node(const std::string& text) const;
  [[noreturn]] void unknown_node(const YamlValue& v, const std::string& name, const std::string& where,
                                 bool regions_allowed);
  std::string nodes_hint(bool regions_allowed) const;
  std::string suggest_node(const std::string& name, bool regions_allowed) const;
  std::filesystem::path resolve(const std::string& file) const;
  SimTime at_within_duration(const YamlValue& v, const std::string& what) {
    const SimTime at = r_.duration(v);
    if (at > s_.duration_ns)
      r_.fail(v, fmt::format("{} at {} is after duration {}", what, format_duration(at), format_duration(s_.duration_ns)));
    return at;
  }

  static const SectionTable& no_sections() {
    static const SectionTable none;
    return none;
  }

  std::string path_;
  LoadOptions options_;
  const SectionTable& sections_;
  YamlReader r_;
  std::filesystem::path base_dir_;
  Scenario s_;
  std::map<std::string, int> region_ids_;
};


// ---------------------------------------------------------------------------
// File and --set overrides

YAML::Node Loader::read_file() {
  if (options_.text) return detail::parse_one_document(*options_.text, path_, "scenario file");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec))
    throw ScenarioError(path_, 0, 0,
                        fmt::format("scenario file not found (looked in {})",
                                    std::filesystem::absolute(path_, ec).lexically_normal().string()));
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw ScenarioError(path_, 0, 0, "cannot open scenario file");
  std::stringstream text;
  text << in.rdbuf();
  return detail::parse_one_document(text.str(), path_, "scenario file");
}

void Loader::apply_overrides(YAML::Node root) {
  for (std::size_t i = 0; i < options_.overrides.size(); ++i) {
    const std::string& text = options_.overrides[i];
    const int ordinal = static_cast<int>(i + 1);
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ScenarioError("--set", ordinal, 1, fmt::format("expected --set path=value (e.g. network.loss=0.1), got '{}'", text));
    const std::string dotted = text.substr(0, eq);
    const std::string value_text = text.substr(eq + 1);
    std::vector<std::string> segs;
    std::vector<int> seg_columns;
    try {
      segs = split_yaml_path(dotted);
    } catch (const std::invalid_argument& e) {
      throw ScenarioError("--set", ordinal, 1, fmt::format("{} (in --set {})", e.what(), text));
    }
    for (std::size_t pos = 0, k = 0; k < segs.size(); pos += segs[k].size() + 1, ++k)
      seg_columns.push_back(static_cast<int>(pos + 1));
    const int value_column = static_cast<int>(eq + 2);
    YAML::Node value;
    try {
      value = YAML::Load(value_text);
    } catch (const YAML::ParserException& e) {
      throw ScenarioError("--set", ordinal, value_column + (e.mark.line == 0 ? e.mark.column : 0),
                          fmt::format("malformed YAML value: {} (in --set {})", e.msg, text));
    }
    try {
      set_yaml_path(root, dotted, value);
    } catch (const std::invalid_argument& e) {
      throw ScenarioError("--set", ordinal, 1, fmt::format("{} (in --set {})", e.what(), text));
    }
    note_override_path(root, segs, ordinal, seg_columns, value_column, text);
  }
}

// Remembers which nodes the override created, so that errors about them
// point at the --set argument instead of a meaningless file position.
void Loader::note_override_path(const YAML::Node& root, const std::vector<std::string>& segs, int ordinal,
                                const std::vector<int>& seg_columns, int value_column, const std::string& text) {
  YAML::Node cur;
  cur.reset(root);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const bool last = i + 1 == segs.size();
    YAML::Node next;
    if (cur.IsSequence()) {
      next.reset(cur[std::stoul(segs[i])]);
    } else {
      for (auto it = cur.begin(); it != cur.end(); ++it) {
        if (!it->first.IsScalar() || it->first.Scalar() != segs[i]) continue;
        if (it->first.Mark().is_null()) r_.note_override_node(it->first, ordinal, seg_columns[i], text);
        next.reset(it->second);
      }
    }
    if (last) {
      note_override_subtree(next, ordinal, value_column, text);
    } else if (next.Mark().is_null()) {
      r_.note_override_node(next, ordinal, seg_columns[i], text);  // a map the override created
    }
    cur.reset(next);
  }
}

void Loader::note_override_subtree(const YAML::Node& node, int ordinal, int column, const std::string& text) {
  const YAML::Mark m = node.Mark();
  r_.note_override_node(node, ordinal, column + (!m.is_null() && m.line == 0 ? m.column : 0), text);
  if (node.IsSequence()) {
    for (const auto& item : node) note_override_subtree(item, ordinal, column, text);
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      note_override_subtree(it->first, ordinal, column, text);
      note_override_subtree(it->second, ordinal, column, text);
    }
  }
}

// ---------------------------------------------------------------------------

Scenario Loader::load() {
  YAML::Node root = read_file();
  if (root.IsNull() && options_.overrides.empty()) throw ScenarioError(path_, 1, 1, "scenario file is empty: expected a map of sections (name:, seed:, topology:, ...)");
  if (!root.IsNull() && !root.IsMap()) {
    // Checked before overrides: set_yaml_path needs a map to descend into.
    r_.fail(root, "a scenario file is a map of keys (name:, seed:, topology:, ...), got " + YamlReader::describe(root));
  }
  // A fresh map to hold --set values; reset, since '=' would write through.
  if (root.IsNull()) root.reset(YAML::Node(YAML::NodeType::Map));
  apply_overrides(root);
  s_.source_file = path_;
  const MapReader top(r_, YamlValue{root, YAML::Node(), false, ""});
  std::vector<std::string> keys = {"modules", "name", "seed", "duration", "stop", "topology", "network", "replicas", "clocks",
                                   "protocols", "faults", "choices", "checks", "output"};
  for (const SectionDef& d : sections_)
    if (!d.is_protocol()) keys.push_back(d.path);
  top.allow(keys);
  top_level(top);
  return std::move(s_);
}

void Loader::top_level(const MapReader& top) {
  // Loaded by the app before this file (app/modules.cpp); here only checked
  // and kept, resolved against the scenario's folder.
  if (auto v = top.get("modules"))
    for (const YamlValue& item : r_.list(*v)) {
      const std::string file = r_.scalar(item, "the path of a module's shared library");
      if (file.empty()) r_.fail(item, fmt::format("{}: expected the path of a module's shared library, got ''", item.path));
      s_.modules.push_back(std::filesystem::absolute(resolve(file)).lexically_normal().string());
    }
  const YamlValue name = top.require("name");
  s_.name = r_.scalar(name, "a name");
  if (!is_plain_name(s_.name))
    r_.fail(name, fmt::format("name must contain only letters, digits, '_', '.' and '-' (it is used in file names), got '{}'",
                              s_.name));
  if (options_.seed) {
    s_.seed = *options_.seed;
    if (auto seed = top.get("seed")) r_.unsigned64(*seed);  // still validated
  } else {
    s_.seed = r_.unsigned64(top.require("seed"));
  }
  if (auto d = top.get("duration")) {
    s_.duration_ns = r_.duration(*d);
    if (s_.duration_ns <= 0) r_.fail(*d, "duration must be positive");
  }
  if (auto stop = top.get("stop")) s_.stop = pick(r_, *stop, kStopModes);

  const auto topo = top.get("topology");
  if (!topo) r_.fail(top.self(), "missing required key 'topology' at the top level (e.g. topology: {nodes: 5})");
  topology(*topo);
  if (auto v = top.get("network")) network(*v);
  if (auto v = top.get("replicas")) replicas(*v);
  if (auto v = top.get("clocks")) clocks(*v);
  if (auto v = top.get("protocols")) protocols(*v);
  if (auto v = top.get("faults")) faults(*v);
  if (auto v = top.get("choices")) choices(*v);
  top_level_sections(top);
  checks(top.get("checks"));
  output(top.get("output"));
}

// ---------------------------------------------------------------------------
// Topology

void Loader::topology(const YamlValue& v) {
  const MapReader t(r_, v);
  t.allow({"nodes", "regions", "graph", "latency", "links"});
  TopologySpec& topo = s_.topology;
  const auto nodes = t.get("nodes");
  const auto regions = t.get("regions");
  if (nodes && regions)
    r_.fail_key(*regions, "topology: give either nodes or regions, not both (with regions the node count is their sum)");
  if (!nodes && !regions) r_.fail(v, "topology needs 'nodes: N' or 'regions: [{name: ..., nodes: N}, ...]'");

  if (nodes) {
    topo.nodes = node_count(*nodes, 0);
    check_node_memory(*nodes);
    topo.node_names.reserve(static_cast<std::size_t>(topo.nodes));
    topo.node_region.reserve(static_cast<std::size_t>(topo.nodes));
    for (int i = 0; i < topo.nodes; ++i) {
      topo.node_names.push_back("n" + std::to_string(i));
      topo.node_region.push_back(0);
    }
  } else {
    region_list(*regions);
    check_node_memory(*regions);
    topo.node_names.reserve(static_cast<std::size_t>(topo.nodes));
    topo.node_region.reserve(static_cast<std::size_t>(topo.nodes));
    for (std::size_t r = 0; r < topo.regions.size(); ++r)
      for (int i = 0; i < topo.regions[r].nodes; ++i) {
        topo.node_names.push_back(topo.regions[r].name + "-" + std::to_string(i));
        topo.node_region.push_back(static_cast<int>(r));
      }
  }
  for (std::size_t i = 0; i < topo.regions.size(); ++i) region_ids_[topo.regions[i].name] = static_cast<int>(i);
  for (const RegionSpec& region : topo.regions) {
    // "a" with 2 nodes names a node "a-1"; a region called "a-1" would be ambiguous.
    if (const auto id = lookup_node(region.name))
      r_.fail(regions->node, fmt::format("region name '{}' is also the name of a node of region '{}'", region.name,
                                         topo.regions[static_cast<std::size_t>(topo.node_region[*id])].name));
  }

  if (auto g = t.get("graph")) graph(*g);
  if (auto lat = t.get("latency")) topo.latency = distribution(*lat, Quantity::latency, "latency");
  if (auto l = t.get("links")) links(*l);
}

// A node count (topology.nodes, a region's nodes) that brings the topology
// from `before` nodes to at most kMaxNodes.
int Loader::node_count(const YamlValue& v, int before) const {
  const std::int64_t n = r_.integer(v, 1, std::numeric_limits<std::int64_t>::max());
  if (before + n > kMaxNodes)
    r_.fail(v, fmt::format("a topology has at most {} nodes ({}); {} gives {}", kMaxNodes, detail::kMaxNodesWhy, v.path,
                           before + n));
  return static_cast<int>(n);
}

// The regions, their node counts summed into topology.nodes; not yet expanded into nodes.
void Loader::region_list(const YamlValue& v) {
  TopologySpec& topo = s_.topology;
  const auto items = r_.list(v);
  if (items.empty()) r_.fail(v, "topology.regions must list at least one region");
  std::map<std::string, SourcePos> seen;
  for (const auto& item : items) {
    const MapReader rm(r_, item);
    rm.allow({"name", "nodes"});
    const YamlValue name_v = rm.require("name");
    RegionSpec region;
    region.name = r_.scalar(name_v, "a region name");
    if (!is_plain_name(region.name))
      r_.fail(name_v, fmt::format("region names may contain only letters, digits, '_', '.' and '-', got '{}'", region.name));
    if (auto it = seen.find(region.name); it != seen.end())
      r_.fail(name_v, fmt::format("duplicate region name '{}' (first given on line {})", region.name, it->second.line));
    seen[region.name] = r_.position(name_v.node);
    region.nodes = node_count(rm.require("nodes"), topo.nodes);
    region.first_node = static_cast<NodeId>(topo.nodes);
    topo.nodes += region.nodes;
    topo.regions.push_back(region);
  }
}

// Before the nodes are created (their names alone take memory): the caller's
// check of the node count (ecsim run: the memory estimate), reported at v.
void Loader::check_node_memory(const YamlValue& v) const {
  if (!options_.check_nodes) return;
  if (const auto refusal = options_.check_nodes(s_.topology.nodes)) r_.fail(v, *refusal);
}

void Loader::graph(const YamlValue& v) {
  TopologySpec& topo = s_.topology;
  if (v.node.IsScalar()) {
    topo.graph = pick(r_, v, kGraphKinds);
    if (topo.graph == GraphKind::erdos_renyi) r_.fail(v, "graph erdos_renyi needs p: graph: {erdos_renyi: {p: 0.1}}");
    if (topo.graph == GraphKind::small_world) r_.fail(v, "graph small_world needs k and p: graph: {small_world: {k: 4, p: 0.1}}");
    if (topo.graph == GraphKind::file) r_.fail(v, "graph file needs a path: graph: {file: edges.csv}");
    return;
  }
  const MapReader m(r_, v);
  if (auto type = m.get("type")) {
    // Flat spelling: {type: small_world, k: 4, p: 0.1}.
    topo.graph = pick(r_, *type, kGraphKinds);
    graph_params(topo.graph, m, "type");
    return;
  }
  // Nested spelling: {small_world: {k: 4, p: 0.1}}, {file: edges.csv}.
  std::vector<std::string> kinds = names_of(kGraphKinds);
  kinds.emplace_back("type");
  m.allow(kinds);
  if (m.fields().size() != 1)
    r_.fail(v, "graph: give exactly one graph kind, e.g. graph: {erdos_renyi: {p: 0.1}}");
  const MapField& f = m.fields().front();
  topo.graph = pick(r_, YamlValue{f.value.key, YAML::Node(), false, v.path}, kGraphKinds);
  if (topo.graph == GraphKind::file) {
    edges_file(f.value);
    return;
  }
  graph_params(topo.graph, MapReader(r_, f.value), "");
}

void Loader::graph_params(GraphKind kind, const MapReader& m, const std::string& type_key) {
  TopologySpec& topo = s_.topology;
  std::vector<std::string> keys;
  if (!type_key.empty()) keys.push_back(type_key);
  switch (kind) {
    case GraphKind::complete:
    case GraphKind::ring:
    case GraphKind::star: m.allow(keys); return;
    case GraphKind::erdos_renyi:
      keys.emplace_back("p");
      m.allow(keys);
      topo.p = r_.probability(m.require("p"));
      return;
    case GraphKind::small_world: {
      keys.insert(keys.end(), {"k", "p"});
      m.allow(keys);
      const YamlValue k = m.require("k");
      topo.k = static_cast<int>(r_.integer(k, 2, kMaxNodes));
      if (topo.k % 2 != 0) r_.fail(k, fmt::format("{} must be even (k/2 neighbours on each side), got {}", k.path, topo.k));
      if (topo.k >= topo.nodes)
        r_.fail(k, fmt::format("{} must be less than the number of nodes ({}), got {}", k.path, topo.nodes, topo.k));
      topo.p = r_.probability(m.require("p"));
      return;
    }
    case GraphKind::file:
      keys.emplace_back("file");
      m.allow(keys);
      edges_file(m.require("file"));
      return;
  }
}

void Loader::edges_file(const YamlValue& file_value) {
  TopologySpec& topo = s_.topology;
  const std::string file = r_.scalar(file_value, "a CSV file name");
  const std::filesystem::path path = resolve(file);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    r_.fail(file_value, fmt::format("edge file '{}' not found (looked in {})", file,
                                    std::filesystem::absolute(path, ec).lexically_normal().string()));
  topo.edges_file = path.string();
  std::set<std::pair<NodeId, NodeId>> edges;
  try {
    io::CSVReader<2, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>, io::throw_on_overflow,
                  io::single_line_comment<'#'>>
        in(path.string());
    in.read_header(io::ignore_extra_column, "from", "to");
    std::string a, b;
    while (in.read_row(a, b)) {
      const unsigned line = in.get_file_line();
      auto end_of = [&](const std::string& name) {
        if (auto id = lookup_node(name)) return *id;
        // Integer ids are accepted too: "3" is node 3.
        NodeId id = 0;
        const auto [end, parse_ec] = std::from_chars(name.data(), name.data() + name.size(), id);
        if (!name.empty() && parse_ec == std::errc{} && end == name.data() + name.size() &&
            id < static_cast<NodeId>(topo.nodes))
          return id;
        r_.fail(file_value, fmt::format("edge file '{}' line {}: unknown node '{}' {}{}", file, line, name,
                                        nodes_hint(false), suggest_node(name, false)));
      };
      const NodeId x = end_of(a), y = end_of(b);
      if (x == y) r_.fail(file_value, fmt::format("edge file '{}' line {}: self-loop on node '{}'", file, line, a));
      edges.insert({std::min(x, y), std::max(x, y)});
    }
  } catch (const io::error::base& e) {
    r_.fail(file_value, fmt::format("cannot read edge file '{}': {} (it needs a header line 'from,to')", file, e.what()));
  }
  if (edges.empty()) r_.fail(file_value, fmt::format("edge file '{}' has no edges", file));
  topo.file_edges.assign(edges.begin(), edges.end());
}

void Loader::links(const YamlValue& v) {
  for (const auto& item : r_.list(v)) {
    const MapReader m(r_, item);
    m.allow({"from", "to", "latency", "oneway", "bandwidth"});
    LinkOverride link;
    link.from = members(m.require("from"), "topology.links");
    link.to = members(m.require("to"), "topology.links");
    link.latency = distribution(m.require("latency"), Quantity::latency, "latency");
    if (auto o = m.get("oneway")) link.oneway = r_.boolean(*o);
    if (auto b = m.get("bandwidth")) link.bandwidth_Bps = r_.bandwidth_Bps(*b);
    s_.topology.links.push_back(std::move(link));
  }
}

// ---------------------------------------------------------------------------
// Node references

// Node names are generated ("n<i>", or "<region>-<i>" with regions), so a
// name is looked up by parsing it back: no map of a million names to build
// (about a second at 1M nodes). The index must be written as to_string
// writes it (no sign, no leading zero), exactly the names that exist.
std::optional<NodeId> Loader::lookup_node(const std::string& text) const {
  const TopologySpec& topo = s_.topology;
  std::string_view index;
  NodeId first = 0;
  int count = 0;
  if (topo.regions.empty()) {
    if (text.size() < 2 || text[0] != 'n') return std::nullopt;
    index = std::string_view(text).substr(1);
    count = topo.nodes;
  } else {
    const std::size_t dash = text.rfind('-');
    if (dash == std::string::npos) return std::nullopt;
    const auto region = region_ids_.find(text.substr(0, dash));
    if (region == region_ids_.end()) return std::nullopt;
    const RegionSpec& reg = topo.regions[static_cast<std::size_t>(region->second)];
    index = std::string_view(text).substr(dash + 1);
    first = reg.first_node;
    count = reg.nodes;
  }
  if (index.empty() || index.size() > 10 || (index.size() > 1 && index[0] == '0')) return std::nullopt;
  std::uint64_t i = 0;
  for (const char c : index) {
    if (c < '0' || c > '9') return std::nullopt;
    i = i * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (i >= static_cast<std::uint64_t>(count)) return std::nullopt;
  return first + static_cast<NodeId>(i);
}

std::string Loader::nodes_hint(bool regions_allowed) const {
  const TopologySpec& topo = s_.topology;
  auto range = [](const std::string& first, const std::string& last) {
    return first == last ? first : first + ".." + last;
  };
  std::string nodes;
  if (topo.regions.empty()) {
    nodes = range(topo.node_names.front(), topo.node_names.back());
  } else {
    std::vector<std::string> parts;
    for (const auto& reg : topo.regions)
      parts.push_back(range(topo.node_names[reg.first_node], topo.node_names[reg.first_node + static_cast<NodeId>(reg.nodes) - 1]));
    nodes = join(parts);
  }
  if (!regions_allowed || topo.regions.empty()) return "(nodes are " + nodes + ")";
  std::vector<std::string> regions;
  for (const auto& reg : topo.regions) regions.push_back(reg.name);
  return "(regions are " + join(regions) + "; nodes are " + nodes + ")";
}

void Loader::unknown_node(const YamlValue& v, const std::string& name, const std::string& where,
                          bool regions_allowed) {
  const bool regions = regions_allowed && !s_.topology.regions.empty();
  r_.fail(v, fmt::format("unknown {} '{}' in {} {}{}", regions ? "node or region" : "node", name, where,
                         nodes_hint(regions_allowed), suggest_node(name, regions_allowed)));
}

std::string Loader::suggest_node(const std::string& name, bool regions_allowed) const {
  std::vector<std::string> candidates = s_.topology.node_names;
  if (regions_allowed)
    for (const auto& reg : s_.topology.regions) candidates.push_back(reg.name);
  const std::string best = detail::closest_name(name, candidates);
  // "n9" -> "n0" is noise: the node range in the message says it all.
  if (best.empty() || strip_trailing_digits(best) == strip_trailing_digits(name)) return "";
  return " (did you mean '" + best + "'?)";
}

NodeId Loader::node_ref(const YamlValue& v, const std::string& where) {
  const std::string name = r_.scalar(v, "a node name");
  if (auto id = lookup_node(name)) return *id;
  if (region_ids_.count(name))
    r_.fail(v, fmt::format("'{}' is a region; {} needs a single node {}", name, where, nodes_hint(false)));
  unknown_node(v, name, where, false);
}

std::vector<NodeId> Loader::members(const YamlValue& v, const std::string& where) {
  std::vector<NodeId> out;
  std::vector<bool> listed(static_cast<std::size_t>(s_.topology.nodes));  // dedup in O(N), not a search per node
  const auto items = r_.scalar_or_list(v);
  if (items.empty()) r_.fail(v, fmt::format("{}: expected at least one node or region name", v.path));
  for (const auto& item : items) {
    const std::string name = r_.scalar(item, "a node or region name");
    std::vector<NodeId> ids;
    if (auto region = region_ids_.find(name); region != region_ids_.end()) {
      const RegionSpec& reg = s_.topology.regions[static_cast<std::size_t>(region->second)];
      for (int i = 0; i < reg.nodes; ++i) ids.push_back(reg.first_node + static_cast<NodeId>(i));
    } else if (auto id = lookup_node(name)) {
      ids.push_back(*id);
    } else {
      unknown_node(item, name, where, true);
    }
    for (NodeId id : ids)
      if (!listed[id]) {
        listed[id] = true;
        out.push_back(id);
      }
  }
  return out;
}

std::filesystem::path Loader::resolve(const std::string& file) const {
  const std::filesystem::path p(file);
  if (p.is_absolute()) return p.lexically_normal();
  return (base_dir_ / p).lexically_normal();
}

// ---------------------------------------------------------------------------
// network, clocks, store, protocols

void Loader::network(const YamlValue& v) {
  const MapReader m(r_, v);
  m.allow({"loss", "duplicate", "fifo", "bandwidth"});
  if (auto x = m.get("loss")) s_.network.loss = r_.probability(*x);
  if (auto x = m.get("duplicate")) s_.network.duplicate = r_.probability(*x);
  if (auto x = m.get("fifo")) s_.network.fifo = r_.boolean(*x);
  if (auto x = m.get("bandwidth")) {
    const MapReader b(r_, *x);
    b.allow({"egress", "ingress"});
    if (auto e = b.get("egress")) s_.network.egress_Bps = r_.bandwidth_Bps(*e);
    if (auto i = b.get("ingress")) s_.network.ingress_Bps = r_.bandwidth_Bps(*i);
  }
}

// A service time: a latency-like distribution whose draws are never clamped
// at 0 in practice (a normal with mean < 3 stddev would be: refused).
Distribution Loader::service_time(const YamlValue& v, const std::string& what) {
  Distribution d = distribution(v, Quantity::latency, what);
  if (d.kind == Distribution::Kind::normal && d.a < 3 * d.b)
    r_.fail(v, fmt::format("{}: a normal service time needs mean >= 3 stddev (else more than 0.1% of draws would be "
                           "negative and cut to 0); use lognormal, exponential or uniform instead",
                           v.path));
  return d;
}

void Loader::replicas(const YamlValue& v) {
  const MapReader m(r_, v);
  m.allow({"service", "servers"});
  if (auto x = m.get("servers")) s_.replicas.servers = static_cast<int>(r_.integer(*x, 1, 1024));
  if (auto x = m.get("service")) {
    const MapReader sm(r_, *x);
    sm.allow({"read", "write", "merge"});
    if (auto r = sm.get("read")) s_.replicas.read = service_time(*r, "read service time");
    if (auto w = sm.get("write")) s_.replicas.write = service_time(*w, "write service time");
    if (auto g = sm.get("merge")) s_.replicas.merge = service_time(*g, "merge service time");
  }
}

void Loader::clocks(const YamlValue& v) {
  const MapReader m(r_, v);
  m.allow({"skew", "drift_ppm"});
  if (auto x = m.get("skew")) s_.clocks.skew = distribution(*x, Quantity::signed_duration, "clock skew");
  if (auto x = m.get("drift_ppm")) s_.clocks.drift_ppm = distribution(*x, Quantity::number, "clock drift");
}

void Loader::protocols(const YamlValue& v) {
  const MapReader m(r_, v);
  std::vector<std::string> known;
  for (const SectionDef& d : sections_)
    if (d.is_protocol()) known.emplace_back(d.key());
  for (const auto& f : m.fields()) {
    const SectionDef* def = nullptr;
    for (const SectionDef& d : sections_)
      if (d.is_protocol() && d.key() == f.name) def = &d;
    if (!def) {
      const std::string hint = detail::suggest(f.name, known);
      r_.fail_key(f.value, fmt::format("unknown protocol '{}' in protocols{}", f.name,
                                       hint.empty() ? fmt::format(" (known protocols: {})", join(known)) : hint));
    }
    module_section(*def, f.value);
  }
}

void Loader::module_section(const SectionDef& def, const YamlValue& v) {
  if (s_.has_section(def.path)) r_.fail_key(v, fmt::format("section '{}' given twice", def.path));
  s_.sections.emplace_back(def.path, def.load(r_, v, s_));
}

// Module sections at the top level (sagas:, ...), after the kernel's own:
// they may refer to nodes, the duration and faults.
void Loader::top_level_sections(const MapReader& top) {
  for (const SectionDef& d : sections_) {
    if (d.is_protocol()) continue;
    if (auto v = top.get(d.path)) module_section(d, *v);
    else if (d.load_when_absent) module_section(d, YamlValue{YAML::Node(), YAML::Node(), false, d.path});
  }
}

// ---------------------------------------------------------------------------
// Faults

void Loader::faults(const YamlValue& v) {
  for (const auto& item : r_.list(v)) s_.faults.push_back(fault(item));
}

// choices: [{message: 17, fate: drop}, {message: 23, fate: delay, by: 500ms},
//           {message: 30, fate: crash, restart_after: 1s}]
void Loader::choices(const YamlValue& v) {
  for (const auto& item : r_.list(v)) {
    const MapReader m(r_, item);
    m.allow({"message", "fate", "by", "restart_after"});
    MessageChoice c;
    c.pos = r_.position(item.node);
    const YamlValue number = m.require("message");
    c.message = static_cast<std::uint64_t>(r_.integer(number, 1, INT64_MAX));
    if (!s_.choices.empty() && c.message <= s_.choices.back().message)
      r_.fail(number, fmt::format("{}: messages must be listed in increasing order, each once (after message {})",
                                  number.path, s_.choices.back().message));
    c.fate = static_cast<MessageChoice::Fate>(
        r_.choice(m.require("fate"), std::vector<std::string>(kFateNames.begin(), kFateNames.end())));
    const auto by = m.get("by");
    if (c.fate == MessageChoice::Fate::delay) {
      if (!by) r_.fail(item, fmt::format("{}: a delay needs by: (e.g. by: 500ms)", item.path));
      c.delay_ns = r_.duration(*by);
    } else if (by) {
      r_.fail_key(*by, fmt::format("'by' applies only to fate: delay"));
    }
    if (const auto ra = m.get("restart_after")) {
      if (c.fate != MessageChoice::Fate::crash) r_.fail_key(*ra, "'restart_after' applies only to fate: crash");
      c.restart_after_ns = r_.duration(*ra);
      if (c.restart_after_ns <= 0) r_.fail(*ra, fmt::format("{} must be positive", ra->path));
    }
    s_.choices.push_back(c);
  }
}

namespace {

using FaultKind = FaultSpec::Kind;

// A fault entry is one action: its kind names it, and each kind takes its own keys.
struct FaultKindKeys {
  const char* key;
  FaultKind kind;
  std::vector<std::string> keys;  // every key this kind accepts
};
const FaultKindKeys kFaultKinds[] = {
    {"partition", FaultKind::partition, {"at", "partition", "oneway"}},
    {"heal", FaultKind::heal, {"at", "heal"}},
    {"crash", FaultKind::crash, {"at", "crash", "restart_after", "lose_state"}},
    {"restart", FaultKind::restart, {"at", "restart"}},
    {"loss", FaultKind::loss, {"at", "loss", "until"}},
    {"duplicate", FaultKind::duplicate, {"at", "duplicate", "until"}},
    {"clock", FaultKind::clock, {"at", "clock", "offset", "drift_ppm"}},
    {"flapping", FaultKind::flapping, {"at", "flapping"}},
};

}  // namespace

// Which kind of fault the entry is (exactly one), its keys checked against it.
std::pair<FaultSpec::Kind, YamlValue> Loader::fault_kind(const MapReader& m, const YamlValue& v) {
  std::vector<std::string> all_keys;
  for (const auto& k : kFaultKinds)
    for (const auto& key : k.keys)
      if (std::find(all_keys.begin(), all_keys.end(), key) == all_keys.end()) all_keys.push_back(key);
  m.allow(all_keys);
  const FaultKindKeys* kind = nullptr;
  std::optional<YamlValue> kind_value;
  for (const auto& k : kFaultKinds) {
    auto x = m.get(k.key);
    if (!x) continue;
    if (kind)
      r_.fail_key(*x, fmt::format("{}: a fault is one action; '{}' and '{}' need separate list entries", v.path,
                                  kind->key, k.key));
    kind = &k;
    kind_value = x;
  }
  if (!kind) {
    std::vector<std::string> kinds;
    for (const auto& k : kFaultKinds) kinds.emplace_back(k.key);
    r_.fail(v, fmt::format("{}: a fault needs one of: {}", v.path, join(kinds)));
  }
  for (const auto& f : m.fields()) {
    if (std::find(kind->keys.begin(), kind->keys.end(), f.name) == kind->keys.end())
      r_.fail_key(f.value, fmt::format("'{}' does not apply to a {} fault (its keys: {})", f.name, kind->key,
                                       join(kind->keys)));
  }
  return {kind->kind, *kind_value};
}

FaultSpec Loader::fault(const YamlValue& v) {
  const MapReader m(r_, v);
  const auto [kind, x] = fault_kind(m, v);
  FaultSpec fs;
  fs.kind = kind;
  fs.pos = r_.position(v.node);
  fs.at_ns = at_within_duration(m.require("at"), "fault");
  switch (fs.kind) {
    case FaultKind::partition: partition_fault(fs, m, x); break;
    case FaultKind::heal:
      if (r_.choice(x, {"all"}) != 0) r_.fail(x, "heal: expected 'all'");
      break;
    case FaultKind::crash:
      fs.node = node_ref(x, "fault");
      if (auto ra = m.get("restart_after")) {
        fs.restart_after_ns = r_.duration(*ra);
        if (fs.restart_after_ns <= 0) r_.fail(*ra, fmt::format("{} must be positive", ra->path));
      }
      if (auto ls = m.get("lose_state")) fs.lose_state = r_.boolean(*ls);
      break;
    case FaultKind::restart: fs.node = node_ref(x, "fault"); break;
    case FaultKind::loss:
    case FaultKind::duplicate:
      (kind == FaultKind::loss ? fs.loss : fs.duplicate) = r_.probability(x);
      if (auto u = m.get("until")) fs.until_ns = fault_until(*u, fs.at_ns);
      break;
    case FaultKind::clock: {
      fs.node = node_ref(x, "fault");
      const auto offset = m.get("offset");
      const auto drift = m.get("drift_ppm");
      if (!offset && !drift) r_.fail(v, fmt::format("{}: a clock fault needs offset (e.g. 200ms or -200ms) and/or drift_ppm", v.path));
      if (offset) fs.offset_ns = r_.duration(*offset, true);
      if (drift) fs.drift_ppm = r_.number(*drift);
      break;
    }
    case FaultKind::flapping: flapping_fault(fs, x); break;
  }
  return fs;
}

// The end of a fault window: within the run and not before the fault starts.
SimTime Loader::fault_until(const YamlValue& u, SimTime at_ns) {
  const SimTime t = r_.duration(u);
  if (t > s_.duration_ns)
    r_.fail(u, fmt::format("{} ({}) is after duration {}", u.path, format_duration(t), format_duration(s_.duration_ns)));
  if (t < at_ns)
    r_.fail(u, fmt::format("{} ({}) is before the fault's at ({})", u.path, format_duration(t), format_duration(at_ns)));
  return t;
}

// partition: {from, to} (directed with oneway) or a list of groups; nodes not
// listed form one more group, written out so consumers need not.
void Loader::partition_fault(FaultSpec& fs, const MapReader& m, const YamlValue& x) {
  if (x.node.IsMap()) {
    const MapReader pm(r_, x);
    pm.allow({"from", "to"});
    fs.from = members(pm.require("from"), "fault");
    fs.to = members(pm.require("to"), "fault");
    for (NodeId id : fs.from)
      if (std::find(fs.to.begin(), fs.to.end(), id) != fs.to.end())
        r_.fail(pm.require("to"), fmt::format("node '{}' is on both sides of the partition", s_.topology.node_names[id]));
    if (auto o = m.get("oneway")) fs.oneway = r_.boolean(*o);
    return;
  }
  if (auto o = m.get("oneway")) r_.fail_key(*o, "oneway applies only to partition: {from: [...], to: [...]}");
  if (!x.node.IsSequence())
    r_.fail(x, fmt::format("{}: expected a list of groups like [[n0, n1], [n2]] or {{from: [...], to: [...]}}, got {}",
                           x.path, YamlReader::describe(x.node)));
  const int n = s_.topology.nodes;
  std::vector<int> group_of(static_cast<std::size_t>(n), -1);
  for (const auto& g : r_.list(x)) {
    // A bare name is a group of one name (a node, or a whole region).
    const auto group = members(g, "fault");
    for (NodeId id : group) {
      if (group_of[id] >= 0) r_.fail(g, fmt::format("node '{}' is in two partition groups", s_.topology.node_names[id]));
      group_of[id] = static_cast<int>(fs.groups.size());
    }
    fs.groups.push_back(group);
  }
  if (fs.groups.empty()) r_.fail(x, "partition needs at least one group");
  std::vector<NodeId> rest;
  for (int i = 0; i < n; ++i)
    if (group_of[static_cast<std::size_t>(i)] < 0) rest.push_back(static_cast<NodeId>(i));
  if (!rest.empty()) fs.groups.push_back(rest);
}

void Loader::flapping_fault(FaultSpec& fs, const YamlValue& x) {
  const MapReader fm(r_, x);
  fm.allow({"nodes", "period", "until"});
  fs.nodes = members(fm.require("nodes"), "fault");
  if (static_cast<int>(fs.nodes.size()) == s_.topology.nodes)
    r_.fail(fm.require("nodes"), "flapping every node cuts nothing off: list a subset of the nodes");
  const YamlValue period = fm.require("period");
  fs.period_ns = r_.duration(period);
  if (fs.period_ns < 2) r_.fail(period, fmt::format("{} must be at least 2ns, got {}", period.path, period.node.Scalar()));
  if (auto u = fm.get("until")) fs.until_ns = fault_until(*u, fs.at_ns);
}

// ---------------------------------------------------------------------------
// Checks and output

void Loader::checks(const std::optional<YamlValue>& v) {
  CheckSpec& c = s_.checks;
  // Default: all four session guarantees (checked from the history; see docs/SESSIONS.md).
  if (!v) return;
  const MapReader m(r_, *v);
  m.allow({"convergence", "session", "staleness", "lost_writes", "expect"});
  if (auto x = m.get("convergence")) c.convergence = r_.boolean(*x);
  if (auto x = m.get("staleness")) c.staleness = r_.boolean(*x);
  if (auto x = m.get("lost_writes")) c.lost_writes = r_.boolean(*x);
  if (auto x = m.get("session")) {
    c.session.clear();
    for (const auto& item : r_.list(*x)) {
      const std::string name = kSessionGuarantees[r_.choice(item, kSessionGuarantees)];
      if (std::find(c.session.begin(), c.session.end(), name) == c.session.end()) c.session.push_back(name);
    }
  }
  if (auto x = m.get("expect")) {
    for (const auto& item : r_.list(*x)) {
      Expectation e;
      e.text = r_.scalar(item, "an assertion like \"violations.ryw == 0\"");
      if (e.text.find_first_not_of(" \t") == std::string::npos) r_.fail(item, fmt::format("{} is empty", item.path));
      e.pos = r_.position(item.node);
      c.expect.push_back(std::move(e));
    }
  }
}

void Loader::output(const std::optional<YamlValue>& v) {
  OutputSpec& o = s_.output;
  o.dir = fmt::format("out/{}/seed-{}", s_.name, s_.seed);
  o.traces = kTraceNames;
  if (s_.topology.nodes > kLeanTracesAboveNodes)
    std::erase_if(o.traces, [](const std::string& t) { return t == "events" || t == "applied"; });
  for (const SectionDef& d : sections_)  // module traces (sagas.csv, ...) when the module is present
    if (s_.has_section(d.path)) o.traces.insert(o.traces.end(), d.traces.begin(), d.traces.end());
  if (v) {
    const MapReader m(r_, *v);
    m.allow({"dir", "traces"});
    if (auto x = m.get("dir")) {
      o.dir = r_.scalar(*x, "a directory");
      if (o.dir.empty()) r_.fail(*x, "output.dir must not be empty");
    }
    if (auto x = m.get("traces")) {
      o.traces.clear();
      for (const auto& item : r_.list(*x)) {
        std::vector<std::string> names = kTraceNames;
        for (const SectionDef& d : sections_) names.insert(names.end(), d.traces.begin(), d.traces.end());
        const std::string name = names[r_.choice(item, names)];
        if (!o.has(name)) o.traces.push_back(name);
      }
    }
  }
  if (options_.output_dir) o.dir = *options_.output_dir;
}

// ---------------------------------------------------------------------------
// Resolved configuration

class ConfigWriter {
 public:
  ConfigWriter(const Scenario& s, const SectionTable& sections) : s_(s), sections_(sections) {}
  std::string write();

 private:
  std::string num(double x) const { return fmt::format("{}", x); }
  std::string dur(SimTime t) const { return format_duration(t); }
  void distribution(const Distribution& d, bool duration) { write_distribution(e_, d, duration); }
  void topology();
  void module_sections(bool protocols);
  void fault(const FaultSpec& f);
  void checks_and_output();
  void node_set(const std::vector<NodeId>& nodes);
  const std::string& node(NodeId id) const { return s_.topology.node_names[id]; }

  const Scenario& s_;
  const SectionTable& sections_;
  YAML::Emitter e_;
};

// Whole regions by name, other nodes by their own name.
void ConfigWriter::node_set(const std::vector<NodeId>& nodes) {
  std::vector<NodeId> sorted = nodes;
  std::sort(sorted.begin(), sorted.end());
  e_ << YAML::Flow << YAML::BeginSeq;
  std::size_t i = 0;
  while (i < sorted.size()) {
    const NodeId id = sorted[i];
    bool whole_region = false;
    if (!s_.topology.regions.empty()) {
      const RegionSpec& reg = s_.topology.regions[static_cast<std::size_t>(s_.topology.node_region[id])];
      const auto count = static_cast<std::size_t>(reg.nodes);
      if (id == reg.first_node && i + count <= sorted.size() &&
          sorted[i + count - 1] == reg.first_node + static_cast<NodeId>(count) - 1) {
        e_ << reg.name;
        i += count;
        whole_region = true;
      }
    }
    if (!whole_region) {
      e_ << node(id);
      ++i;
    }
  }
  e_ << YAML::EndSeq;
}

namespace {
using YAML::BeginMap;
using YAML::BeginSeq;
using YAML::EndMap;
using YAML::EndSeq;
using YAML::Key;
using YAML::Value;
}  // namespace

std::string ConfigWriter::write() {
  e_ << YAML::Comment("ecsim resolved configuration: every default filled in");
  e_ << BeginMap;
  if (!s_.modules.empty()) e_ << Key << "modules" << Value << s_.modules;
  e_ << Key << "name" << Value << s_.name;
  e_ << Key << "seed" << Value << s_.seed;
  e_ << Key << "duration" << Value << dur(s_.duration_ns);
  e_ << Key << "stop" << Value << name_of(kStopModes, s_.stop);
  topology();
  e_ << Key << "network" << Value << BeginMap << Key << "loss" << Value << num(s_.network.loss) << Key << "duplicate"
     << Value << num(s_.network.duplicate) << Key << "fifo" << Value << s_.network.fifo;
  if (s_.network.egress_Bps > 0 || s_.network.ingress_Bps > 0) {
    e_ << Key << "bandwidth" << Value << YAML::Flow << BeginMap;
    if (s_.network.egress_Bps > 0) e_ << Key << "egress" << Value << format_bandwidth(s_.network.egress_Bps);
    if (s_.network.ingress_Bps > 0) e_ << Key << "ingress" << Value << format_bandwidth(s_.network.ingress_Bps);
    e_ << EndMap;
  }
  e_ << EndMap;
  e_ << Key << "replicas" << Value << BeginMap << Key << "service" << Value << BeginMap << Key << "read" << Value;
  distribution(s_.replicas.read, true);
  e_ << Key << "write" << Value;
  distribution(s_.replicas.write, true);
  e_ << Key << "merge" << Value;
  distribution(s_.replicas.merge, true);
  e_ << EndMap << Key << "servers" << Value << s_.replicas.servers << EndMap;
  e_ << Key << "clocks" << Value << BeginMap << Key << "skew" << Value;
  distribution(s_.clocks.skew, true);
  e_ << Key << "drift_ppm" << Value;
  distribution(s_.clocks.drift_ppm, false);
  e_ << EndMap;
  module_sections(true);  // under protocols:
  if (!s_.faults.empty()) {
    e_ << Key << "faults" << Value << BeginSeq;
    for (const auto& f : s_.faults) fault(f);
    e_ << EndSeq;
  }
  if (!s_.choices.empty()) {
    e_ << Key << "choices" << Value << BeginSeq;
    for (const MessageChoice& c : s_.choices) {
      e_ << YAML::Flow << BeginMap << Key << "message" << Value << c.message << Key << "fate" << Value
         << std::string(kFateNames[static_cast<std::size_t>(c.fate)]);
      if (c.fate == MessageChoice::Fate::delay) e_ << Key << "by" << Value << dur(c.delay_ns);
      if (c.fate == MessageChoice::Fate::crash && c.restart_after_ns >= 0)
        e_ << Key << "restart_after" << Value << dur(c.restart_after_ns);
      e_ << EndMap;
    }
    e_ << EndSeq;
  }
  checks_and_output();
  module_sections(false);  // top-level module sections
  e_ << EndMap;
  return std::string(e_.c_str()) + "\n";
}

void ConfigWriter::topology() {
  const TopologySpec& topo = s_.topology;
  e_ << Key << "topology" << Value << BeginMap;
  if (topo.regions.empty()) {
    e_ << Key << "nodes" << Value << topo.nodes;
    e_ << YAML::Comment(fmt::format("n0..n{}", topo.nodes - 1));
  } else {
    e_ << Key << "regions" << Value << BeginSeq;
    for (const auto& reg : topo.regions) {
      e_ << YAML::Flow << BeginMap << Key << "name" << Value << reg.name << Key << "nodes" << Value << reg.nodes << EndMap;
      e_ << YAML::Comment(fmt::format("{}-0..{}-{}", reg.name, reg.name, reg.nodes - 1));
    }
    e_ << EndSeq;
  }
  e_ << Key << "graph" << Value;
  switch (topo.graph) {
    case GraphKind::complete:
    case GraphKind::ring:
    case GraphKind::star: e_ << name_of(kGraphKinds, topo.graph); break;
    case GraphKind::erdos_renyi:
      e_ << YAML::Flow << BeginMap << Key << "erdos_renyi" << Value << BeginMap << Key << "p" << Value << num(topo.p)
         << EndMap << EndMap;
      break;
    case GraphKind::small_world:
      e_ << YAML::Flow << BeginMap << Key << "small_world" << Value << BeginMap << Key << "k" << Value << topo.k << Key
         << "p" << Value << num(topo.p) << EndMap << EndMap;
      break;
    case GraphKind::file:
      e_ << YAML::Flow << BeginMap << Key << "file" << Value << topo.edges_file << EndMap;
      e_ << YAML::Comment(fmt::format("{} edges", topo.file_edges.size()));
      break;
  }
  e_ << Key << "latency" << Value;
  distribution(topo.latency, true);
  if (!topo.links.empty()) {
    e_ << Key << "links" << Value << BeginSeq;
    for (const auto& l : topo.links) {
      e_ << YAML::Flow << BeginMap << Key << "from" << Value;
      node_set(l.from);
      e_ << Key << "to" << Value;
      node_set(l.to);
      e_ << Key << "latency" << Value;
      distribution(l.latency, true);
      e_ << Key << "oneway" << Value << l.oneway;
      if (l.bandwidth_Bps > 0) e_ << Key << "bandwidth" << Value << format_bandwidth(l.bandwidth_Bps);
      e_ << EndMap;
    }
    e_ << EndSeq;
  }
  e_ << EndMap;
}

void ConfigWriter::module_sections(bool protocols) {
  if (protocols) e_ << Key << "protocols" << Value << BeginMap;
  for (const SectionDef& d : sections_)
    if (d.is_protocol() == protocols)
      if (const SectionValue* v = s_.find_section(d.path)) {
        e_ << Key << std::string(d.key()) << Value;
        d.write(e_, *v, s_);
      }
  if (protocols) e_ << EndMap;
}

void ConfigWriter::fault(const FaultSpec& f) {
  e_ << YAML::Flow << BeginMap << Key << "at" << Value << dur(f.at_ns);
  switch (f.kind) {
    case FaultSpec::Kind::partition:
      e_ << Key << "partition" << Value;
      if (!f.groups.empty()) {
        e_ << BeginSeq;
        for (const auto& g : f.groups) node_set(g);
        e_ << EndSeq;
      } else {
        e_ << BeginMap << Key << "from" << Value;
        node_set(f.from);
        e_ << Key << "to" << Value;
        node_set(f.to);
        e_ << EndMap << Key << "oneway" << Value << f.oneway;
      }
      break;
    case FaultSpec::Kind::heal: e_ << Key << "heal" << Value << "all"; break;
    case FaultSpec::Kind::crash:
      e_ << Key << "crash" << Value << node(f.node);
      if (f.restart_after_ns >= 0) e_ << Key << "restart_after" << Value << dur(f.restart_after_ns);
      e_ << Key << "lose_state" << Value << f.lose_state;
      break;
    case FaultSpec::Kind::restart: e_ << Key << "restart" << Value << node(f.node); break;
    case FaultSpec::Kind::loss:
    case FaultSpec::Kind::duplicate: {
      const bool loss = f.kind == FaultSpec::Kind::loss;
      e_ << Key << (loss ? "loss" : "duplicate") << Value << num(loss ? f.loss : f.duplicate);
      if (f.until_ns >= 0) e_ << Key << "until" << Value << dur(f.until_ns);
      break;
    }
    case FaultSpec::Kind::clock:
      e_ << Key << "clock" << Value << node(f.node) << Key << "offset" << Value << dur(f.offset_ns);
      if (f.drift_ppm) e_ << Key << "drift_ppm" << Value << num(*f.drift_ppm);
      break;
    case FaultSpec::Kind::flapping:
      e_ << Key << "flapping" << Value << BeginMap << Key << "nodes" << Value;
      node_set(f.nodes);
      e_ << Key << "period" << Value << dur(f.period_ns);
      if (f.until_ns >= 0) e_ << Key << "until" << Value << dur(f.until_ns);
      e_ << EndMap;
      break;
  }
  e_ << EndMap;
}

void ConfigWriter::checks_and_output() {
  const CheckSpec& c = s_.checks;
  e_ << Key << "checks" << Value << BeginMap << Key << "convergence" << Value << c.convergence << Key << "session"
     << Value << YAML::Flow << c.session << Key << "staleness" << Value << c.staleness << Key << "lost_writes" << Value
     << c.lost_writes;
  if (!c.expect.empty()) {
    e_ << Key << "expect" << Value << BeginSeq;
    for (const auto& x : c.expect) e_ << YAML::DoubleQuoted << x.text;
    e_ << EndSeq;
  }
  e_ << EndMap;
  e_ << Key << "output" << Value << BeginMap << Key << "dir" << Value << s_.output.dir << Key << "traces" << Value
     << YAML::Flow << s_.output.traces << EndMap;
}

}  // namespace

Scenario load_scenario(const std::string& path, const LoadOptions& options) { return Loader(path, options).load(); }

std::string resolved_config_yaml(const Scenario& scenario, const SectionTable& sections) {
  return ConfigWriter(scenario, sections).write();
}

}  // namespace ecsim
