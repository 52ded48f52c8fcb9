// protocols.gossip: keys, defaults, validation and the resolved-config writer.
#include "protocols/gossip/config.hpp"

#include <fmt/format.h>

#include "sim/units.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim {
namespace {

using namespace detail;

constexpr Named<GossipMode> kModes[] = {
    {"push", GossipMode::push}, {"pull", GossipMode::pull}, {"push-pull", GossipMode::push_pull}};
constexpr Named<bool> kPhases[] = {{"random", false}, {"aligned", true}};

std::shared_ptr<const SectionValue> load(const YamlReader& r, const YamlValue& v, const Scenario&) {
  GossipSpec g;
  const MapReader m(r, v);  // "gossip:" with no value = all defaults
  m.allow({"interval", "fanout", "mode", "phase"});
  if (auto x = m.get("interval")) {
    g.interval_ns = r.duration(*x);
    if (g.interval_ns <= 0) r.fail(*x, fmt::format("{} must be positive", x->path));
  }
  if (auto x = m.get("fanout")) g.fanout = static_cast<int>(r.integer(*x, 1, kMaxNodes));
  if (auto x = m.get("mode")) g.mode = pick(r, *x, kModes);
  if (auto x = m.get("phase")) g.aligned_phase = pick(r, *x, kPhases);
  return std::make_shared<const GossipSpec>(g);
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario&) {
  const auto& g = dynamic_cast<const GossipSpec&>(value);
  e << YAML::Flow << YAML::BeginMap << YAML::Key << "interval" << YAML::Value << format_duration(g.interval_ns)
    << YAML::Key << "fanout" << YAML::Value << g.fanout << YAML::Key << "mode" << YAML::Value << name_of(kModes, g.mode)
    << YAML::Key << "phase" << YAML::Value << name_of(kPhases, g.aligned_phase) << YAML::EndMap;
}

}  // namespace

SectionDef gossip_section() {
  return SectionDef{std::string(GossipSpec::kPath), "anti-entropy by periodic gossip of digests", load, write, {}};
}

}  // namespace ecsim
