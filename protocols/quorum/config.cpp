// protocols.replication: keys, defaults, validation and the resolved-config writer.
#include "protocols/quorum/config.hpp"

#include <algorithm>

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
  m.allow({"n", "w", "r", "timeout", "sloppy", "hint_after", "handoff_interval"});
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
  if (auto x = m.get("sloppy")) q.sloppy = r.boolean(*x);
  q.hint_after_ns = std::max<SimTime>(1, q.timeout_ns / 4);
  auto hint_after = m.get("hint_after");
  if (hint_after) {
    q.hint_after_ns = r.duration(*hint_after);
    if (q.hint_after_ns <= 0) r.fail(*hint_after, fmt::format("{} must be positive", hint_after->path));
  }
  if (q.sloppy && q.hint_after_ns >= q.timeout_ns)
    r.fail(hint_after ? *hint_after : *m.get("sloppy"),
           fmt::format("protocols.replication.hint_after ({}) must be shorter than timeout ({})",
                       format_duration(q.hint_after_ns), format_duration(q.timeout_ns)));
  if (auto x = m.get("handoff_interval")) {
    q.handoff_interval_ns = r.duration(*x);
    if (q.handoff_interval_ns <= 0) r.fail(*x, fmt::format("{} must be positive", x->path));
  }
  return std::make_shared<const ReplicationSpec>(q);
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario&) {
  const auto& q = dynamic_cast<const ReplicationSpec&>(value);
  e << YAML::Flow << YAML::BeginMap << YAML::Key << "n" << YAML::Value << q.n << YAML::Key << "w" << YAML::Value << q.w
    << YAML::Key << "r" << YAML::Value << q.r << YAML::Key << "timeout" << YAML::Value << format_duration(q.timeout_ns);
  // Strict runs print (and so hash into sweep run keys) exactly as before
  // sloppy quorums existed; hint_after and handoff_interval only matter when sloppy.
  if (q.sloppy)
    e << YAML::Key << "sloppy" << YAML::Value << true << YAML::Key << "hint_after" << YAML::Value
      << format_duration(q.hint_after_ns) << YAML::Key << "handoff_interval" << YAML::Value
      << format_duration(q.handoff_interval_ns);
  e << YAML::EndMap;
}

}  // namespace

SectionDef replication_section() {
  return SectionDef{std::string(ReplicationSpec::kPath), "Dynamo-style quorum replication (N, W, R)", load, write, {}};
}

}  // namespace ecsim
