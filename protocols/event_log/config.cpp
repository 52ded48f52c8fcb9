// event_log: keys, defaults, validation and the resolved-config writer.
#include "protocols/event_log/config.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "sim/config_nodes.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/units.hpp"

namespace ecsim {
namespace {

using namespace detail;

const std::vector<std::string> kEventOrders = {"timestamp", "arrival"};
std::shared_ptr<const SectionValue> load(const YamlReader& r, const YamlValue& v, const Scenario& s) {
  const NodeNames names(r, s);
  const MapReader m(r, v);
  m.allow({"replicas", "interval", "fanout", "events", "start", "stop", "entities", "order"});
  EventLogSpec l;
  if (auto x = m.get("replicas")) {
    l.replicas = names.many(*x);
    if (l.replicas.size() > 1024) r.fail(*x, fmt::format("{}: at most 1024 replicas", x->path));
  } else {
    for (NodeId i = 0; i < static_cast<NodeId>(std::min(s.topology.nodes, 1024)); ++i) l.replicas.push_back(i);
  }
  if (auto x = m.get("interval")) l.interval_ns = positive_duration(r, *x);
  if (auto x = m.get("fanout")) l.fanout = static_cast<int>(r.integer(*x, 1, 1024));
  if (auto x = m.get("events")) l.events_per_s = rate(r, *x, true);
  if (auto x = m.get("start")) l.start_ns = at_most_duration(r, *x, s);
  if (auto x = m.get("stop")) {
    l.stop_ns = at_most_duration(r, *x, s);
    if (l.stop_ns < l.start_ns)
      r.fail(*x, fmt::format("event_log.stop ({}) is before event_log.start ({})", format_duration(l.stop_ns),
                             format_duration(l.start_ns)));
  }
  if (auto x = m.get("entities")) l.entities = static_cast<int>(r.integer(*x, 1, 100'000));
  if (auto x = m.get("order")) l.order = static_cast<EventOrder>(r.choice(*x, kEventOrders));
  reject_lost_state(s, l.replicas, "an event-log replica's log is its durable state");
  return std::make_shared<const EventLogSpec>(std::move(l));
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario& s) {
  using YAML::BeginMap;
  using YAML::EndMap;
  using YAML::Key;
  using YAML::Value;
  const auto& l = dynamic_cast<const EventLogSpec&>(value);
  e << BeginMap << Key << "replicas" << Value;
  node_list(e, s, l.replicas);
  e << Key << "interval" << Value << format_duration(l.interval_ns) << Key << "fanout" << Value << l.fanout;
  e << Key << "events" << Value << format_rate(l.events_per_s) << Key << "start" << Value << format_duration(l.start_ns);
  if (l.stop_ns >= 0) e << Key << "stop" << Value << format_duration(l.stop_ns);
  e << Key << "entities" << Value << l.entities << Key << "order" << Value
    << kEventOrders[static_cast<std::size_t>(l.order)];
  e << EndMap;
}

}  // namespace

SectionDef event_log_section() {
  return SectionDef{std::string(EventLogSpec::kPath), "replicated event logs rebuilt by deterministic replay", load, write, {}};
}

}  // namespace ecsim
