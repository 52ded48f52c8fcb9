// protocols.replication: keys, defaults, validation and the resolved-config writer.
#include "protocols/quorum/config.hpp"

#include <fmt/format.h>

#include "sim/scenario.hpp"
#include "sim/units.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim {
namespace {

using namespace detail;

std::shared_ptr<const SectionValue> load(const YamlReader& r, const YamlValue& v, const Scenario& s) {
  ReplicationSpec q;
  const MapReader m(r, v);  // "replication:" with no value = all defaults
  m.allow({"n", "w", "r", "timeout"});
  const int nodes = s.topology.nodes;
  if (auto x = m.get("n")) {
    q.n = static_cast<int>(r.integer(*x, 1, kMaxNodes));
    if (q.n > nodes) r.fail(*x, fmt::format("protocols.replication.n ({}) exceeds the number of nodes ({})", q.n, nodes));
  } else if (q.n > nodes) {
    q.n = nodes;  // the default of 3 shrinks to fit a smaller cluster
  }
  // Unset w and r default to a majority of n (strict quorums, R + W > N).
  q.w = q.r = q.n / 2 + 1;
  for (const char* name : {"w", "r"}) {
    auto x = m.get(name);
    if (!x) continue;
    const auto value = r.integer(*x, 1, kMaxNodes);
    if (value > q.n) r.fail(*x, fmt::format("protocols.replication.{} ({}) must be between 1 and n ({})", name, value, q.n));
    (name[0] == 'w' ? q.w : q.r) = static_cast<int>(value);
  }
  if (auto x = m.get("timeout")) {
    q.timeout_ns = r.duration(*x);
    if (q.timeout_ns <= 0) r.fail(*x, fmt::format("{} must be positive", x->path));
  }
  return std::make_shared<const ReplicationSpec>(q);
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario&) {
  const auto& q = dynamic_cast<const ReplicationSpec&>(value);
  e << YAML::Flow << YAML::BeginMap << YAML::Key << "n" << YAML::Value << q.n << YAML::Key << "w" << YAML::Value << q.w
    << YAML::Key << "r" << YAML::Value << q.r << YAML::Key << "timeout" << YAML::Value << format_duration(q.timeout_ns)
    << YAML::EndMap;
}

}  // namespace

SectionDef replication_section() {
  return SectionDef{std::string(ReplicationSpec::kPath), "Dynamo-style quorum replication (N, W, R)", load, write, {}};
}

}  // namespace ecsim
