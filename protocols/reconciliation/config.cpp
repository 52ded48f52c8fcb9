// reconciliation: keys, defaults, validation and the resolved-config writer.
#include "protocols/reconciliation/config.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "sim/config_nodes.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/units.hpp"

namespace ecsim {
namespace {

using namespace detail;


std::shared_ptr<const SectionValue> load(const YamlReader& r, const YamlValue& v, const Scenario& s) {
  const NodeNames names(r, s);
  const MapReader m(r, v);
  m.allow({"source", "replicas", "values", "updates", "updates_start", "updates_stop", "corruption", "enabled", "period",
           "batch"});
  ReconcileSpec c;
  if (auto x = m.get("source")) c.source = names.one(*x);
  if (auto x = m.get("replicas")) {
    c.replicas = names.many(*x);
    if (std::find(c.replicas.begin(), c.replicas.end(), c.source) != c.replicas.end())
      r.fail(*x, fmt::format("{}: the source {} cannot also be a replica", x->path, s.topology.node_names[c.source]));
  } else {
    for (NodeId i = 0; i < static_cast<NodeId>(s.topology.nodes); ++i)
      if (i != c.source) c.replicas.push_back(i);
    if (c.replicas.empty()) r.fail(v, "reconciliation needs at least one replica besides the source (topology has one node)");
  }
  if (auto x = m.get("values")) c.values = static_cast<int>(r.integer(*x, 1, 100'000));
  if (auto x = m.get("updates")) c.updates_per_s = rate(r, *x, true);
  if (auto x = m.get("updates_start")) c.updates_start_ns = at_most_duration(r, *x, s);
  if (auto x = m.get("updates_stop")) {
    c.updates_stop_ns = at_most_duration(r, *x, s);
    if (c.updates_stop_ns < c.updates_start_ns)
      r.fail(*x, fmt::format("reconciliation.updates_stop ({}) is before updates_start ({})",
                             format_duration(c.updates_stop_ns), format_duration(c.updates_start_ns)));
  }
  if (auto x = m.get("corruption")) c.corruption_per_s = rate(r, *x, true);
  if (auto x = m.get("enabled")) c.enabled = r.boolean(*x);
  if (auto x = m.get("period")) c.period_ns = positive_duration(r, *x);
  if (auto x = m.get("batch")) c.batch = static_cast<int>(r.integer(*x, 0, c.values));
  reject_lost_state(s, {c.source}, "the reconciliation source of truth is durable");
  return std::make_shared<const ReconcileSpec>(std::move(c));
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario& s) {
  using YAML::BeginMap;
  using YAML::EndMap;
  using YAML::Key;
  using YAML::Value;
  const auto& c = dynamic_cast<const ReconcileSpec&>(value);
  e << BeginMap;
  e << Key << "source" << Value << s.topology.node_names[c.source] << Key << "replicas" << Value;
  node_list(e, s, c.replicas);
  e << Key << "values" << Value << c.values << Key << "updates" << Value << format_rate(c.updates_per_s);
  e << Key << "updates_start" << Value << format_duration(c.updates_start_ns);
  if (c.updates_stop_ns >= 0) e << Key << "updates_stop" << Value << format_duration(c.updates_stop_ns);
  e << Key << "corruption" << Value << format_rate(c.corruption_per_s);
  e << Key << "enabled" << Value << c.enabled << Key << "period" << Value << format_duration(c.period_ns);
  e << Key << "batch" << Value << c.batch;
  e << EndMap;
}

}  // namespace

SectionDef reconciliation_section() {
  return SectionDef{std::string(ReconcileSpec::kPath), "a periodic job repairing copies against a source of truth", load, write, {"repairs"}};
}

}  // namespace ecsim
