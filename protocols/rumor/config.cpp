// protocols.rumor: keys, defaults, validation and the resolved-config writer
// (semantics of each key: protocols/rumor/README.md).
#include <fmt/format.h>

#include "protocols/rumor/rumor.hpp"
#include "sim/config_nodes.hpp"
#include "sim/units.hpp"
#include "sim/yaml_node.hpp"

namespace ecsim {
namespace {

using namespace detail;
using YAML::Key;
using YAML::Value;

constexpr Named<RumorMode> kModes[] = {
    {"push", RumorMode::push}, {"pull", RumorMode::pull}, {"push-pull", RumorMode::push_pull}};
constexpr Named<RumorLoss> kLosses[] = {{"counter", RumorLoss::counter}, {"coin", RumorLoss::coin}};
constexpr Named<bool> kPhases[] = {{"random", false}, {"aligned", true}};
constexpr Named<bool> kFeedback[] = {{"blind", false}, {"feedback", true}};

SimTime time_at_most_duration(const YamlReader& r, const YamlValue& v, const Scenario& s) {
  const SimTime t = r.duration(v);
  if (t < 0 || t > s.duration_ns)
    r.fail(v, fmt::format("{} ({}) must be between 0 and duration ({})", v.path, format_duration(t),
                          format_duration(s.duration_ns)));
  return t;
}

std::shared_ptr<const SectionValue> load(const YamlReader& r, const YamlValue& v, const Scenario& s) {
  RumorSpec spec;
  const MapReader m(r, v);  // "rumor:" with no value = the paper's main setting
  m.allow({"mode", "interest", "loss", "k", "fanout", "interval", "phase", "origin", "inject_at", "counter_per_round",
           "feedback_round_start", "value_bytes", "death_certificates", "delete_origin", "delete_at"});
  const NodeNames names(r, s);
  if (auto x = m.get("mode")) spec.mode = pick(r, *x, kModes);
  if (auto x = m.get("interest")) spec.feedback = pick(r, *x, kFeedback);
  if (auto x = m.get("loss")) spec.loss = pick(r, *x, kLosses);
  if (auto x = m.get("k")) spec.k = static_cast<int>(r.integer(*x, 1, 1'000'000));
  if (auto x = m.get("fanout")) spec.fanout = static_cast<int>(r.integer(*x, 1, kMaxNodes));
  if (auto x = m.get("interval")) {
    spec.interval_ns = r.duration(*x);
    if (spec.interval_ns <= 0) r.fail(*x, fmt::format("{} must be positive", x->path));
  }
  if (auto x = m.get("phase")) spec.aligned_phase = pick(r, *x, kPhases);
  if (auto x = m.get("origin")) spec.origin = names.one(*x);
  if (auto x = m.get("inject_at")) spec.inject_at_ns = time_at_most_duration(r, *x, s);
  if (auto x = m.get("counter_per_round")) spec.counter_per_round = r.boolean(*x);
  if (auto x = m.get("feedback_round_start")) spec.feedback_round_start = r.boolean(*x);
  if (auto x = m.get("value_bytes")) spec.value_bytes = static_cast<int>(r.integer(*x, 0, 1 << 30));
  if (auto x = m.get("death_certificates")) spec.death_certificates = r.boolean(*x);
  const auto delete_origin = m.get("delete_origin");
  const auto delete_at = m.get("delete_at");
  for (const auto& x : {delete_origin, delete_at})
    if (x && !spec.death_certificates)
      r.fail_key(*x, fmt::format("{} applies only with death_certificates: true", x->path));
  if (delete_origin) spec.delete_origin = names.one(*delete_origin);
  if (delete_at) spec.delete_at_ns = time_at_most_duration(r, *delete_at, s);
  return std::make_shared<const RumorSpec>(spec);
}

void write(YAML::Emitter& e, const SectionValue& value, const Scenario& s) {
  const auto& spec = dynamic_cast<const RumorSpec&>(value);
  e << YAML::BeginMap << Key << "mode" << Value << name_of(kModes, spec.mode) << Key << "interest" << Value
    << name_of(kFeedback, spec.feedback) << Key << "loss" << Value << name_of(kLosses, spec.loss) << Key << "k" << Value
    << spec.k << Key << "fanout" << Value << spec.fanout << Key << "interval" << Value
    << format_duration(spec.interval_ns) << Key << "phase" << Value << name_of(kPhases, spec.aligned_phase) << Key
    << "origin" << Value << s.topology.node_names[spec.origin] << Key << "inject_at" << Value
    << format_duration(spec.inject_at_ns) << Key << "counter_per_round" << Value << spec.counter_per_round << Key
    << "feedback_round_start" << Value << spec.feedback_round_start << Key << "value_bytes" << Value
    << spec.value_bytes << Key << "death_certificates" << Value << spec.death_certificates;
  if (spec.death_certificates)
    e << Key << "delete_origin" << Value << s.topology.node_names[spec.delete_origin] << Key << "delete_at" << Value
      << format_duration(spec.delete_at_ns);
  e << YAML::EndMap;
}

}  // namespace

SectionDef rumor_section() {
  return SectionDef{std::string(RumorSpec::kPath), "rumor mongering of one update (Demers et al. 1987)", load, write, {}};
}

}  // namespace ecsim
